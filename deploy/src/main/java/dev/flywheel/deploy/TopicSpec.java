package dev.flywheel.deploy;

import java.util.Map;

/**
 * A topic to create: name, partition count and topic-level configs (replication is always 1 on the
 * local single-node broker).
 *
 * @param name topic name
 * @param partitions number of partitions, at least 1
 * @param configs topic configs such as {@code cleanup.policy}; copied
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

  /** Validates and copies. */
  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name must not be blank");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "topic " + name + ": partitions must be >= 1, got " + partitions);
    }
    configs = Map.copyOf(configs);
  }

  /** A topic with the broker's default configs. */
  public static TopicSpec of(String name, int partitions) {
    return new TopicSpec(name, partitions, Map.of());
  }

  /** A log-compacted topic ({@code cleanup.policy=compact}), e.g. for model updates. */
  public static TopicSpec compacted(String name, int partitions) {
    return new TopicSpec(name, partitions, Map.of("cleanup.policy", "compact"));
  }
}
