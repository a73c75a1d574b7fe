package dev.flywheel.jobs.train;

/**
 * The trainer's small per-model bookkeeping, kept in keyed state beside the model (a Flink POJO:
 * public fields, no Kryo). Mutated in place by {@link TrainerFunction}, which writes it back after
 * every change.
 */
public class TrainerProgress {
  /** Examples waiting in the pending list state. */
  public int pending;

  /** Processing time of the registered max-wait timer, or 0 if none. */
  public long flushTimer;

  /** Processing time of the registered publish timer, or 0 if none. */
  public long publishTimer;

  /** Version of the last publication, or -1 before the first. */
  public long publishedVersion = -1;

  /** Deltas published since the last snapshot. */
  public int deltasSinceSnapshot;

  /** Event time (epoch ms) of the newest example trained into the model; 0 if none. */
  public long newestEventTime;

  public TrainerProgress() {}
}
