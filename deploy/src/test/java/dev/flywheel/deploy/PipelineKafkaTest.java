package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.deploy.testing.FlinkTestCluster;
import dev.flywheel.deploy.testing.LocalKafkaExtension;
import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.DeadLetterJson;
import dev.flywheel.jobs.events.DlqReason;
import dev.flywheel.jobs.events.RawRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole pipeline between real Kafka topics: a bounded Kafka source ({@code
 * flywheel.kafka.bounded}), the job's own Kafka sinks, a MiniCluster at parallelism 2 with
 * checkpointing, no restarts and generic types off.
 *
 * <p>The input is a synthetic stream of impressions (with clicks drawn from a known logistic model
 * over three categorical features, arriving up to 1.5 s of event time later), requests, and
 * malformed records of every kind the DLQ reports, on a 2-partition events topic keyed by
 * impression / request id. Event time advances 10 ms per impression, so the 2 s attribution window
 * closes continuously and the trainer learns while the scorers serve.
 */
class PipelineKafkaTest {
  private static final int IMPRESSIONS = 6000;
  private static final int FIELDS = 3;
  private static final int VALUES = 6;
  private static final long T0 = 1_732_700_000_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

  @RegisterExtension static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

  /** True logit of value {@code v} of field {@code f}. */
  private static double trueWeight(int f, int v) {
    return (v - (VALUES - 1) / 2.0) * (f == 0 ? 1.2 : 0.6);
  }

  private static double clickProbability(int[] vs) {
    double z = -2.0; // a base rate of roughly 15 %
    for (int f = 0; f < FIELDS; f++) {
      z += trueWeight(f, vs[f]);
    }
    return 1 / (1 + Math.exp(-z));
  }

  /** The records sent and what the job must make of them. */
  private static final class Stream {
    final List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
    final Set<String> predictionKeys = new HashSet<>();
    final Map<String, Double> labels = new HashMap<>();
    final Map<String, Long> impressionTs = new HashMap<>();

    /** Original bytes (base64) of each malformed record → the reason expected. */
    final Map<String, DlqReason> malformed = new HashMap<>();

    /** Clicks not yet sent, as {ts, impression index}, earliest first. */
    final PriorityQueue<long[]> pendingClicks =
        new PriorityQueue<>(Comparator.comparingLong((long[] c) -> c[0]));

    void add(String key, byte[] value) {
      records.add(Map.entry(key.getBytes(StandardCharsets.UTF_8), value));
    }

    void add(String key, String json) {
      add(key, json.getBytes(StandardCharsets.UTF_8));
    }

    void malformed(String key, byte[] value, DlqReason reason) {
      malformed.put(Base64.getEncoder().encodeToString(value), reason);
      add(key, value);
    }

    void malformed(String key, String json, DlqReason reason) {
      malformed(key, json.getBytes(StandardCharsets.UTF_8), reason);
    }

    void flushClicksUpTo(long ts) {
      while (!pendingClicks.isEmpty() && pendingClicks.peek()[0] <= ts) {
        long[] click = pendingClicks.poll();
        String imp = "imp-" + click[1];
        add(
            imp,
            "{\"v\":1,\"type\":\"click\",\"ts\":%d,\"impressionId\":\"%s\"}"
                .formatted(click[0], imp));
      }
    }
  }

  private static String features(int[] vs) {
    StringBuilder b = new StringBuilder("{");
    for (int f = 0; f < vs.length; f++) {
      b.append(f == 0 ? "" : ",")
          .append("\"f")
          .append(f)
          .append("\":\"v")
          .append(vs[f])
          .append('"');
    }
    return b.append('}').toString();
  }

  private static Stream syntheticStream() {
    Stream s = new Stream();
    Random random = new Random(20261127);
    for (int i = 0; i < IMPRESSIONS; i++) {
      long ts = T0 + 10L * i;
      s.flushClicksUpTo(ts);
      int[] vs = new int[FIELDS];
      for (int f = 0; f < FIELDS; f++) {
        vs[f] = random.nextInt(VALUES);
      }
      String imp = "imp-" + i;
      String impression =
          ("{\"v\":1,\"type\":\"impression\",\"ts\":%d,\"impressionId\":\"%s\",\"requestId\":\"r-%d\","
                  + "\"itemId\":\"item-%d\",\"position\":0,\"features\":%s}")
              .formatted(ts, imp, i, vs[0], features(vs));
      s.add(imp, impression);
      s.predictionKeys.add(imp);
      s.impressionTs.put(imp, ts);
      boolean clicked = random.nextDouble() < clickProbability(vs);
      s.labels.put(imp, clicked ? 1.0 : 0.0);
      if (clicked) {
        s.pendingClicks.add(new long[] {ts + 100 + random.nextInt(1400), i});
      }
      if (i % 5 == 2) {
        String r = "req-" + i;
        s.add(
            r,
            ("{\"v\":1,\"type\":\"request\",\"ts\":%d,\"requestId\":\"%s\",\"user\":{\"f0\":\"v%d\"},"
                    + "\"context\":{},\"candidates\":[{\"itemId\":\"a\",\"features\":{\"f1\":\"v0\"}},"
                    + "{\"itemId\":\"b\",\"features\":{\"f1\":\"v5\"}},"
                    + "{\"itemId\":\"c\",\"features\":{\"f2\":\"v3\"}}]}")
                .formatted(ts + 1, r, vs[0]));
        s.predictionKeys.add(r);
      }
      if (i % 150 == 75) {
        String key = "bad-" + i;
        switch ((i / 150) % 6) {
          case 0 ->
              s.malformed(
                  key, "{\"v\":1,\"type\":\"impression\",\"ts\":" + ts, DlqReason.MALFORMED_JSON);
          case 1 ->
              s.malformed(
                  key,
                  new byte[] {'{', '"', 'v', '"', ':', (byte) 0xff, (byte) 0xfe, (byte) i},
                  DlqReason.MALFORMED_JSON);
          case 2 ->
              s.malformed(
                  key, impression.replace("{\"v\":1,", "{\"v\":2,"), DlqReason.UNSUPPORTED_VERSION);
          case 3 ->
              s.malformed(
                  key,
                  impression.replace("\"f0\":", "\"price\":NaN,\"f0\":").replace(imp, "nan-" + i),
                  DlqReason.NON_FINITE_NUMBER);
          case 4 ->
              s.malformed(
                  key,
                  impression.replace("\"impressionId\":\"" + imp + "\",", ""),
                  DlqReason.MISSING_FIELD);
          default ->
              s.malformed(
                  key,
                  impression.replace("{\"v\":1,", "{\"v\":1,\"model\":\"rogue-" + i + "\","),
                  DlqReason.UNKNOWN_MODEL);
        }
      }
    }
    s.flushClicksUpTo(Long.MAX_VALUE);
    return s;
  }

  /** Slows the stream so that the trainer publishes many times while the scorers score. */
  private static final class Throttle implements MapFunction<RawRecord, RawRecord> {
    private static final long serialVersionUID = 1L;
    private long seen;

    @Override
    public RawRecord map(RawRecord r) throws InterruptedException {
      if (++seen % 3 == 0) {
        Thread.sleep(1);
      }
      return r;
    }
  }

  private static double logLoss(List<JsonNode> ps, Map<String, Double> labels) {
    double sum = 0;
    for (JsonNode p : ps) {
      double y = labels.get(p.get("impressionId").asText());
      double q = Math.min(Math.max(p.get("score").asDouble(), 1e-15), 1 - 1e-15);
      sum -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
    return sum / ps.size();
  }

  private static double baseRateLogLoss(List<JsonNode> ps, Map<String, Double> labels) {
    double rate =
        ps.stream()
            .mapToDouble(p -> labels.get(p.get("impressionId").asText()))
            .average()
            .orElseThrow();
    return -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
  }

  /**
   * One test's fresh topics, the synthetic stream produced to its events topic, and the job's
   * settings for them.
   */
  private record Topics(
      String events,
      String predictions,
      String updates,
      String dlq,
      Stream stream,
      JobSettings settings) {
    static Topics withTheStream() {
      String events = KAFKA.createTopic("it-events", 2);
      String predictions = KAFKA.createTopic("it-predictions", 2);
      String updates = KAFKA.createTopic("it-model-updates", 1);
      String dlq = KAFKA.createTopic("it-dlq", 2);
      Stream stream = syntheticStream();
      KAFKA.produce(events, stream.records);
      return new Topics(
          events,
          predictions,
          updates,
          dlq,
          stream,
          jobSettings(events, predictions, updates, dlq));
    }
  }

  /**
   * The job on {@code env}: the Kafka source, {@code front} (which slows or fails the stream), the
   * pipeline and its Kafka sinks.
   */
  private static void addJob(
      StreamExecutionEnvironment env,
      JobSettings settings,
      MapFunction<RawRecord, RawRecord> front,
      String name) {
    DataStream<RawRecord> raw =
        env.fromSource(
                FlywheelJob.kafkaSource(settings), WatermarkStrategy.noWatermarks(), "events")
            .uid(FlywheelJob.UID_SOURCE)
            .map(front)
            .returns(TypeInformation.of(RawRecord.class))
            .name(name);
    FlywheelJob.addKafkaSinks(FlywheelJob.build(raw, settings), settings);
  }

  private static JobSettings jobSettings(
      String events, String predictions, String updates, String dlq) {
    return JobSettings.fromArgs(
        "--flywheel.kafka.bootstrap-servers", KAFKA.bootstrapServers(),
        "--flywheel.kafka.group-id", "it-" + events,
        "--flywheel.kafka.transactional-id-prefix", "it-" + events,
        "--flywheel.kafka.starting-offsets", "EARLIEST",
        "--flywheel.kafka.bounded", "true",
        "--flywheel.topic.events", events,
        "--flywheel.topic.predictions", predictions,
        "--flywheel.topic.model-updates", updates,
        "--flywheel.topic.dlq", dlq,
        "--flywheel.model.hash-bits", "12",
        "--flywheel.model.embedding-dim", "4",
        "--flywheel.model.hidden-layers", "8",
        "--flywheel.model.learning-rate", "0.1",
        "--flywheel.trainer.batch-size", "16",
        "--flywheel.trainer.max-wait", "50ms",
        "--flywheel.trainer.publish-interval", "100ms",
        "--flywheel.trainer.full-snapshot-every", "5",
        "--flywheel.join.attribution-window", "2s",
        "--flywheel.join.click-wait", "1s",
        "--flywheel.join.late-click-allowance", "0s",
        "--flywheel.watermark.out-of-orderness", "500ms",
        "--flywheel.watermark.idleness", "1s",
        "--flywheel.parallelism", "2");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void predictsEveryEventOnceWithFresherModelsAndDeadLettersExactlyTheMalformedOnes()
      throws Exception {
    Topics topics = Topics.withTheStream();
    Stream stream = topics.stream();
    JobSettings settings = topics.settings();

    StreamExecutionEnvironment env = FlinkTestCluster.environment(Duration.ofMillis(500));
    addJob(env, settings, new Throttle(), "throttle");
    long started = System.nanoTime();
    env.execute("flywheel pipeline on Kafka"); // returns once the bounded source is exhausted
    long jobMs = (System.nanoTime() - started) / 1_000_000;

    List<ConsumerRecord<byte[], byte[]>> predicted =
        KAFKA.consumeAll(topics.predictions(), Duration.ofSeconds(60), false);
    List<ConsumerRecord<byte[], byte[]>> deadLetters =
        KAFKA.consumeAll(topics.dlq(), Duration.ofSeconds(60), false);
    List<ConsumerRecord<byte[], byte[]>> published =
        KAFKA.consumeAll(topics.updates(), Duration.ofSeconds(60), false);

    // exactly one prediction per request and impression, keyed by its id, and nothing else
    List<JsonNode> ps = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : predicted) {
      JsonNode p = JSON.readTree(record.value());
      String id =
          p.get("type").asText().equals("impression")
              ? p.get("impressionId").asText()
              : p.get("requestId").asText();
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).as("key of %s", p).isEqualTo(id);
      keys.add(id);
      ps.add(p);
    }
    assertThat(keys).as("prediction ids").doesNotHaveDuplicates();
    assertThat(new HashSet<>(keys)).as("prediction ids").isEqualTo(stream.predictionKeys);

    // the DLQ holds exactly the malformed records, by their original bytes, with their reasons
    Map<String, DlqReason> dead = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : deadLetters) {
      DeadLetter d = DeadLetterJson.parse(record.value());
      assertThat(d.truncated()).as("dead letter %s", d).isFalse();
      assertThat(d.topic).isEqualTo(topics.events());
      assertThat(dead.put(Base64.getEncoder().encodeToString(d.original), d.reason))
          .as("duplicate dead letter %s", d)
          .isNull();
    }
    assertThat(deadLetters).hasSize(stream.malformed.size());
    assertThat(dead).isEqualTo(stream.malformed);
    assertThat(published).as("model updates published").isNotEmpty();

    // model versions grow along the stream: the last third is served by models newer than any used
    // in the first third (a scorer subtask that stopped applying updates would fail this)
    List<JsonNode> impressions =
        ps.stream()
            .filter(p -> p.get("type").asText().equals("impression"))
            .sorted(
                Comparator.comparingLong(
                    p -> stream.impressionTs.get(p.get("impressionId").asText())))
            .toList();
    int third = impressions.size() / 3;
    List<JsonNode> first = impressions.subList(0, third);
    List<JsonNode> last = impressions.subList(impressions.size() - third, impressions.size());
    long maxFirst =
        first.stream().mapToLong(p -> p.get("modelVersion").asLong()).max().orElseThrow();
    long minLast = last.stream().mapToLong(p -> p.get("modelVersion").asLong()).min().orElseThrow();
    long staleLast = last.stream().filter(p -> p.get("modelVersion").asLong() <= maxFirst).count();
    long maxRequestVersion =
        ps.stream()
            .filter(p -> p.get("type").asText().equals("request"))
            .mapToLong(p -> p.get("modelVersion").asLong())
            .max()
            .orElseThrow();

    double firstLoss = logLoss(first, stream.labels);
    double lastLoss = logLoss(last, stream.labels);
    double baseRate = baseRateLogLoss(last, stream.labels);
    System.out.printf(
        "PipelineKafkaTest: %d records, job %d ms; %d predictions, %d dead letters, %d update"
            + " records; last third: %d stale, min version %d (first third max %d), newest request"
            + " version %d; log loss first %.4f last %.4f base rate %.4f%n",
        stream.records.size(),
        jobMs,
        ps.size(),
        deadLetters.size(),
        published.size(),
        staleLast,
        minLast,
        maxFirst,
        maxRequestVersion,
        firstLoss,
        lastLoss,
        baseRate);
    assertThat(staleLast)
        .as("impressions of the last third scored by a model no newer than the first third's")
        .isLessThan(third / 20);
    assertThat(minLast)
        .as("no impression of the last third scored by the blank model")
        .isPositive();
    assertThat(maxRequestVersion).as("requests are scored by trained models too").isPositive();
    assertThat(lastLoss).as("log loss of the last third vs the first").isLessThan(firstLoss - 0.02);
    assertThat(lastLoss)
        .as("log loss of the last third vs its base rate")
        .isLessThan(baseRate - 0.02);
  }

  /**
   * Passes records on, slowed like {@link Throttle}, and throws once: at the 500th record after the
   * first checkpoint this subtask saw complete.
   */
  private static final class FailOnce
      implements MapFunction<RawRecord, RawRecord>, CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    private final Throttle throttle = new Throttle();
    private boolean checkpointed;
    private long sinceCheckpoint;

    @Override
    public RawRecord map(RawRecord r) throws InterruptedException {
      if (checkpointed && ++sinceCheckpoint == 500 && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("failure injected by the test");
      }
      return throttle.map(r);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      checkpointed = true;
    }
  }

  /**
   * The job's own checkpoint configuration (unaligned, the scorer aligned) survives a failure: a
   * task fails once mid-stream, the job restores its latest checkpoint, with the records that were
   * in flight in front of the join and the trainer, and still predicts every event, dead-letters
   * every malformed record and learns. After the restore the at-least-once sinks may repeat
   * records, so ids are compared as sets.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void restoresFromAnUnalignedCheckpointAfterAFailureAndLosesNothing() throws Exception {
    Topics topics = Topics.withTheStream();
    Stream stream = topics.stream();
    JobSettings settings = topics.settings();

    StreamExecutionEnvironment env = FlinkTestCluster.environment(Duration.ofMillis(300));
    Configuration job = FlywheelJob.flinkConfiguration(settings);
    assertThat(job.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
    env.configure(
        new Configuration()
            .set(
                CheckpointingOptions.ENABLE_UNALIGNED,
                job.get(CheckpointingOptions.ENABLE_UNALIGNED))
            .set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay")
            .set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1)
            .set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200)));
    FailOnce.FAILED.set(false);
    addJob(env, settings, new FailOnce(), "fail once");
    JobClient client = env.executeAsync("flywheel pipeline restored");
    String checkpointsPath = "/jobs/" + client.getJobID() + "/checkpoints";
    Map<Long, String> types = new HashMap<>(); // of every completed checkpoint seen while running
    while (!client.getJobStatus().get().isGloballyTerminalState()) {
      JsonNode running = restGet(checkpointsPath, false);
      for (JsonNode c : running == null ? List.<JsonNode>of() : running.path("history")) {
        if (c.path("status").asText().equals("COMPLETED")) {
          types.put(c.get("id").asLong(), c.get("checkpoint_type").asText());
        }
      }
      Thread.sleep(50);
    }
    client.getJobExecutionResult().get(); // throws if the job failed for good
    assertThat(FailOnce.FAILED).as("the failure was injected").isTrue();

    JsonNode checkpoints = restGet(checkpointsPath, true);
    assertThat(checkpoints.at("/counts/restored").asLong()).as("restores").isEqualTo(1);
    assertThat(checkpoints.at("/latest/restored/is_savepoint").asBoolean()).isFalse();
    long restored = checkpoints.at("/latest/restored/id").asLong();
    assertThat(types.get(restored))
        .as("type of the restored checkpoint %d (completed checkpoints seen: %s)", restored, types)
        .isEqualTo("UNALIGNED_CHECKPOINT");

    Set<String> keys = new HashSet<>();
    List<JsonNode> impressions = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record :
        KAFKA.consumeAll(topics.predictions(), Duration.ofSeconds(60), false)) {
      JsonNode p = JSON.readTree(record.value());
      boolean impression = p.get("type").asText().equals("impression");
      keys.add(impression ? p.get("impressionId").asText() : p.get("requestId").asText());
      if (impression) {
        impressions.add(p);
      }
    }
    assertThat(keys).as("prediction ids").isEqualTo(stream.predictionKeys);
    Map<String, DlqReason> dead = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        KAFKA.consumeAll(topics.dlq(), Duration.ofSeconds(60), false)) {
      DeadLetter d = DeadLetterJson.parse(record.value());
      dead.put(Base64.getEncoder().encodeToString(d.original), d.reason);
    }
    assertThat(dead).isEqualTo(stream.malformed);
    impressions.sort(
        Comparator.comparingLong(p -> stream.impressionTs.get(p.get("impressionId").asText())));
    List<JsonNode> last =
        impressions.subList(impressions.size() - impressions.size() / 3, impressions.size());
    assertThat(logLoss(last, stream.labels))
        .as("log loss of the last third vs its base rate, after the restore")
        .isLessThan(baseRateLogLoss(last, stream.labels) - 0.02);
  }

  /**
   * GET on the test MiniCluster's REST endpoint, as JSON; a status other than 200 fails if {@code
   * required}, else gives null.
   */
  private static JsonNode restGet(String path, boolean required) throws Exception {
    Configuration client = FLINK.getClientConfiguration();
    URI uri =
        URI.create(
            "http://"
                + client.get(RestOptions.ADDRESS)
                + ":"
                + client.get(RestOptions.PORT)
                + path);
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200 && !required) {
      return null;
    }
    assertThat(response.statusCode()).as("GET %s", uri).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
