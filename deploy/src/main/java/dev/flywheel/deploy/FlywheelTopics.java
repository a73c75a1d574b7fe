package dev.flywheel.deploy;

import java.util.List;

/**
 * The topics of the Flywheel pipeline with the local runner's defaults. Model updates have one
 * partition (every scorer reads every update, in order) and are log-compacted.
 */
public final class FlywheelTopics {
  /** Events from the application: requests, impressions, clicks, examples (JSON). */
  public static final String EVENTS = "events";

  /** Predictions written by the scorer. */
  public static final String PREDICTIONS = "predictions";

  /** Versioned model snapshots and deltas. */
  public static final String MODEL_UPDATES = "model-updates";

  /** Events that break the contract, with the reason. */
  public static final String EVENTS_DLQ = "events-dlq";

  private FlywheelTopics() {}

  /** The four topics; {@code partitions} for all but {@link #MODEL_UPDATES}. */
  public static List<TopicSpec> standard(int partitions) {
    return List.of(
        TopicSpec.of(EVENTS, partitions),
        TopicSpec.of(PREDICTIONS, partitions),
        TopicSpec.compacted(MODEL_UPDATES, 1),
        TopicSpec.of(EVENTS_DLQ, partitions));
  }
}
