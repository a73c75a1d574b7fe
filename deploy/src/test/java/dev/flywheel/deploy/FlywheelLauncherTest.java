package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** The pipeline's launcher: settings from the runner, topics, the job graph it adds. */
class FlywheelLauncherTest {

  private static PipelineLauncher.Context context(String... jobArgs) {
    return new PipelineLauncher.Context(
        "localhost:19092", 2, 3, Path.of("state"), List.of(jobArgs));
  }

  @Test
  void isTheDefaultJobAndIdentityStaysSelectable() {
    assertThat(PipelineLaunchers.get(PipelineLaunchers.DEFAULT))
        .isInstanceOf(FlywheelLauncher.class);
    assertThat(PipelineLaunchers.get("identity")).isInstanceOf(IdentityLauncher.class);
    assertThat(PipelineLaunchers.names()).containsExactly("flywheel", "identity");
    assertThat(new FlywheelLauncher().usage()).contains("--flywheel.model.ids");
  }

  @Test
  void usesTheRunnersBrokerAndTopicsUnlessTheJobArgumentsSayOtherwise() {
    JobSettings plain = FlywheelLauncher.settings(context());
    assertThat(plain.bootstrapServers()).isEqualTo("localhost:19092");
    assertThat(List.of(plain.eventsTopic(), plain.predictionsTopic(), plain.dlqTopic()))
        .containsExactly(
            FlywheelTopics.EVENTS, FlywheelTopics.PREDICTIONS, FlywheelTopics.EVENTS_DLQ);
    assertThat(plain.modelUpdatesTopic()).isEqualTo(FlywheelTopics.MODEL_UPDATES);

    PipelineLauncher.Context renamed =
        context("--flywheel.topic.events", "clicks-in", "--flywheel.model.ids=a,b");
    assertThat(FlywheelLauncher.settings(renamed).eventsTopic()).isEqualTo("clicks-in");
    assertThat(new FlywheelLauncher().topics(renamed))
        .containsExactly(
            TopicSpec.of("clicks-in", 3),
            TopicSpec.of(FlywheelTopics.PREDICTIONS, 3),
            TopicSpec.compacted(FlywheelTopics.MODEL_UPDATES, 1),
            TopicSpec.of(FlywheelTopics.EVENTS_DLQ, 3));
  }

  @Test
  void badJobOptionsFailNamingTheOption() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment();
    assertThatThrownBy(
            () -> new FlywheelLauncher().build(env, context("--flywheel.trainer.batch-size", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("flywheel job: flywheel.trainer.batch-size must be in");
  }

  @Test
  void addsThePipelineKeepingTheRunnersCheckpointInterval() {
    Configuration runner = new Configuration();
    runner.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(3));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(runner);
    env.setParallelism(2);
    new FlywheelLauncher().build(env, context());
    assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(3000);
    assertThat(env.getParallelism()).isEqualTo(2);
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    StreamGraph graph = env.getStreamGraph();
    assertThat(graph.getStreamNodes())
        .extracting(StreamNode::getTransformationUID)
        .contains(FlywheelJob.UID_SOURCE, FlywheelJob.UID_TRAINER, FlywheelJob.UID_SCORER);

    StreamExecutionEnvironment explicit = StreamExecutionEnvironment.createLocalEnvironment(runner);
    new FlywheelLauncher().build(explicit, context("--flywheel.checkpoint.interval", "7 s"));
    assertThat(explicit.getCheckpointConfig().getCheckpointInterval()).isEqualTo(7000);
  }
}
