package dev.flywheel.deploy.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.flywheel.deploy.TopicSpec;
import dev.flywheel.deploy.bench.BenchResult.Percentiles;
import dev.flywheel.deploy.bench.BenchResult.RateRun;
import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.updates.ModelUpdateFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Phase 2 and 3: per repeat, one unbounded pipeline job; for each offered rate (ascending) an
 * open-loop producer sends synthetic events on a fixed schedule, each stamped with its intended
 * send time as the event time {@code ts}, which the prediction carries back. Latency = the
 * prediction's append time on the broker (the predictions topic uses LogAppendTime) − intended send
 * time, so time the producer spent behind schedule counts. Freshness = the prediction's {@code
 * scoredAt} − the newest example event time of the model version that scored it, read from the
 * headers of the model-updates records. Only events whose intended time falls in the measured
 * window (after the warm-up) count.
 */
final class LatencyBench {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_PAIRS = 20_000_000;

  /**
   * Extra unmeasured time at the first rate of each job: its start (the trainer's first model and
   * reset snapshot, the first checkpoints, which took up to 9 s, and in a latency-only run the JIT)
   * put multi-second backlogs into a window that began 15 s after the start.
   */
  static final Duration FIRST_WARMUP = Duration.ofSeconds(30);

  private final BenchCluster cluster;
  private final BenchSettings settings;
  private final PrintStream out;
  private final GcPauses gc;
  private final Path timelineDir;

  /**
   * @param gc the harness JVM's GC pauses, recorded while the runs go
   * @param timelineDir where each run's latency timeline (CSV) goes
   */
  LatencyBench(
      BenchCluster cluster,
      BenchSettings settings,
      PrintStream out,
      GcPauses gc,
      Path timelineDir) {
    this.cluster = cluster;
    this.settings = settings;
    this.out = out;
    this.gc = gc;
    this.timelineDir = timelineDir;
  }

  /** Measurements of one rate, filled by the consumers, read after the drain. */
  static final class Window {
    /** Width of one bucket of the latency timeline, ms of intended send time. */
    static final int TIMELINE_BUCKET_MS = 100;

    final long fromMillis;
    final long toMillis;
    final LogHistogram append = new LogHistogram();

    /** Per timeline bucket: predictions, and their largest append latency (ms). */
    final long[] bucketCount;

    final long[] bucketMax;
    final LogHistogram consumed = new LogHistogram();
    long received;
    long[] versions = new long[1024];
    long[] scoredAt = new long[1024];
    int pairs;
    long pairsDropped;

    Window(long fromMillis, long toMillis) {
      this.fromMillis = fromMillis;
      this.toMillis = toMillis;
      int buckets = (int) ((toMillis - fromMillis) / TIMELINE_BUCKET_MS) + 1;
      this.bucketCount = new long[buckets];
      this.bucketMax = new long[buckets];
    }

    boolean contains(long ts) {
      return ts >= fromMillis && ts <= toMillis;
    }

    synchronized void add(long ts, long appendTime, long seenAt, long version, long scored) {
      received++;
      append.record(appendTime - ts);
      int b = (int) ((ts - fromMillis) / TIMELINE_BUCKET_MS);
      bucketCount[b]++;
      bucketMax[b] = Math.max(bucketMax[b], appendTime - ts);
      consumed.record(seenAt - ts);
      if (pairs == versions.length) {
        if (pairs >= MAX_PAIRS) {
          pairsDropped++;
          return;
        }
        versions = Arrays.copyOf(versions, pairs * 2);
        scoredAt = Arrays.copyOf(scoredAt, pairs * 2);
      }
      versions[pairs] = version;
      scoredAt[pairs] = scored;
      pairs++;
    }

    synchronized long received() {
      return received;
    }
  }

  /** Runs every rate {@code settings.repeats()} times; returns runs per rate index. */
  List<List<RateRun>> run(double[] rates) throws Exception {
    List<List<RateRun>> perRate = new ArrayList<>();
    for (int i = 0; i < rates.length; i++) {
      perRate.add(new ArrayList<>());
    }
    for (int repeat = 1; repeat <= settings.repeats(); repeat++) {
      List<RateRun> runs = runJob(repeat, rates);
      for (int i = 0; i < rates.length; i++) {
        perRate.get(i).add(runs.get(i));
      }
    }
    return perRate;
  }

  private List<RateRun> runJob(int repeat, double[] rates) throws Exception {
    return withJob(
        "latency-" + repeat,
        settings.seed() + repeat,
        job -> {
          List<RateRun> runs = new ArrayList<>();
          for (int i = 0; i < rates.length; i++) {
            // The first rate also warms the fresh job up (JIT, first model publications).
            Duration warmup = i == 0 ? settings.warmup().plus(FIRST_WARMUP) : settings.warmup();
            runs.add(runRate(repeat, rates[i], warmup, settings.duration(), job));
          }
          return runs;
        });
  }

  /**
   * A probe's median latency at most this (ms) is sustained: a pipeline that keeps up has a median
   * of tens of ms here and recovers from each checkpoint's or GC's stall; one that does not
   * accumulates a backlog, and its median grows with the window (5 % over its capacity for the 5 s
   * warm-up and a 15 s window gives a median of about 600 ms).
   */
  static final double SUSTAINED_P50_MS = 500;

  /** Measured time of each probe of the search. */
  static final Duration PROBE_DURATION = Duration.ofSeconds(15);

  /** Measured time of the search's start-up run at the lowest rate (its figures are not used). */
  private static final Duration WARM = Duration.ofSeconds(1);

  /**
   * The search's rule ({@link RateSearch}), in fractions of the replay rate: the first probe at the
   * replay rate; while sustained, × 1.5 up to 4 × the replay rate; then bisection between the
   * highest sustained and the lowest failed probe (from 20 % if none was sustained); at most 6
   * probes.
   */
  static final RateSearch SEARCH = new RateSearch(0.2, 1, 1.5, 4, 6);

  /**
   * The "highest sustainable rate", measured where latency is: in one fresh job, open-loop
   * probes chosen by {@link #SEARCH} (from the replay rate up while they are sustained, then a
   * bisection between the highest sustained and the lowest failed probe); a probe is sustained if
   * {@link #sustained} says so. The replay rate (pre-produced input, no producer on the machine)
   * was taken for an upper bound, since the open-loop producer, in this JVM, takes its share of the
   * same cores; but a run sustained every probe of a bisection below it, up to 98 %, so the search
   * starts there and can go above it. The result says whether its rate is bracketed by a failed
   * probe above it or is only a lower bound.
   */
  BenchResult.Sustainable searchSustainable(double replayRate) throws Exception {
    return withJob(
        "sustainable",
        settings.seed() - 1,
        job -> {
          List<BenchResult.Probe> probes = new ArrayList<>();
          List<RateSearch.Answer> answers = new ArrayList<>();
          // The fresh job's start (its first model and reset snapshot, its first checkpoints)
          // happens at the lowest rate, so that no probe is charged with it.
          runRate(0, rateOf(SEARCH.low(), replayRate), FIRST_WARMUP, WARM, job);
          for (OptionalDouble next = SEARCH.next(answers);
              next.isPresent();
              next = SEARCH.next(answers)) {
            double fraction = next.getAsDouble();
            double rate = rateOf(fraction, replayRate);
            RateRun run = runRate(0, rate, settings.warmup(), PROBE_DURATION, job);
            boolean ok = sustained(run);
            answers.add(new RateSearch.Answer(fraction, ok));
            probes.add(
                new BenchResult.Probe(
                    rate,
                    fraction,
                    run.appendLatencyMs().p50(),
                    run.appendLatencyMs().p99(),
                    run.producerLagMicros().p99() / 1000,
                    run.expectedPredictions() - run.receivedPredictions(),
                    ok));
            out.printf(
                "  probe %d: %,.0f/s (%.0f %% of replay) %s%n",
                answers.size(), rate, 100 * fraction, ok ? "sustained" : "not sustained");
          }
          return sustainable(replayRate, RateSearch.outcome(answers), probes);
        });
  }

  /** The probe rate (records/s) of {@code fraction} × {@code replayRate}: whole, at least 1. */
  static double rateOf(double fraction, double replayRate) {
    return Math.max(1, Math.round(fraction * replayRate));
  }

  /**
   * The search's result: the highest sustained probe's rate (the lowest fraction, {@link
   * RateSearch#low}, if none was sustained) and the lowest failed probe's rate above it, if any.
   */
  static BenchResult.Sustainable sustainable(
      double replayRate, RateSearch.Outcome outcome, List<BenchResult.Probe> probes) {
    return new BenchResult.Sustainable(
        replayRate,
        rateOf(outcome.found() ? outcome.sustained() : SEARCH.low(), replayRate),
        outcome.found(),
        outcome.bracketed(),
        Double.isNaN(outcome.failed()) ? null : rateOf(outcome.failed(), replayRate),
        probes);
  }

  /** Whether a probe kept up: median latency within {@link #SUSTAINED_P50_MS}, nothing missing. */
  static boolean sustained(RateRun run) {
    return run.receivedPredictions() >= run.expectedPredictions()
        && run.appendLatencyMs().p50() <= SUSTAINED_P50_MS;
  }

  /** What a job's runs share: its id, topics, readers, producer and event generator. */
  private record Job(
      JobID id,
      String eventsTopic,
      KafkaProducer<byte[], byte[]> producer,
      SyntheticEvents events,
      List<Window> windows,
      Map<Long, Long> newestByVersion,
      PredictionReader predictions,
      UpdateReader updates) {}

  private interface JobBody<T> {
    T run(Job job) throws Exception;
  }

  /** Runs a fresh pipeline job on fresh topics, {@code body} against it, then cancels it. */
  private <T> T withJob(String tag, long seed, JobBody<T> body) throws Exception {
    BenchSettings.Topics topics = BenchSettings.Topics.of("bench-events-" + tag, tag);
    cluster.createTopics(
        List.of(
            TopicSpec.of(topics.events(), settings.partitions()),
            new TopicSpec(
                topics.predictions(), settings.partitions(), BenchCluster.LOG_APPEND_TIME),
            new TopicSpec(topics.modelUpdates(), 1, BenchCluster.LOG_APPEND_TIME),
            new TopicSpec(topics.dlq(), settings.partitions(), BenchCluster.LOG_APPEND_TIME)));
    JobSettings job = settings.pipelineSettings(cluster.bootstrapServers(), tag, topics);
    var env = cluster.environment(FlywheelJob.flinkConfiguration(job));
    FlywheelJob.addKafkaPipeline(env, job);
    JobID id = cluster.submit(env, "bench " + tag);
    List<Window> windows = new CopyOnWriteArrayList<>();
    Map<Long, Long> newestByVersion = new ConcurrentHashMap<>();
    PredictionReader predictions = new PredictionReader(topics.predictions(), windows);
    UpdateReader updates = new UpdateReader(topics.modelUpdates(), newestByVersion);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties())) {
      cluster.awaitRunning(id, Duration.ofMinutes(2));
      predictions.start();
      updates.start();
      return body.run(
          new Job(
              id,
              topics.events(),
              producer,
              new SyntheticEvents(seed),
              windows,
              newestByVersion,
              predictions,
              updates));
    } finally {
      predictions.stop();
      updates.stop();
      cluster.cancel(id);
    }
  }

  private RateRun runRate(int repeat, double rate, Duration warmup, Duration measured, Job job)
      throws Exception {
    String topic = job.eventsTopic();
    KafkaProducer<byte[], byte[]> producer = job.producer();
    SyntheticEvents events = job.events();
    List<Window> windows = job.windows();
    Map<Long, Long> newestByVersion = job.newestByVersion();
    PredictionReader predictions = job.predictions();
    UpdateReader updates = job.updates();
    long warmupSlots = OpenLoopSchedule.slotsFor(rate, warmup.toNanos());
    long measuredSlots = Math.max(1, OpenLoopSchedule.slotsFor(rate, measured.toNanos()));
    OpenLoopSchedule schedule =
        new OpenLoopSchedule(
            System.nanoTime() + 50_000_000L,
            System.currentTimeMillis() + 50,
            rate,
            warmupSlots + measuredSlots);
    Window window =
        new Window(
            schedule.intendedEpochMillis(warmupSlots),
            schedule.intendedEpochMillis(schedule.slots() - 1));
    windows.add(window);
    ResourceMeter meter = ResourceMeter.start(cluster.brokerProcess());
    LogHistogram lag = new LogHistogram();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Callback callback =
        (meta, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        };
    long expected = 0;
    long sentMeasured = 0;
    long firstMeasuredNanos = -1;
    long lastNanos = 0;
    long k = 0;
    while (k < schedule.slots()) {
      long now = System.nanoTime();
      long due = schedule.dueAt(now);
      if (due <= k) {
        LockSupport.parkNanos(schedule.intendedNanos(k) - now);
        continue;
      }
      for (; k < due; k++) {
        long ts = schedule.intendedEpochMillis(k);
        SyntheticEvents.Record r = events.next(ts);
        producer.send(new ProducerRecord<>(topic, r.key(), r.value()), callback);
        long sentAt = System.nanoTime();
        if (k >= warmupSlots) {
          // the measured window's lag only: the warm-up's (a fresh job's start among it) is not
          // part of any figure
          lag.record((sentAt - schedule.intendedNanos(k)) / 1000);
          if (firstMeasuredNanos < 0) {
            firstMeasuredNanos = sentAt;
          }
          lastNanos = sentAt;
          sentMeasured++;
        }
        // By intended time, as the reader classifies predictions (a warm-up slot may share the
        // window's first millisecond).
        if (window.contains(ts) && r.type() != SyntheticEvents.Type.CLICK) {
          expected++;
        }
      }
    }
    producer.flush();
    if (failure.get() != null) {
      throw new IllegalStateException("sending events failed", failure.get());
    }
    // Drain: wait for the window's predictions, then for the model versions they name.
    long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
    while (window.received() < expected && System.nanoTime() < deadline) {
      predictions.check();
      Thread.sleep(50);
    }
    ResourceMeter.Usage usage = meter.stop();
    LogHistogram freshness = new LogHistogram();
    long unknown;
    long updatesDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      updates.check();
      freshness = new LogHistogram();
      long[] counts = freshness(window, newestByVersion, freshness);
      unknown = counts[0];
      if (counts[1] == 0 || System.nanoTime() >= updatesDeadline) {
        break;
      }
      Thread.sleep(100);
    }
    List<GcPauses.Pause> pauses = gc.between(window.fromMillis, window.toMillis);
    Path timeline =
        writeTimeline(
            window, pauses, updates.appendsCopy(), cluster.checkpoints(job.id()), repeat, rate);
    double sendSeconds =
        firstMeasuredNanos < 0 ? Double.NaN : Math.max(1, lastNanos - firstMeasuredNanos) / 1e9;
    RateRun run;
    synchronized (window) {
      run =
          new RateRun(
              repeat,
              rate,
              sentMeasured / sendSeconds,
              sentMeasured,
              expected,
              window.received,
              Percentiles.of(window.append),
              Percentiles.of(window.consumed),
              Percentiles.of(lag),
              Percentiles.of(freshness),
              unknown,
              usage,
              GcPauses.summarise(pauses),
              timeline.getFileName().toString());
    }
    out.printf(
        "  latency repeat %d at %,.0f/s: p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f ms; freshness p50"
            + " %.0f, p99 %.0f ms; %,d of %,d predictions; producer lag p99 %.1f ms; GC pauses %d,"
            + " %d ms in all, longest %d ms%n",
        repeat,
        rate,
        run.appendLatencyMs().p50(),
        run.appendLatencyMs().p99(),
        run.appendLatencyMs().p999(),
        run.appendLatencyMs().max(),
        run.freshnessMs().p50(),
        run.freshnessMs().p99(),
        run.receivedPredictions(),
        run.expectedPredictions(),
        run.producerLagMicros().p99() / 1000,
        run.gcPauses().count(),
        run.gcPauses().totalMillis(),
        run.gcPauses().maxMillis());
    return run;
  }

  /**
   * Writes the window's latency timeline: per {@value Window#TIMELINE_BUCKET_MS} ms of intended
   * send time (from the window's start, and as epoch ms to line it up with Flink's log), the
   * predictions, their largest append latency, and the GC pauses of the harness JVM that started in
   * it (count, ms). Returns the file.
   */
  private Path writeTimeline(
      Window window,
      List<GcPauses.Pause> pauses,
      List<long[]> updateAppends,
      List<long[]> checkpoints,
      int repeat,
      double rate)
      throws IOException {
    Files.createDirectories(timelineDir);
    Path file =
        timelineDir.resolve(String.format(Locale.ROOT, "repeat%d-rate%.0f.csv", repeat, rate));
    Files.writeString(file, timelineCsv(window, pauses, updateAppends, checkpoints));
    return file;
  }

  /**
   * The timeline as CSV (see {@link #writeTimeline}), one row per 100 ms bucket of intended send
   * time: predictions and their largest latency, the harness JVM's GC pauses that started in it,
   * the model-update bytes the broker appended in it ({@code updateAppends}: {append time, bytes})
   * and whether a checkpoint was in progress during it ({@code checkpoints}: {trigger, end} epoch
   * ms, end -1 while in progress), so that a stall can be put next to its cause.
   */
  static String timelineCsv(
      Window window,
      List<GcPauses.Pause> pauses,
      List<long[]> updateAppends,
      List<long[]> checkpoints) {
    int n = window.bucketCount.length;
    long[] gcCount = new long[n];
    long[] gcMillis = new long[n];
    for (GcPauses.Pause p : pauses) {
      int b = bucket(window, p.startMillis());
      if (b >= 0 && b < n) {
        gcCount[b]++;
        gcMillis[b] += p.durationMillis();
      }
    }
    long[] updateBytes = new long[n];
    for (long[] a : updateAppends) {
      int b = bucket(window, a[0]);
      if (b >= 0 && b < n) {
        updateBytes[b] += a[1];
      }
    }
    boolean[] checkpointing = new boolean[n];
    long windowEnd = window.fromMillis + (long) n * Window.TIMELINE_BUCKET_MS;
    for (long[] c : checkpoints) {
      long end = c[1] < 0 ? windowEnd : c[1];
      int from = Math.max(0, bucket(window, c[0]));
      int to = Math.min(n - 1, bucket(window, end));
      for (int b = from; b <= to; b++) {
        checkpointing[b] = true;
      }
    }
    StringBuilder csv =
        new StringBuilder(
            "ms_from_window_start,epoch_ms,predictions,max_latency_ms,gc_pauses,gc_pause_ms,"
                + "model_update_bytes,checkpointing\n");
    synchronized (window) {
      for (int b = 0; b < n; b++) {
        csv.append((long) b * Window.TIMELINE_BUCKET_MS)
            .append(',')
            .append(window.fromMillis + (long) b * Window.TIMELINE_BUCKET_MS)
            .append(',')
            .append(window.bucketCount[b])
            .append(',')
            .append(window.bucketMax[b])
            .append(',')
            .append(gcCount[b])
            .append(',')
            .append(gcMillis[b])
            .append(',')
            .append(updateBytes[b])
            .append(',')
            .append(checkpointing[b] ? 1 : 0)
            .append('\n');
      }
    }
    return csv.toString();
  }

  private static int bucket(Window window, long epochMillis) {
    return (int) Math.floorDiv(epochMillis - window.fromMillis, Window.TIMELINE_BUCKET_MS);
  }

  /**
   * Fills {@code into} with the freshness of every prediction of {@code window} whose model version
   * is known. Returns {unknown, unread}: predictions without a freshness (version 0, a version
   * published before any example was trained, or one whose update has not been read), and of those
   * the ones whose version has not been read yet (waiting may resolve them).
   */
  static long[] freshness(Window window, Map<Long, Long> newestByVersion, LogHistogram into) {
    long unknown = 0;
    long unread = 0;
    synchronized (window) {
      for (int i = 0; i < window.pairs; i++) {
        long version = window.versions[i];
        Long newest = newestByVersion.get(version);
        if (newest == null || newest <= 0) {
          unknown++;
          if (newest == null && version > 0) {
            unread++;
          }
        } else {
          into.record(window.scoredAt[i] - newest);
        }
      }
    }
    return new long[] {unknown, unread};
  }

  private Properties producerProperties() {
    Properties p = cluster.producerProperties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(64 * 1024));
    return p;
  }

  /** Fields of one prediction that the benchmark needs. */
  record PredictionFields(long modelVersion, long ts, long scoredAt) {}

  /**
   * Reads {@code modelVersion}, {@code ts} and {@code scoredAt} of a prediction's JSON: from the
   * job's layout without a parser ({@link PredictionScan}), else with Jackson.
   */
  static PredictionFields parsePrediction(byte[] json) throws IOException {
    PredictionFields scanned = PredictionScan.read(json);
    return scanned != null ? scanned : parseWithJackson(json);
  }

  /** {@link #parsePrediction} with Jackson, whatever the fields' order. */
  static PredictionFields parseWithJackson(byte[] json) throws IOException {
    long version = -1;
    long ts = -1;
    long scored = -1;
    try (JsonParser in = JSON.createParser(json)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a prediction is a JSON object");
      }
      while (in.nextToken() == JsonToken.FIELD_NAME) {
        String field = in.currentName();
        in.nextToken();
        switch (field) {
          case "modelVersion" -> version = in.getLongValue();
          case "ts" -> ts = in.getLongValue();
          case "scoredAt" -> scored = in.getLongValue();
          default -> in.skipChildren();
        }
      }
    }
    return new PredictionFields(version, ts, scored);
  }

  /** A thread reading a topic from its beginning until stopped. */
  private abstract class TopicReader<V> implements Runnable {
    private final String topic;
    private final Deserializer<V> values;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaConsumer<byte[], V> consumer;
    private volatile boolean running = true;

    TopicReader(String topic, Deserializer<V> values) {
      this.topic = topic;
      this.values = values;
      this.thread = new Thread(this, "bench-reader-" + topic);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    /** Throws what the reader failed with, if it did. */
    void check() {
      if (failure.get() != null) {
        throw new IllegalStateException("reading " + topic + " failed", failure.get());
      }
    }

    @Override
    public void run() {
      // read_uncommitted: append times are what we measure; see docs/bench/pipeline.md.
      try (KafkaConsumer<byte[], V> c =
          new KafkaConsumer<>(
              cluster.consumerProperties(false), new ByteArrayDeserializer(), values)) {
        consumer = c;
        List<TopicPartition> partitions = new ArrayList<>();
        c.partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        c.assign(partitions);
        c.seekToBeginning(partitions);
        while (running) {
          for (ConsumerRecord<byte[], V> r : c.poll(Duration.ofMillis(100))) {
            accept(r, System.currentTimeMillis());
          }
        }
      } catch (WakeupException e) {
        // stopped
      } catch (Throwable t) {
        failure.set(t);
      }
    }

    abstract void accept(ConsumerRecord<byte[], V> record, long seenAt) throws IOException;

    void stop() throws InterruptedException {
      running = false;
      KafkaConsumer<byte[], V> c = consumer;
      if (c != null) {
        c.wakeup();
      }
      thread.join(10_000);
    }
  }

  /** Puts every prediction into the window its intended time falls in. */
  private final class PredictionReader extends TopicReader<byte[]> {
    private final List<Window> windows;

    PredictionReader(String topic, List<Window> windows) {
      super(topic, new ByteArrayDeserializer());
      this.windows = windows;
    }

    @Override
    void accept(ConsumerRecord<byte[], byte[]> record, long seenAt) throws IOException {
      PredictionFields p = parsePrediction(record.value());
      for (Window w : windows) {
        if (w.contains(p.ts())) {
          w.add(p.ts(), record.timestamp(), seenAt, p.modelVersion(), p.scoredAt());
          return;
        }
      }
    }
  }

  /** Records the newest example event time of every published model version. */
  private final class UpdateReader extends TopicReader<long[]> {
    private final Map<Long, Long> newestByVersion;
    private final List<long[]> appends = new ArrayList<>();

    UpdateReader(String topic, Map<Long, Long> newestByVersion) {
      super(topic, new UpdateHeaderDeserializer());
      this.newestByVersion = newestByVersion;
    }

    @Override
    void accept(ConsumerRecord<byte[], long[]> record, long seenAt) {
      long[] versionAndNewest = record.value();
      if (versionAndNewest != null) { // null: not a chunk, nothing to learn from it
        newestByVersion.put(versionAndNewest[0], versionAndNewest[1]);
      }
      synchronized (appends) {
        appends.add(new long[] {record.timestamp(), record.serializedValueSize()});
      }
    }

    /** {append time, value bytes} of every record read so far. */
    List<long[]> appendsCopy() {
      synchronized (appends) {
        return new ArrayList<>(appends);
      }
    }
  }

  /**
   * Reads only {@code version} and {@code newestEventTime} of a model-updates record (format 1,
   * docs/model-updates.md), straight from the fetched buffer: the harness runs in the job's JVM,
   * and copying every chunk's payload (up to 512 KiB, 136 of them per full snapshot) only to read
   * two numbers would add garbage the job's own GC pauses then pay for. Null for anything else.
   */
  static final class UpdateHeaderDeserializer implements Deserializer<long[]> {
    @Override
    public long[] deserialize(String topic, byte[] data) {
      return data == null ? null : deserialize(topic, null, ByteBuffer.wrap(data));
    }

    @Override
    public long[] deserialize(String topic, Headers headers, ByteBuffer data) {
      if (data == null) {
        return null;
      }
      ByteBuffer b = data.duplicate().order(ByteOrder.BIG_ENDIAN);
      int start = b.position();
      if (b.remaining() < ModelUpdateFormat.FIXED_HEADER_BYTES
          || b.getInt(start) != ModelUpdateFormat.MAGIC
          || b.get(start + 4) != ModelUpdateFormat.FORMAT_VERSION) {
        return null;
      }
      int idLength = Short.toUnsignedInt(b.getShort(start + 6));
      int at = start + 8 + idLength;
      if (b.limit() < at + 24) {
        return null;
      }
      return new long[] {b.getLong(at), b.getLong(at + 16)};
    }
  }
}
