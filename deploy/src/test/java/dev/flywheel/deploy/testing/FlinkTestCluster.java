package dev.flywheel.deploy.testing;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The Flink MiniCluster of the integration tests: one TaskManager with {@value #PARALLELISM} slots,
 * its web temp folder private to this JVM (trap 9), and an environment factory with checkpointing
 * on, no restarts and generic types disabled.
 */
public final class FlinkTestCluster {
  /** Parallelism of the test jobs and slot count of the cluster. */
  public static final int PARALLELISM = 2;

  private FlinkTestCluster() {}

  /** A MiniClusterExtension to register as a static {@code @RegisterExtension} field. */
  public static MiniClusterExtension extension() {
    Configuration conf = new Configuration();
    Path webTmp =
        Path.of(System.getProperty("java.io.tmpdir"), "flink-web-" + ProcessHandle.current().pid());
    conf.set(WebOptions.TMP_DIR, webTmp.toString());
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(conf)
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());
  }

  /**
   * The context environment (the MiniCluster of the running test class) at parallelism {@value
   * #PARALLELISM}, checkpointing every {@code checkpointInterval}, no restarts, generic types off.
   */
  public static StreamExecutionEnvironment environment(Duration checkpointInterval) {
    Configuration conf = new Configuration();
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(PARALLELISM);
    return env;
  }
}
