package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.deploy.testing.KafkaTestClients;
import dev.flywheel.deploy.testing.LocalKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The local runner, in process on free ports (its options parsed as on the command line, then the
 * stack it starts): broker, topics, MiniCluster with its dashboard and the identity job; then a
 * clean stop that leaves no broker process behind.
 */
class LocalStackTest {

  @TempDir Path stateDir;

  @Test
  void startsKafkaDashboardAndJobAndStopsThemAll() throws Exception {
    int dashboardPort = LocalKafkaExtension.freePort();
    LocalRunner runner = new LocalRunner();
    new CommandLine(runner)
        .parseArgs(
            "--state-dir=" + stateDir,
            "--kafka-port=" + LocalKafkaExtension.freePort(),
            "--controller-port=" + LocalKafkaExtension.freePort(),
            "--dashboard-port=" + dashboardPort,
            "--checkpoint-interval=1s",
            "--progress-interval=1s",
            "--kafka-heap=512m",
            "--kafka-jvm-option=" + LocalKafkaExtension.TEST_BROKER_JVM_OPTIONS.get(0));
    LocalStack.Settings settings = runner.settings();
    assertThat(settings.kafkaJvmOptions()).containsExactly("-XX:TieredStopAtLevel=1");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ProcessHandle broker;
    try (LocalStack stack =
        LocalStack.start(settings, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      broker = stack.kafka().process();
      assertThat(broker.isAlive()).as("broker process").isTrue();
      assertThat(stack.summary())
          .contains("http://localhost:" + dashboardPort)
          .contains(stack.kafka().bootstrapServers())
          .contains(FlywheelTopics.EVENTS, FlywheelTopics.MODEL_UPDATES);

      String overview = awaitHttpOk("http://localhost:" + dashboardPort + "/overview");
      assertThat(overview).contains("\"taskmanagers\":1").contains("\"slots-total\":2");

      String bootstrap = stack.kafka().bootstrapServers();
      KafkaTestClients.produce(
          bootstrap,
          FlywheelTopics.EVENTS,
          List.of(Map.entry(utf8("k"), utf8("{\"v\":1,\"type\":\"example\"}"))));
      List<ConsumerRecord<byte[], byte[]>> copied =
          KafkaTestClients.consume(
              bootstrap, FlywheelTopics.PREDICTIONS, 1, Duration.ofSeconds(90), false);
      assertThat(new String(copied.get(0).value(), StandardCharsets.UTF_8))
          .isEqualTo("{\"v\":1,\"type\":\"example\"}");

      ProgressReporter progress = stack.progressReporter();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      ProgressReporter.Sample sample = progress.sample();
      while (!(sample.eventsIn().isPresent() && sample.eventsIn().getAsDouble() >= 1)
          && System.nanoTime() < deadline) {
        Thread.sleep(500);
        sample = progress.sample();
      }
      assertThat(sample.state()).isEqualTo("RUNNING");
      assertThat(sample.eventsIn())
          .as("events read, from the source's numRecordsIn via REST, within 60 s")
          .hasValue(1.0);
      assertThat(sample.modelVersion()).as("the identity job has no model").isEmpty();
    }
    System.out.print(printed.toString(StandardCharsets.UTF_8)); // timings, in the surefire output
    assertThat(broker.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("Kafka up in")
        .contains("Flink up in")
        .contains("Stopped in");
  }

  private static String awaitHttpOk(String url) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return response.body();
        }
        last = "HTTP " + response.statusCode();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " did not answer 200 within 60 s; last: " + last);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
