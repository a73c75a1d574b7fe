package dev.flywheel.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.train.TrainerFunction;
import dev.flywheel.model.io.ModelCodec;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** The Kafka-wired job as submitted: its graph, without a broker. */
class FlywheelJobGraphTest {

  @Test
  void theKafkaJobBuildsWithStableUidsAndNoGenericTypes() {
    JobSettings settings = Fixtures.settings("--flywheel.parallelism", "3");
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            FlywheelJob.flinkConfiguration(settings));
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    assertThat(env.getParallelism()).isEqualTo(3);
    assertThat(env.getCheckpointConfig().isCheckpointingEnabled()).isTrue();

    FlywheelJob.addKafkaPipeline(env, settings);
    StreamGraph graph = env.getStreamGraph();
    Set<String> uids = new HashSet<>();
    for (StreamNode node : graph.getStreamNodes()) {
      uids.add(node.getTransformationUID());
      for (TypeSerializer<?> s : node.getTypeSerializersIn()) {
        assertThat(s.getClass().getSimpleName())
            .as("input serializer of %s", node.getOperatorName())
            .doesNotContain("Kryo");
      }
      if (node.getTypeSerializerOut() != null) {
        assertThat(node.getTypeSerializerOut().getClass().getSimpleName())
            .as("output serializer of %s", node.getOperatorName())
            .doesNotContain("Kryo");
      }
    }
    uids.removeIf(Objects::isNull);
    assertThat(uids)
        .containsAll(
            Arrays.asList(
                FlywheelJob.UID_SOURCE,
                FlywheelJob.UID_DECODE,
                FlywheelJob.UID_EVENT_TIME,
                FlywheelJob.UID_LABEL_JOIN,
                FlywheelJob.UID_TRAINER,
                FlywheelJob.UID_SCORER));
    assertThat(graph.getJobGraph().getNumberOfVertices()).isPositive();

    StreamNode trainer = node(graph, FlywheelJob.UID_TRAINER);
    Map<String, String> tagByTarget = new HashMap<>();
    for (StreamEdge e : trainer.getOutEdges()) {
      tagByTarget.put(
          graph.getTargetVertex(e).getTransformationUID(),
          e.getOutputTag() == null ? "main" : e.getOutputTag().getId());
    }
    assertThat(tagByTarget)
        .as("the scorer gets the trainer's main output, the topic its paced side output")
        .containsOnly(
            Map.entry(FlywheelJob.UID_SCORER, "main"),
            Map.entry(FlywheelJob.UID_MODEL_UPDATES_SINK, TrainerFunction.TOPIC.getId()));
  }

  private static StreamNode node(StreamGraph graph, String uid) {
    return graph.getStreamNodes().stream()
        .filter(n -> uid.equals(n.getTransformationUID()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node with uid " + uid));
  }

  @Test
  void theNetworkBufferTimeoutIsShortUnlessGiven() {
    assertThat(
            FlywheelJob.flinkConfiguration(JobSettings.defaults())
                .get(ExecutionOptions.BUFFER_TIMEOUT))
        .isEqualTo(Duration.ofMillis(5))
        .isEqualTo(FlywheelJob.DEFAULT_BUFFER_TIMEOUT);
    JobSettings given = Fixtures.settings("--execution.buffer-timeout.interval", "100ms");
    assertThat(FlywheelJob.flinkConfiguration(given).get(ExecutionOptions.BUFFER_TIMEOUT))
        .isEqualTo(Duration.ofMillis(100));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            FlywheelJob.flinkConfiguration(JobSettings.defaults()));
    assertThat(env.getBufferTimeout()).isEqualTo(5);
  }

  @Test
  void checkpointsAreUnalignedUnlessGivenAndForcingThemIsRejectedByName() {
    assertThat(
            FlywheelJob.flinkConfiguration(JobSettings.defaults())
                .get(CheckpointingOptions.ENABLE_UNALIGNED))
        .isTrue();
    assertThat(
            FlywheelJob.flinkConfiguration(
                    Fixtures.settings("--execution.checkpointing.unaligned.enabled", "false"))
                .get(CheckpointingOptions.ENABLE_UNALIGNED))
        .isFalse();
    assertThatThrownBy(
            () ->
                FlywheelJob.flinkConfiguration(
                    Fixtures.settings("--execution.checkpointing.unaligned.forced", "true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("execution.checkpointing.unaligned.forced");
  }

  /**
   * The premise of unaligned checkpoints here (docs/pipeline.md, "Checkpoints"): barriers overtake
   * the queues in front of the join and the trainer, while every input of the scorer stays aligned,
   * because Flink aligns all inputs of a task that has a broadcast input.
   */
  @Test
  void theScorerStaysAlignedWhileTheJoinAndTheTrainerAreNot() {
    JobSettings settings = Fixtures.settings("--flywheel.parallelism", "2");
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            FlywheelJob.flinkConfiguration(settings));
    FlywheelJob.addKafkaPipeline(env, settings);
    StreamGraph graph = env.getStreamGraph();
    Map<String, StreamNode> byUid = new HashMap<>();
    for (StreamNode node : graph.getStreamNodes()) {
      if (node.getTransformationUID() != null) {
        byUid.put(node.getTransformationUID(), node);
      }
    }
    for (String uid : Arrays.asList(FlywheelJob.UID_LABEL_JOIN, FlywheelJob.UID_TRAINER)) {
      assertThat(byUid.get(uid).getInEdges()).as("inputs of %s", uid).isNotEmpty();
      for (StreamEdge edge : byUid.get(uid).getInEdges()) {
        assertThat(edge.supportsUnalignedCheckpoints()).as("%s", edge).isTrue();
      }
    }
    assertThat(byUid.get(FlywheelJob.UID_SCORER).getInEdges()).hasSize(2);
    for (StreamEdge edge : byUid.get(FlywheelJob.UID_SCORER).getInEdges()) {
      assertThat(edge.supportsUnalignedCheckpoints()).as("%s", edge).isFalse();
    }
  }

  @Test
  void theEventsSourceIsBoundedOnlyWhenAsked() {
    assertThat(FlywheelJob.kafkaSource(JobSettings.defaults()).getBoundedness())
        .isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
    assertThat(
            FlywheelJob.kafkaSource(JobSettings.fromArgs("--flywheel.kafka.bounded", "true"))
                .getBoundedness())
        .isEqualTo(Boundedness.BOUNDED);
  }

  @Test
  void addingThePipelineToAnyEnvironmentDisablesGenericTypes() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isFalse();
    FlywheelJob.addKafkaPipeline(env, Fixtures.settings());
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
  }

  @Test
  void modelUpdatesSinkBuffersTwoSnapshotsUnlessTheUserSaysOtherwise() {
    JobSettings settings = JobSettings.fromArgs(); // the default model: a 68 MiB snapshot
    long snapshot = ModelCodec.snapshotSize(settings.modelConfig());

    Properties updates = FlywheelJob.sinkProducerProperties(settings, "model-updates");
    Properties small = FlywheelJob.sinkProducerProperties(Fixtures.settings(), "model-updates");
    Properties predictions = FlywheelJob.sinkProducerProperties(settings, "predictions");
    Properties given =
        FlywheelJob.sinkProducerProperties(
            Fixtures.settings("--flywheel.kafka.properties.buffer.memory", "1000000"),
            "model-updates");

    assertThat(Long.parseLong(updates.getProperty("buffer.memory")))
        .isEqualTo(2 * snapshot + (16L << 20))
        .isGreaterThan(2 * snapshot);
    assertThat(small.getProperty("buffer.memory")).isEqualTo(Long.toString(32L << 20));
    assertThat(predictions.getProperty("buffer.memory")).isNull();
    assertThat(given.getProperty("buffer.memory")).isEqualTo("1000000");
  }
}
