package dev.flywheel.deploy.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.flywheel.deploy.TopicSpec;
import dev.flywheel.deploy.bench.BenchResult.Percentiles;
import dev.flywheel.deploy.bench.BenchResult.RateRun;
import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.ModelUpdateFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

  /** Extra unmeasured time at the first rate of each job. */
  static final Duration FIRST_WARMUP = Duration.ofSeconds(10);

  private final BenchCluster cluster;
  private final BenchSettings settings;
  private final PrintStream out;

  LatencyBench(BenchCluster cluster, BenchSettings settings, PrintStream out) {
    this.cluster = cluster;
    this.settings = settings;
    this.out = out;
  }

  /** Measurements of one rate, filled by the consumers, read after the drain. */
  static final class Window {
    final long fromMillis;
    final long toMillis;
    final LogHistogram append = new LogHistogram();
    final LogHistogram consumed = new LogHistogram();
    long received;
    long[] versions = new long[1024];
    long[] scoredAt = new long[1024];
    int pairs;
    long pairsDropped;

    Window(long fromMillis, long toMillis) {
      this.fromMillis = fromMillis;
      this.toMillis = toMillis;
    }

    boolean contains(long ts) {
      return ts >= fromMillis && ts <= toMillis;
    }

    synchronized void add(long ts, long appendTime, long seenAt, long version, long scored) {
      received++;
      append.record(appendTime - ts);
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
    String tag = "latency-" + repeat;
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
    List<RateRun> runs = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties())) {
      cluster.awaitRunning(id, Duration.ofMinutes(2));
      predictions.start();
      updates.start();
      SyntheticEvents events = new SyntheticEvents(settings.seed() + repeat);
      for (int i = 0; i < rates.length; i++) {
        double rate = rates[i];
        // The first rate also warms the fresh job up (JIT, first model publications).
        Duration warmup = i == 0 ? settings.warmup().plus(FIRST_WARMUP) : settings.warmup();
        runs.add(
            runRate(
                repeat,
                rate,
                warmup,
                topics.events(),
                producer,
                events,
                windows,
                newestByVersion,
                predictions,
                updates));
      }
    } finally {
      predictions.stop();
      updates.stop();
      cluster.cancel(id);
    }
    return runs;
  }

  private RateRun runRate(
      int repeat,
      double rate,
      Duration warmup,
      String topic,
      KafkaProducer<byte[], byte[]> producer,
      SyntheticEvents events,
      List<Window> windows,
      Map<Long, Long> newestByVersion,
      PredictionReader predictions,
      UpdateReader updates)
      throws Exception {
    long warmupSlots = OpenLoopSchedule.slotsFor(rate, warmup.toNanos());
    long measuredSlots =
        Math.max(1, OpenLoopSchedule.slotsFor(rate, settings.duration().toNanos()));
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
        lag.record((sentAt - schedule.intendedNanos(k)) / 1000);
        if (k >= warmupSlots) {
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
              usage);
    }
    out.printf(
        "  latency repeat %d at %,.0f/s: p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f ms; freshness p50"
            + " %.0f, p99 %.0f ms; %,d of %,d predictions; producer lag p99 %.1f ms%n",
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
        run.producerLagMicros().p99() / 1000);
    return run;
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

  /** Reads {@code modelVersion}, {@code ts} and {@code scoredAt} of a prediction's JSON. */
  static PredictionFields parsePrediction(byte[] json) throws IOException {
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
  private abstract class TopicReader implements Runnable {
    private final String topic;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;

    TopicReader(String topic) {
      this.topic = topic;
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
      try (KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(cluster.consumerProperties(false))) {
        consumer = c;
        List<TopicPartition> partitions = new ArrayList<>();
        c.partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        c.assign(partitions);
        c.seekToBeginning(partitions);
        while (running) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
            accept(r, System.currentTimeMillis());
          }
        }
      } catch (WakeupException e) {
        // stopped
      } catch (Throwable t) {
        failure.set(t);
      }
    }

    abstract void accept(ConsumerRecord<byte[], byte[]> record, long seenAt) throws IOException;

    void stop() throws InterruptedException {
      running = false;
      KafkaConsumer<byte[], byte[]> c = consumer;
      if (c != null) {
        c.wakeup();
      }
      thread.join(10_000);
    }
  }

  /** Puts every prediction into the window its intended time falls in. */
  private final class PredictionReader extends TopicReader {
    private final List<Window> windows;

    PredictionReader(String topic, List<Window> windows) {
      super(topic);
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
  private final class UpdateReader extends TopicReader {
    private final Map<Long, Long> newestByVersion;

    UpdateReader(String topic, Map<Long, Long> newestByVersion) {
      super(topic);
      this.newestByVersion = newestByVersion;
    }

    @Override
    void accept(ConsumerRecord<byte[], byte[]> record, long seenAt) {
      ModelUpdate chunk;
      try {
        chunk = ModelUpdateFormat.read(record.value());
      } catch (IllegalArgumentException e) {
        return; // not a chunk: nothing to learn from it
      }
      newestByVersion.put(chunk.version, chunk.newestEventTime);
    }
  }
}
