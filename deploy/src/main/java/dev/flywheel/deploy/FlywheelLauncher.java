package dev.flywheel.deploy;

import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.config.JobSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Launches the Flywheel pipeline ({@link FlywheelJob}): decode → label join → train → score, on the
 * runner's broker and topics. The job arguments after {@code --} are the job's own {@code --key
 * value} options ({@link FlywheelOptions}); they override what the runner sets (bootstrap servers
 * and the standard topic names of {@link FlywheelTopics}).
 *
 * <p>The runner owns checkpointing and parallelism: the job's {@code flywheel.checkpoint.interval}
 * and {@code flywheel.parallelism} apply only when given explicitly after {@code --}.
 */
public final class FlywheelLauncher implements PipelineLauncher {
  /** The name used with {@code --job}. */
  public static final String NAME = "flywheel";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "the pipeline: decode, label join, train, score";
  }

  @Override
  public String usage() {
    return FlywheelOptions.helpText();
  }

  /** The job's settings: the runner's broker and topics, then the job arguments. */
  public static JobSettings settings(Context context) {
    List<String> args = new ArrayList<>();
    add(args, FlywheelOptions.KAFKA_BOOTSTRAP_SERVERS.key(), context.bootstrapServers());
    add(args, FlywheelOptions.TOPIC_EVENTS.key(), FlywheelTopics.EVENTS);
    add(args, FlywheelOptions.TOPIC_PREDICTIONS.key(), FlywheelTopics.PREDICTIONS);
    add(args, FlywheelOptions.TOPIC_MODEL_UPDATES.key(), FlywheelTopics.MODEL_UPDATES);
    add(args, FlywheelOptions.TOPIC_DLQ.key(), FlywheelTopics.EVENTS_DLQ);
    args.addAll(context.jobArgs()); // later keys win
    return JobSettings.fromArgs(args.toArray(String[]::new));
  }

  @Override
  public List<TopicSpec> topics(Context context) {
    JobSettings settings = settings(context);
    return List.of(
        TopicSpec.of(settings.eventsTopic(), context.partitions()),
        TopicSpec.of(settings.predictionsTopic(), context.partitions()),
        TopicSpec.compacted(settings.modelUpdatesTopic(), 1),
        TopicSpec.of(settings.dlqTopic(), context.partitions()));
  }

  @Override
  public void build(StreamExecutionEnvironment env, Context context) {
    JobSettings settings;
    try {
      settings = settings(context);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("flywheel job: " + e.getMessage(), e);
    }
    Configuration conf = FlywheelJob.flinkConfiguration(settings);
    Configuration given = JobSettings.parseArgs(context.jobArgs().toArray(String[]::new));
    if (!given.containsKey(FlywheelOptions.CHECKPOINT_INTERVAL.key())) {
      conf.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
    }
    if (!given.containsKey(FlywheelOptions.PARALLELISM.key())) {
      conf.removeConfig(CoreOptions.DEFAULT_PARALLELISM);
    }
    env.configure(conf);
    FlywheelJob.addKafkaPipeline(env, settings);
  }

  private static void add(List<String> args, String key, String value) {
    args.add("--" + key);
    args.add(value);
  }
}
