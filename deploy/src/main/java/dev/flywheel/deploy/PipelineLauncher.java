package dev.flywheel.deploy;

import java.nio.file.Path;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The seam between the local runner and a job: what topics it needs, how it adds itself to an
 * environment, and which metrics the progress line shows. The runner owns the broker, the
 * MiniCluster, checkpointing and the state directory; a launcher only builds the job graph.
 *
 * <p>Launchers are listed in {@link PipelineLaunchers}.
 */
public interface PipelineLauncher {

  /** What the runner gives a launcher. */
  record Context(
      String bootstrapServers,
      int parallelism,
      int partitions,
      Path stateDir,
      List<String> jobArgs) {
    /** Copies {@code jobArgs}. */
    public Context {
      jobArgs = List.copyOf(jobArgs);
    }
  }

  /** The name selected with {@code --job}. */
  String name();

  /** One line for {@code --help}. */
  String description();

  /** Help on the job's own options (shown by {@code ./flywheel local -- --help}). */
  String usage();

  /** Topics created (if missing) before the job is submitted. */
  default List<TopicSpec> topics(Context context) {
    return FlywheelTopics.standard(context.partitions());
  }

  /**
   * Adds sources, operators and sinks to {@code env}.
   *
   * @param context the runner's settings; {@code jobArgs} are the arguments after {@code --} on the
   *     runner's command line, for the job's own option parser
   * @throws IllegalArgumentException (or picocli's ParameterException) naming a bad job option
   */
  void build(StreamExecutionEnvironment env, Context context);

  /** The metric names the progress line reads. */
  default ProgressMetrics progressMetrics() {
    return ProgressMetrics.PIPELINE;
  }
}
