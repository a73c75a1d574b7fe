package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka loop against in-memory clients: a fake pipeline answers each request with a prediction.
 * No broker.
 */
class SimulatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUN_DEADLINE = Duration.ofSeconds(120);
  private static final TopicPartition PREDICTIONS = new TopicPartition("predictions", 0);

  @TempDir Path dir;

  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

  @Test
  void modelPolicyFedTheOraclesRankingPlaysTheOracle() throws Exception {
    World world = new World(WorldConfig.defaults());
    FakeConsumer consumer = new FakeConsumer();
    // The fake pipeline: every request is answered at once with the true ranking, version 7.
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
          private long offset;

          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record,
              org.apache.kafka.clients.producer.Callback cb) {
            Future<RecordMetadata> f = super.send(record, cb);
            JsonNode event = readTree(record.value());
            if (event.get("type").asText().equals("request")) {
              Request r =
                  world.request(Long.parseLong(event.get("requestId").asText().substring(2)), 20);
              StringBuilder json = new StringBuilder("{\"type\":\"request\",\"requestId\":\"");
              json.append(event.get("requestId").asText())
                  .append("\",\"modelVersion\":7,\"ranking\":[");
              int[] ranked = OraclePolicy.rank(world, r);
              for (int j = 0; j < ranked.length; j++) {
                json.append(j == 0 ? "" : ",")
                    .append("{\"itemId\":\"")
                    .append(world.itemId(ranked[j]))
                    .append("\",\"score\":")
                    .append(world.relevance(r, ranked[j]))
                    .append('}');
              }
              json.append("]}");
              consumer.addRecord(
                  new ConsumerRecord<>(
                      "predictions",
                      0,
                      offset++,
                      record.key(),
                      json.toString().getBytes(StandardCharsets.UTF_8)));
            }
            return f;
          }
        };
    SimulatorSettings settings =
        settings(SimulatorSettings.PolicyKind.MODEL, 2_000, 0.0, Duration.ofSeconds(30));
    Simulator sim =
        new Simulator(
            settings, producer, consumer, new PrintStream(progress, true, StandardCharsets.UTF_8));
    RunSummary summary =
        assertTimeoutPreemptively(RUN_DEADLINE, sim::run, "the simulator did not finish");

    assertThat(summary.fallbacks()).as("requests without a prediction in 30 s").isZero();
    assertThat(summary.requests()).isEqualTo(2_000);
    assertThat(summary.impressions()).isEqualTo(10_000);
    assertThat(summary.modelVersion()).isEqualTo(7);
    // Same requests, same slates, same outcome draws: exactly the oracle's clicks.
    assertThat(summary.ctr()).isEqualTo(summary.oracleCtr());
    assertThat(summary.clicksDropped()).isZero();

    Map<String, Integer> types = countTypes(producer.history());
    assertThat(types)
        .containsEntry("request", 2_000)
        .containsEntry("impression", 10_000)
        .containsEntry("click", (int) summary.clicks());
    assertClicksFollowTheirImpressions(producer.history(), world.config().maxClickDelaySeconds());

    List<String> csv = Files.readAllLines(dir.resolve(LearningCurve.CSV));
    assertThat(csv).hasSize(1 + 4);
    // Every window: model CTR = oracle CTR, a finite log loss, version 7, no fallback.
    for (String line : csv.subList(1, csv.size())) {
      String[] f = line.split(",", -1);
      assertThat(f[2]).isEqualTo(f[4]);
      assertThat(Double.parseDouble(f[6])).isPositive();
      assertThat(f[7]).isEqualTo("7");
      assertThat(f[8]).isEqualTo("0.000000");
    }
    assertThat(Files.size(dir.resolve(LearningCurve.PNG))).isGreaterThan(1000);
    assertThat(progress.toString(StandardCharsets.UTF_8))
        .contains("model CTR")
        .contains("model v7");
  }

  @Test
  void withoutPredictionsEveryRequestFallsBackToTheRandomSlate() throws Exception {
    FakeConsumer consumer = new FakeConsumer();
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    SimulatorSettings settings =
        settings(SimulatorSettings.PolicyKind.MODEL, 300, 0.1, Duration.ofMillis(20));
    Simulator sim =
        new Simulator(
            settings, producer, consumer, new PrintStream(progress, true, StandardCharsets.UTF_8));
    RunSummary summary =
        assertTimeoutPreemptively(RUN_DEADLINE, sim::run, "the simulator did not finish");

    assertThat(summary.fallbacks()).isEqualTo(300);
    assertThat(summary.modelVersion()).isEqualTo(-1);
    // A fallback is the random policy's slate for that request: the same clicks.
    assertThat(summary.ctr()).isEqualTo(summary.randomCtr());
    assertThat(countTypes(producer.history())).containsEntry("impression", 1_500);
  }

  @Test
  void randomPolicyNeedsNoConsumerAndReproducesTheOfflineRun() throws Exception {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    SimulatorSettings settings =
        settings(SimulatorSettings.PolicyKind.RANDOM, 1_000, 0.1, Duration.ofSeconds(1));
    RunSummary summary =
        assertTimeoutPreemptively(
            RUN_DEADLINE,
            () ->
                new Simulator(
                        settings,
                        producer,
                        null,
                        new PrintStream(progress, true, StandardCharsets.UTF_8))
                    .run(),
            "the simulator did not finish");
    World world = new World(WorldConfig.defaults());
    CurveRecorder offline = OfflineRun.run(world, new RandomPolicy(world), 1_000, 20, 5, 500);
    assertThat(summary.clicks()).isEqualTo(offline.clicks());
    assertThat(summary.fallbacks()).isZero();
    assertThat(countTypes(producer.history()).get("click")).isEqualTo((int) offline.clicks());
  }

  private SimulatorSettings settings(
      SimulatorSettings.PolicyKind policy, long requests, double epsilon, Duration timeout) {
    return new SimulatorSettings(
        "unused:9092",
        "events",
        "predictions",
        "default",
        "",
        policy,
        20_000,
        requests,
        Duration.ZERO,
        20,
        5,
        epsilon,
        timeout,
        1_000,
        500,
        Duration.ofMillis(200),
        Duration.ZERO,
        dir,
        true,
        WorldConfig.defaults());
  }

  private static Map<String, Integer> countTypes(List<ProducerRecord<String, byte[]>> records) {
    Map<String, Integer> counts = new HashMap<>();
    for (ProducerRecord<String, byte[]> r : records) {
      counts.merge(readTree(r.value()).get("type").asText(), 1, Integer::sum);
    }
    return counts;
  }

  private static void assertClicksFollowTheirImpressions(
      List<ProducerRecord<String, byte[]>> records, double maxDelaySeconds) {
    Map<String, Long> impressionTs = new HashMap<>();
    for (ProducerRecord<String, byte[]> r : records) {
      JsonNode n = readTree(r.value());
      switch (n.get("type").asText()) {
        case "impression" -> {
          assertThat(r.key()).isEqualTo(n.get("impressionId").asText());
          impressionTs.put(n.get("impressionId").asText(), n.get("ts").asLong());
        }
        case "click" -> {
          String id = n.get("impressionId").asText();
          assertThat(impressionTs).as("click %s after its impression", id).containsKey(id);
          long delay = n.get("ts").asLong() - impressionTs.get(id);
          assertThat(delay).isBetween(0L, (long) (maxDelaySeconds * 1000) + 1);
        }
        case "request" -> assertThat(r.key()).isEqualTo(n.get("requestId").asText());
        default -> throw new AssertionError("unexpected type " + n);
      }
    }
  }

  private static JsonNode readTree(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A MockConsumer for the predictions topic that idles briefly when it has nothing. */
  private static final class FakeConsumer extends MockConsumer<String, byte[]> {
    FakeConsumer() {
      super("latest");
      updatePartitions(
          "predictions", List.of(new PartitionInfo("predictions", 0, null, null, null)));
      updateEndOffsets(Map.of(PREDICTIONS, 0L));
    }

    @Override
    public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
      ConsumerRecords<String, byte[]> records = super.poll(timeout);
      if (records.isEmpty()) {
        try {
          wait(2); // releases the monitor so addRecord can get in
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return records;
    }
  }
}
