package dev.flywheel.simulator;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the application and its users against Kafka: sends requests at a rate, waits (bounded) for
 * each request's prediction, lets the policy choose a slate, sends the impressions, and sends each
 * click when its delay has passed on the wall clock.
 *
 * <p>Threads: the thread that calls {@link #run()} is the application thread and owns all state
 * (pending requests, the click queue, the curves); a consumer thread reads {@code predictions},
 * parses them and hands rankings over through a queue. Predictions are matched to pending requests
 * by request id; a request whose prediction has not arrived within the timeout is shown a random
 * slate and counted as a fallback.
 *
 * <p>Time: event times come from a simulated clock that starts at the wall clock and runs {@code
 * timeScale} times faster. A click drawn with delay {@code d} seconds is sent {@code d / timeScale}
 * wall seconds after its impression, with event time {@code impression ts + d}.
 *
 * <p>The producer and consumer are passed in and not closed here: whoever creates them closes them.
 */
public final class Simulator {

  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private static final int MAX_REQUESTS_PER_TICK = 10_000;
  private static final Duration CONSUMER_READY_TIMEOUT = Duration.ofSeconds(60);

  private final SimulatorSettings settings;
  private final World world;
  private final Policy policy;
  private final RandomPolicy randomPolicy;
  private final OraclePolicy oraclePolicy;
  private final EventWriter writer;
  private final Producer<String, byte[]> producer;
  private final Consumer<String, byte[]> consumer;
  private final PrintStream out;

  private final CurveRecorder played;
  private final CurveRecorder randomCurve;
  private final CurveRecorder oracleCurve;

  private final ConcurrentLinkedQueue<Ranking> inbox = new ConcurrentLinkedQueue<>();
  private final CountDownLatch consumerReady = new CountDownLatch(1);
  private final AtomicLong sendErrors = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private volatile boolean stopRequested;
  private volatile boolean consumerRunning;
  private volatile Throwable consumerFailure;
  private volatile Throwable firstSendError;
  private volatile Thread appThread;
  private final Callback sendCallback =
      (metadata, exception) -> {
        if (exception != null) {
          if (sendErrors.getAndIncrement() == 0) {
            firstSendError = exception;
          }
        }
      };

  // Application-thread state.
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final PriorityQueue<DueClick> clicks =
      new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
  private long startNanos;
  private long startEpochMs;
  private long sent;
  private long impressionsSent;
  private long clicksSent;
  private long clicksDropped;
  private long latePredictions;
  private long modelVersion = -1;
  private boolean sending = true;
  private long drainDeadlineNanos;
  private long nextProgressNanos;
  private long nextCurveNanos;
  private long lastProgressNanos;
  private long lastProgressEvents;
  private long lastProgressImpressions;
  private long lastProgressClicks;

  private record Pending(Request request, long deadlineNanos) {}

  private record DueClick(long dueNanos, String impressionId, long ts) {}

  /**
   * @param settings the run's settings (validated here)
   * @param producer producer for the events topic (keys strings, values UTF-8 JSON bytes)
   * @param consumer consumer for the predictions topic; required for the model policy, ignored
   *     otherwise (may be null then)
   * @param out where progress lines go
   */
  public Simulator(
      SimulatorSettings settings,
      Producer<String, byte[]> producer,
      Consumer<String, byte[]> consumer,
      PrintStream out) {
    this.settings = settings.validate();
    this.world = new World(settings.world());
    this.randomPolicy = new RandomPolicy(world);
    this.oraclePolicy = new OraclePolicy(world);
    this.policy =
        switch (settings.policy()) {
          case MODEL -> new ModelPolicy(world, settings.epsilon());
          case RANDOM -> randomPolicy;
          case ORACLE -> oraclePolicy;
        };
    if (settings.policy() == SimulatorSettings.PolicyKind.MODEL && consumer == null) {
      throw new IllegalArgumentException(
          "--policy model needs a consumer of the predictions topic");
    }
    this.writer = new EventWriter(world, settings.model(), settings.runId());
    this.producer = producer;
    this.consumer = settings.policy() == SimulatorSettings.PolicyKind.MODEL ? consumer : null;
    this.out = out;
    this.played = new CurveRecorder(policy.name(), settings.window());
    this.randomCurve = new CurveRecorder("random", settings.window());
    this.oracleCurve = new CurveRecorder("oracle", settings.window());
  }

  /**
   * A producer configured for the events topic.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param overrides further producer configs, applied last (e.g. security settings)
   */
  public static Producer<String, byte[]> kafkaProducer(
      String bootstrapServers, Map<String, String> overrides) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "flywheel-simulator");
    p.putAll(overrides);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A consumer for the predictions topic (partitions assigned by the simulator, no group). With the
   * pipeline's exactly-once delivery, pass {@code isolation.level=read_committed}: predictions then
   * arrive only when the job's checkpoint commits them, so the prediction timeout must exceed the
   * checkpoint interval.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param overrides further consumer configs, applied last
   */
  public static Consumer<String, byte[]> kafkaConsumer(
      String bootstrapServers, Map<String, String> overrides) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "flywheel-simulator-predictions");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
    p.putAll(overrides);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Asks a running {@link #run()} to stop sending, settle pending requests and return. */
  public void stop() {
    stopRequested = true;
    Thread t = appThread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** The learning curve so far (call after {@link #run()} returns, or from the app thread). */
  public LearningCurve curve() {
    return new LearningCurve(
        settings.policy() == SimulatorSettings.PolicyKind.MODEL ? played : null,
        randomCurve,
        oracleCurve,
        settings.world().driftAtRequest());
  }

  /**
   * Runs until the request limit or the duration is reached or {@link #stop()} is called, then
   * settles pending requests, sends (or, after a stop, drops) the scheduled clicks, flushes the
   * producer and writes the learning curve.
   *
   * @return what the run did
   * @throws InterruptedException if the calling thread is interrupted
   * @throws IllegalStateException if the predictions topic cannot be read
   */
  public RunSummary run() throws InterruptedException {
    appThread = Thread.currentThread();
    Thread consumerThread = null;
    if (consumer != null) {
      consumerRunning = true;
      consumerThread = new Thread(this::consumeLoop, "simulator-predictions");
      consumerThread.setDaemon(true);
      consumerThread.start();
      if (!consumerReady.await(CONSUMER_READY_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS)
          || consumerFailure != null) {
        consumerRunning = false;
        consumer.wakeup();
        throw new IllegalStateException(
            "cannot read --predictions-topic " + settings.predictionsTopic(), consumerFailure);
      }
    }
    startEpochMs = System.currentTimeMillis();
    startNanos = System.nanoTime();
    lastProgressNanos = startNanos;
    nextProgressNanos = startNanos + settings.progressEvery().toNanos();
    nextCurveNanos =
        settings.curveEvery().isZero()
            ? Long.MAX_VALUE
            : startNanos + settings.curveEvery().toNanos();
    try {
      while (true) {
        long now = System.nanoTime();
        if (!tick(now)) {
          break;
        }
        if (Thread.interrupted()) {
          throw new InterruptedException("simulator interrupted");
        }
        LockSupport.parkNanos(this, TICK_NANOS);
      }
    } finally {
      if (consumerThread != null) {
        consumerRunning = false;
        consumer.wakeup();
        consumerThread.join(10_000);
      }
      producer.flush();
    }
    clicksDropped += clicks.size();
    clicks.clear();
    progress(System.nanoTime());
    if (sendErrors.get() > 0) {
      out.println(
          "simulator: " + sendErrors.get() + " records failed to send, first: " + firstSendError);
    }
    if (settings.outDir() != null) {
      writeCurve();
    }
    return new RunSummary(
        policy.name(),
        sent,
        impressionsSent,
        played.clicks(),
        clicksDropped,
        played.fallbacks(),
        latePredictions,
        malformed.get(),
        modelVersion,
        sendErrors.get(),
        randomCurve.ctr(),
        oracleCurve.ctr());
  }

  /** One step of the application thread; false when the run is over. */
  private boolean tick(long now) {
    if (consumerFailure != null) {
      throw new IllegalStateException("the predictions consumer failed", consumerFailure);
    }
    Ranking r;
    while ((r = inbox.poll()) != null) {
      onPrediction(r);
    }
    expirePending(now);
    sendDueClicks(now);
    if (sending) {
      sendRequests(now);
    } else if (pending.isEmpty() && (clicks.isEmpty() || now - drainDeadlineNanos > 0)) {
      return false; // pending requests always settle: each has a deadline
    }
    if (now - nextProgressNanos >= 0) {
      progress(now);
      nextProgressNanos = now + settings.progressEvery().toNanos();
    }
    if (now - nextCurveNanos >= 0) {
      writeCurve();
      nextCurveNanos = now + settings.curveEvery().toNanos();
    }
    return true;
  }

  private void sendRequests(long now) {
    long elapsed = now - startNanos;
    boolean timeUp = !settings.duration().isZero() && elapsed >= settings.duration().toNanos();
    long target = (long) (elapsed / 1e9 * settings.rate()) + 1;
    if (settings.requests() > 0) {
      target = Math.min(target, settings.requests());
    }
    int budget = MAX_REQUESTS_PER_TICK;
    while (!timeUp && !stopRequested && sent < target && budget-- > 0) {
      sendRequest(sent++, now);
    }
    boolean limitReached = settings.requests() > 0 && sent >= settings.requests();
    if (timeUp || stopRequested || limitReached) {
      sending = false;
      long settle = settings.predictionTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
      long clickDrain =
          settings.drainClicks() && !stopRequested
              ? (long) (settings.world().maxClickDelaySeconds() / settings.timeScale() * 1e9)
              : 0;
      drainDeadlineNanos = now + settle + clickDrain;
    }
  }

  private void sendRequest(long n, long now) {
    Request req = world.request(n, settings.candidates());
    String id = writer.requestId(n);
    producer.send(
        new ProducerRecord<>(settings.eventsTopic(), id, writer.request(req, simNow(now))),
        sendCallback);
    // The baselines on the very same request, offline.
    Slate rs = randomPolicy.choose(req, null, settings.k());
    randomCurve.record(n, rs, world.outcome(req, rs.items()), -1);
    Slate os = oraclePolicy.choose(req, null, settings.k());
    oracleCurve.record(n, os, world.outcome(req, os.items()), -1);
    if (consumer != null) {
      pending.put(id, new Pending(req, now + settings.predictionTimeout().toNanos()));
    } else {
      decide(req, null, now);
    }
  }

  private void onPrediction(Ranking ranking) {
    Pending p = pending.remove(ranking.requestId());
    if (p == null) {
      latePredictions++;
      return;
    }
    modelVersion = Math.max(modelVersion, ranking.modelVersion());
    decide(p.request(), ranking, System.nanoTime());
  }

  private void expirePending(long now) {
    Iterator<Pending> it = pending.values().iterator();
    List<Pending> expired = null;
    while (it.hasNext()) {
      Pending p = it.next();
      if (now - p.deadlineNanos() < 0) {
        break; // insertion order is deadline order
      }
      it.remove();
      if (expired == null) {
        expired = new ArrayList<>();
      }
      expired.add(p);
    }
    if (expired != null) {
      for (Pending p : expired) {
        decide(p.request(), null, now);
      }
    }
  }

  private void decide(Request req, Ranking ranking, long now) {
    Slate slate = policy.choose(req, ranking, settings.k());
    Outcome outcome = world.outcome(req, slate.items());
    long ts = simNow(now);
    int[] items = slate.items();
    for (int pos = 0; pos < items.length; pos++) {
      String impressionId = writer.impressionId(req.index(), items[pos]);
      byte[] json = writer.impression(req, items[pos], pos, slate.propensities()[pos], ts);
      producer.send(new ProducerRecord<>(settings.eventsTopic(), impressionId, json), sendCallback);
      impressionsSent++;
      if (outcome.clicked()[pos]) {
        double delay = outcome.delaySeconds()[pos];
        long due = now + (long) (delay / settings.timeScale() * 1e9);
        clicks.add(new DueClick(due, impressionId, ts + Math.round(delay * 1000)));
      }
    }
    played.record(req.index(), slate, outcome, ranking == null ? -1 : ranking.modelVersion());
  }

  private void sendDueClicks(long now) {
    while (!clicks.isEmpty() && now - clicks.peek().dueNanos() >= 0) {
      DueClick c = clicks.poll();
      producer.send(
          new ProducerRecord<>(
              settings.eventsTopic(), c.impressionId(), writer.click(c.impressionId(), c.ts())),
          sendCallback);
      clicksSent++;
    }
  }

  private long simNow(long nanos) {
    return startEpochMs + Math.round((nanos - startNanos) / 1e6 * settings.timeScale());
  }

  private void progress(long now) {
    double seconds = (now - startNanos) / 1e9;
    double interval = Math.max(1e-9, (now - lastProgressNanos) / 1e9);
    long events = sent + impressionsSent + clicksSent;
    long winImpressions = played.impressions() - lastProgressImpressions;
    long winClicks = played.clicks() - lastProgressClicks;
    out.printf(
        Locale.ROOT,
        "[%7.1fs] requests %d  events %d (%.0f/s)  %s CTR %s (last %.0fs %s)  random %s  oracle %s"
            + "  model v%s  fallbacks %d (%s)  late %d  clicks pending %d%n",
        seconds,
        sent,
        events,
        (events - lastProgressEvents) / interval,
        policy.name(),
        pct(played.ctr()),
        interval,
        pct(winImpressions == 0 ? Double.NaN : (double) winClicks / winImpressions),
        pct(randomCurve.ctr()),
        pct(oracleCurve.ctr()),
        modelVersion < 0 ? "-" : Long.toString(modelVersion),
        played.fallbacks(),
        pct(played.requests() == 0 ? Double.NaN : (double) played.fallbacks() / played.requests()),
        latePredictions,
        clicks.size());
    lastProgressNanos = now;
    lastProgressEvents = events;
    lastProgressImpressions = played.impressions();
    lastProgressClicks = played.clicks();
  }

  private void writeCurve() {
    try {
      curve().write(settings.outDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the learning curve to " + settings.outDir(), e);
    }
  }

  private void consumeLoop() {
    PredictionParser parser = new PredictionParser();
    try {
      List<TopicPartition> partitions = awaitPartitions();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      for (TopicPartition tp : partitions) {
        consumer.position(tp); // resolve "end" now, before the first request is sent
      }
      consumerReady.countDown();
      while (consumerRunning) {
        for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
          long before = parser.malformed();
          Ranking r = parser.parse(rec.value());
          if (parser.malformed() != before) {
            malformed.incrementAndGet();
          }
          if (r != null) {
            inbox.add(r);
          }
        }
        Thread t = appThread;
        if (t != null && !inbox.isEmpty()) {
          LockSupport.unpark(t);
        }
      }
    } catch (WakeupException e) {
      if (consumerRunning) {
        consumerFailure = e;
      }
    } catch (RuntimeException e) {
      consumerFailure = e;
    } finally {
      consumerReady.countDown();
    }
  }

  private List<TopicPartition> awaitPartitions() {
    long deadline = System.nanoTime() + CONSUMER_READY_TIMEOUT.toNanos();
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(settings.predictionsTopic());
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo info : infos) {
          tps.add(new TopicPartition(info.topic(), info.partition()));
        }
        return tps;
      }
      if (System.nanoTime() - deadline > 0 || !consumerRunning) {
        throw new IllegalStateException(
            "topic "
                + settings.predictionsTopic()
                + " not found within "
                + CONSUMER_READY_TIMEOUT.toSeconds()
                + " s");
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the predictions topic", e);
      }
    }
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }
}
