package dev.flywheel.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.model.metrics.ProgressiveMetrics;
import dev.flywheel.model.metrics.RunningBaseRate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./flywheel obd-replay}: streams an Open Bandit Dataset log (real logged feedback) into the
 * events topic of a running pipeline, in timestamp order, as impressions and clicks ({@link
 * ObdEvents}), then reads the pipeline's predictions for those impressions and reports their
 * progressive log loss and AUC beside the running base rate over the same order.
 *
 * <p>An impression's prediction is made when the impression arrives, before its label exists, so
 * these are honest test-then-train figures: the model had learned only the labels of earlier rows
 * (those whose click arrived, or whose attribution window had closed in event time) by then.
 *
 * <p>Time: event times keep the log's spacing, shifted so that the closing requests (below) fall at
 * the replay's start: the log lies in the recent past, never in the future (Kafka rejects record
 * timestamps more than an hour ahead by default, and the pipeline's sinks stamp records with event
 * time) and within the default 7-day retention. A click is sent {@code --click-delay} after its
 * impression in event time. {@code --speed} log seconds pass per wall second (0: as fast as
 * possible, so nearly every prediction comes from the initial model). After the last row, one
 * request per partition with an event time past the attribution window closes the last windows. Use
 * a pipeline whose event time is not already ahead of now (e.g. a fresh {@code ./flywheel local
 * --state-dir .flywheel/obd}): events behind the watermark are late for the label join.
 */
@Command(
    name = "flywheel obd-replay",
    sortOptions = false,
    usageHelpAutoWidth = true,
    mixinStandardHelpOptions = false,
    description = {
      "Replays an Open Bandit Dataset log (obd_*.csv + its *_item_context.csv) into a running"
          + " Flywheel pipeline as impressions and clicks, then reports the pipeline's progressive"
          + " log loss and AUC on those impressions beside the running base rate."
    })
public final class ObdReplay implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How far past the last attribution window the closing requests go (watermark delay etc.). */
  static final Duration CLOSING_MARGIN = Duration.ofMinutes(10);

  @Option(
      names = "--data",
      required = true,
      paramLabel = "FILE",
      description = "The log, e.g. obd_random_men.csv.")
  Path data;

  @Option(
      names = "--item-context",
      paramLabel = "FILE",
      description = "Its item-context file (default: <data without .csv>_item_context.csv).")
  Path itemContext;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      defaultValue = "localhost:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(
      names = "--events-topic",
      paramLabel = "TOPIC",
      defaultValue = "events",
      description = "Topic the events are sent to (default: ${DEFAULT-VALUE}).")
  String eventsTopic;

  @Option(
      names = "--predictions-topic",
      paramLabel = "TOPIC",
      defaultValue = "predictions",
      description = "Topic the predictions are read from (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--model",
      paramLabel = "ID",
      defaultValue = "default",
      description =
          "Model id stamped on every event; the job must accept it (flywheel.model.ids, default"
              + " 'default') (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "Prefix of request and impression ids (default: from the start time).")
  String runId;

  @Option(
      names = "--speed",
      paramLabel = "X",
      defaultValue = "3600",
      description =
          "Log seconds per wall second; 0 = as fast as possible (default: ${DEFAULT-VALUE}: a"
              + " 7-day log in under 3 minutes).")
  double speed;

  @Option(
      names = "--click-delay",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "Event time from an impression to its click (default: ${DEFAULT-VALUE}).")
  Duration clickDelay;

  @Option(
      names = "--attribution-window",
      paramLabel = "DURATION",
      defaultValue = "10m",
      converter = DurationConverter.class,
      description =
          "The pipeline's flywheel.join.attribution-window: the closing requests go this far (plus"
              + " 10 min) past the last impression (default: ${DEFAULT-VALUE}).")
  Duration attributionWindow;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Replay only the first N rows (default: 0 = all).")
  int limit;

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      defaultValue = "2m",
      converter = DurationConverter.class,
      description =
          "After the last row, wait at most this long for the remaining predictions (default:"
              + " ${DEFAULT-VALUE}).")
  Duration wait;

  @Option(
      names = "--report-every",
      paramLabel = "N",
      defaultValue = "2000",
      description = "Rows per line of the progressive table (default: ${DEFAULT-VALUE}).")
  int reportEvery;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  private final PrintStream out;

  /** A replay printing to standard output. */
  public ObdReplay() {
    this(System.out);
  }

  ObdReplay(PrintStream out) {
    this.out = out;
  }

  /** One event to send, in event-time order. */
  record Outgoing(long ts, String key, byte[] value) {}

  /**
   * The events of {@code rows} in event-time order: an impression per row at its (shifted) time, a
   * click {@code clickDelay} later for each clicked row. Ties keep impressions before clicks and
   * file order.
   */
  static List<Outgoing> events(
      ObdEvents mapper, List<ObdEvents.Row> rows, long offsetMs, Duration clickDelay) {
    List<Outgoing> events = new ArrayList<>(rows.size() + rows.size() / 50);
    for (ObdEvents.Row row : rows) {
      long ts = row.timestampMs() + offsetMs;
      String id = mapper.impressionId(row);
      events.add(new Outgoing(ts, id, mapper.impression(row, ts)));
      if (row.clicked()) {
        long clickTs = ts + clickDelay.toMillis();
        events.add(new Outgoing(clickTs, id, mapper.click(row, clickTs)));
      }
    }
    events.sort(Comparator.comparingLong(Outgoing::ts)); // stable
    return events;
  }

  /** Progressive figures of the model's scores and the running base rate over the same rows. */
  record Report(
      long rows,
      long scored,
      long clicks,
      ProgressiveMetrics model,
      ProgressiveMetrics baseRate,
      List<String> table) {}

  /**
   * Scores, in row order: each row with a prediction adds (score, click) to the model's metrics and
   * (the base rate's prediction, click) to the base rate's; the base rate then learns the row's
   * click (every row, predicted or not: it is what a constant predictor would know by then).
   */
  static Report score(List<ObdEvents.Row> rows, Map<Long, Double> scores, int every) {
    ProgressiveMetrics model = new ProgressiveMetrics();
    ProgressiveMetrics base = new ProgressiveMetrics();
    RunningBaseRate rate = new RunningBaseRate();
    List<String> table = new ArrayList<>();
    table.add(
        String.format(
            Locale.ROOT,
            "%8s %7s %6s  %-18s  %-18s",
            "rows",
            "scored",
            "clicks",
            "model logloss/AUC",
            "base rate logloss/AUC"));
    long scored = 0;
    long clicks = 0;
    long n = 0;
    for (ObdEvents.Row row : rows) {
      double y = row.clicked() ? 1 : 0;
      Double s = scores.get(row.row());
      if (s != null && Double.isFinite(s)) {
        model.add(s, y);
        base.add(rate.predict(), y);
        scored++;
      }
      rate.learn(y);
      clicks += row.clicked() ? 1 : 0;
      n++;
      if (every > 0 && (n % every == 0 || n == rows.size())) {
        table.add(
            String.format(
                Locale.ROOT,
                "%8d %7d %6d  %8.5f / %-7.4f  %8.5f / %-7.4f",
                n,
                scored,
                clicks,
                model.logLoss(),
                model.auc(),
                base.logLoss(),
                base.auc()));
      }
    }
    return new Report(rows.size(), scored, clicks, model, base, table);
  }

  @Override
  public Integer call() throws Exception {
    if (speed < 0 || !Double.isFinite(speed)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--speed must be >= 0, got " + speed);
    }
    if (clickDelay.isNegative() || clickDelay.compareTo(attributionWindow) >= 0) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--click-delay must be in [0, --attribution-window=" + attributionWindow + ")");
    }
    Path items = itemContext != null ? itemContext : ObdEvents.itemContextFor(data);
    if (!Files.isRegularFile(data) || !Files.isRegularFile(items)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--data " + data + " or --item-context " + items + " is not a readable file");
    }
    List<ObdEvents.Row> rows = ObdEvents.readLog(data);
    if (limit > 0 && rows.size() > limit) {
      rows = List.copyOf(rows.subList(0, limit));
    }
    if (rows.isEmpty()) {
      out.println("No rows in " + data);
      return 1;
    }
    String run =
        runId != null
            ? runId
            : "obd-" + Long.toString(System.currentTimeMillis() % 46_656_000L, 36);
    ObdEvents mapper = new ObdEvents(ObdEvents.readItemContext(items), model, run);
    long closingMs = attributionWindow.toMillis() + CLOSING_MARGIN.toMillis();
    long offset = System.currentTimeMillis() - closingMs - rows.get(rows.size() - 1).timestampMs();
    List<Outgoing> events = events(mapper, rows, offset, clickDelay);
    Map<String, Long> rowOf = new java.util.HashMap<>();
    for (ObdEvents.Row row : rows) {
      rowOf.put(mapper.impressionId(row), row.row());
    }
    out.printf(
        Locale.ROOT,
        "OBD replay of %s (%d rows, %d clicks) as model '%s', run %s, speed %s → %s%n",
        data.getFileName(),
        rows.size(),
        rows.stream().filter(ObdEvents.Row::clicked).count(),
        model,
        run,
        speed == 0 ? "max" : speed + "x",
        bootstrapServers);

    Map<Long, Double> scores = new ConcurrentHashMap<>();
    AtomicLong maxVersion = new AtomicLong(-1);
    try (KafkaConsumer<String, byte[]> consumer = consumer();
        Producer<String, byte[]> producer = producer()) {
      PredictionReader reader =
          new PredictionReader(consumer, predictionsTopic, rowOf, scores, maxVersion);
      reader.start();
      long startNanos = System.nanoTime();
      long firstTs = events.get(0).ts();
      long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      AtomicReference<Exception> sendError = new AtomicReference<>();
      int sent = 0;
      for (Outgoing e : events) {
        if (speed > 0) {
          long due = startNanos + (long) ((e.ts() - firstTs) * 1e6 / speed);
          long sleep = due - System.nanoTime();
          if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
          }
        }
        producer.send(
            new ProducerRecord<>(eventsTopic, e.key(), e.value()),
            (m, ex) -> {
              if (ex != null) {
                sendError.compareAndSet(null, ex);
              }
            });
        sent++;
        if (System.nanoTime() > nextReport) {
          nextReport += TimeUnit.SECONDS.toNanos(5);
          out.printf(
              Locale.ROOT,
              "  sent %d/%d events, predictions %d, model v%d%n",
              sent,
              events.size(),
              scores.size(),
              maxVersion.get());
        }
      }
      // Close the last attribution windows: one request per partition, past the window.
      long endTs = rows.get(rows.size() - 1).timestampMs() + offset + closingMs;
      for (PartitionInfo p : producer.partitionsFor(eventsTopic)) {
        producer.send(
            new ProducerRecord<>(
                eventsTopic,
                p.partition(),
                run + "-end-" + p.partition(),
                mapper.watermarkRequest(run + "-end-" + p.partition(), endTs)));
      }
      producer.flush();
      if (sendError.get() != null) {
        throw new IllegalStateException("sending to " + eventsTopic + " failed", sendError.get());
      }
      out.printf(
          Locale.ROOT,
          "Sent %d events in %.1f s; waiting up to %s for the predictions ...%n",
          events.size(),
          (System.nanoTime() - startNanos) / 1e9,
          wait);
      long deadline = System.nanoTime() + wait.toNanos();
      while (scores.size() < rows.size() && System.nanoTime() < deadline && reader.isAlive()) {
        Thread.sleep(200);
      }
      reader.stop();
      if (reader.failure() != null) {
        throw new IllegalStateException(
            "reading " + predictionsTopic + " failed", reader.failure());
      }
    }
    Report report = score(rows, scores, reportEvery);
    report.table().forEach(out::println);
    out.printf(
        Locale.ROOT,
        "Predictions for %d of %d impressions (newest model v%d); %d clicks.%n"
            + "  pipeline   log loss %.5f  AUC %.4f%n"
            + "  base rate  log loss %.5f  AUC %.4f  (running rate, same rows, same order)%n",
        report.scored(),
        report.rows(),
        maxVersion.get(),
        report.clicks(),
        report.model().logLoss(),
        report.model().auc(),
        report.baseRate().logLoss(),
        report.baseRate().auc());
    return report.scored() == report.rows() ? 0 : 3;
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "flywheel-obd-replay-predictions");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private Producer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "flywheel-obd-replay");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Reads impression predictions of this run from the end of the topic, on its own thread. */
  private static final class PredictionReader {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Map<String, Long> rowOf;
    private final Map<Long, Double> scores;
    private final AtomicLong maxVersion;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    PredictionReader(
        KafkaConsumer<String, byte[]> consumer,
        String topic,
        Map<String, Long> rowOf,
        Map<Long, Double> scores,
        AtomicLong maxVersion) {
      this.consumer = consumer;
      this.topic = topic;
      this.rowOf = rowOf;
      this.scores = scores;
      this.maxVersion = maxVersion;
      this.thread = new Thread(this::loop, "obd-replay-predictions");
      this.thread.setDaemon(true);
    }

    /** Positions at the end of every partition (before anything is sent), then reads on. */
    void start() {
      List<TopicPartition> partitions = new ArrayList<>();
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " not found");
      }
      for (PartitionInfo info : infos) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      for (TopicPartition tp : partitions) {
        consumer.position(tp, Duration.ofSeconds(30)); // resolve now, not at the first poll
      }
      thread.start();
    }

    private void loop() {
      try {
        while (running) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            accept(r.value());
          }
        }
      } catch (WakeupException e) {
        // stop()
      } catch (RuntimeException e) {
        failure = e;
      }
    }

    private void accept(byte[] value) {
      JsonNode p;
      try {
        p = JSON.readTree(value);
      } catch (IOException e) {
        return; // not ours to judge
      }
      if (p == null || !"impression".equals(p.path("type").asText())) {
        return;
      }
      Long row = rowOf.get(p.path("impressionId").asText());
      if (row == null) {
        return;
      }
      JsonNode score = p.get("score");
      scores.putIfAbsent(row, score == null || score.isNull() ? Double.NaN : score.asDouble());
      maxVersion.accumulateAndGet(p.path("modelVersion").asLong(-1), Math::max);
    }

    boolean isAlive() {
      return thread.isAlive();
    }

    Throwable failure() {
      return failure;
    }

    void stop() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(10_000);
    }
  }

  /** Runs the replay; exit code 0 when every impression got its prediction. */
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ObdReplay());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          System.err.println("flywheel obd-replay: " + e.getMessage());
          if (System.getenv("FLYWHEEL_DEBUG") != null) {
            e.printStackTrace();
          }
          return 1;
        });
    System.exit(cli.execute(args));
  }
}
