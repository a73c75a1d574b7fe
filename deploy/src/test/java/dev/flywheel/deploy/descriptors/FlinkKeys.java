package dev.flywheel.deploy.descriptors;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;

/**
 * The Flink configuration keys of the Flink version on the classpath (the parent pom's), read from
 * Flink's own option classes: a key we configure must be one of them and not a deprecated name of
 * one (Flink 2 renamed many, e.g. {@code state.checkpoints.dir} became {@code
 * execution.checkpointing.dir}).
 */
final class FlinkKeys {
  private FlinkKeys() {}

  /** Keys that belong to plugins or to the operator, not to Flink's core option classes. */
  static final List<String> FOREIGN_PREFIXES = List.of("metrics.reporter.", "kubernetes.operator.");

  private static final List<Class<?>> OPTION_CLASSES =
      List.of(
          CheckpointingOptions.class,
          StateBackendOptions.class,
          StateRecoveryOptions.class,
          HighAvailabilityOptions.class,
          CoreOptions.class,
          JobManagerOptions.class,
          TaskManagerOptions.class,
          RestOptions.class,
          MetricOptions.class,
          PipelineOptions.class,
          RestartStrategyOptions.class,
          ExecutionOptions.class);

  private static final Set<String> KEYS = new HashSet<>();
  private static final Map<String, String> DEPRECATED = new HashMap<>();

  static {
    for (Class<?> c : OPTION_CLASSES) {
      for (Field f : c.getFields()) {
        if (!Modifier.isStatic(f.getModifiers()) || f.getType() != ConfigOption.class) {
          continue;
        }
        ConfigOption<?> option;
        try {
          option = (ConfigOption<?>) f.get(null);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
        KEYS.add(option.key());
        for (FallbackKey fallback : option.fallbackKeys()) {
          if (fallback.isDeprecated()) {
            DEPRECATED.put(fallback.getKey(), option.key());
          }
        }
      }
    }
  }

  /** Fails when {@code key} is not a current Flink key (or a plugin/operator key). */
  static void check(String key, String where) {
    if (DEPRECATED.containsKey(key)) {
      throw new AssertionError(
          where + ": '" + key + "' is deprecated in Flink 2, use '" + DEPRECATED.get(key) + "'");
    }
    if (FOREIGN_PREFIXES.stream().anyMatch(key::startsWith)) {
      return;
    }
    if (!KEYS.contains(key)) {
      throw new AssertionError(where + ": '" + key + "' is not a Flink configuration key");
    }
  }
}
