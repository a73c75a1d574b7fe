package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.deploy.testing.KafkaTestClients;
import dev.flywheel.deploy.testing.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalKafka's own lifecycle: topics, restart on the same state, stop. */
class LocalKafkaTest {

  @TempDir Path stateDir;

  @Test
  void keepsTopicsAndRecordsAcrossARestartAndStopsItsProcess() throws Exception {
    int port = LocalKafkaExtension.freePort();
    int controllerPort = LocalKafkaExtension.freePort();
    ProcessHandle first;
    try (LocalKafka kafka =
        LocalKafka.builder(stateDir)
            .port(port)
            .controllerPort(controllerPort)
            .maxHeap("512m")
            .startTimeout(Duration.ofMinutes(3))
            .start()) {
      first = kafka.process();
      assertThat(kafka.formattedStorage()).isTrue();
      if (LocalKafka.SETSID.isPresent()) {
        // a session of its own: a terminal's Ctrl-C goes to the runner, not to the broker
        assertThat(processGroup(first.pid()))
            .isNotEqualTo(processGroup(ProcessHandle.current().pid()));
        assertThat(first.info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("java"));
      }
      List<TopicSpec> topics = FlywheelTopics.standard(3);
      assertThat(kafka.createTopics(topics))
          .containsExactlyInAnyOrder("events", "predictions", "model-updates", "events-dlq");
      assertThat(kafka.createTopics(topics)).as("second call creates nothing").isEmpty();
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        assertThat(
                admin
                    .describeTopics(List.of("events"))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get("events")
                    .partitions())
            .hasSize(3);
        ConfigResource updates = new ConfigResource(ConfigResource.Type.TOPIC, "model-updates");
        Config config =
            admin.describeConfigs(List.of(updates)).all().get(30, TimeUnit.SECONDS).get(updates);
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
      }
      KafkaTestClients.produce(
          kafka.bootstrapServers(),
          "events",
          List.of(
              Map.entry(
                  "k".getBytes(StandardCharsets.UTF_8), "kept".getBytes(StandardCharsets.UTF_8))));
    }
    assertThat(first.isAlive()).as("broker process after close").isFalse();
    assertThat(Files.readString(stateDir.resolve(LocalKafka.LOG_FILE)))
        .contains("Kafka Server started");

    try (LocalKafka again =
        LocalKafka.builder(stateDir)
            .port(port)
            .controllerPort(controllerPort)
            .maxHeap("512m")
            .startTimeout(Duration.ofMinutes(3))
            .start()) {
      assertThat(again.formattedStorage()).as("reuses the formatted storage").isFalse();
      List<ConsumerRecord<byte[], byte[]>> records =
          KafkaTestClients.consumeAll(
              again.bootstrapServers(), "events", Duration.ofSeconds(60), false);
      assertThat(records).hasSize(1);
      assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("kept");
    }
  }

  @Test
  void refusesAPortInUseNamingIt() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0)) {
      int port = taken.getLocalPort();
      assertThatThrownBy(
              () ->
                  LocalKafka.builder(stateDir)
                      .host("0.0.0.0")
                      .port(port)
                      .controllerPort(LocalKafkaExtension.freePort())
                      .start())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("kafka port " + port)
          .hasMessageContaining("in use");
    }
  }

  /** The process group of {@code pid}, from {@code /proc} (Linux, where setsid is found). */
  private static String processGroup(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // after "pid (comm) state ": ppid, pgrp
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return fields[2];
  }
}
