package dev.flywheel.replay;

/** The role of a CSV column in the replay. */
enum ColumnKind {
  /** The label column. */
  LABEL,
  /** Hashed as {@code name=value}, value 1. */
  CATEGORICAL,
  /** Hashed as {@code name}, the parsed number as value (scaled by the model). */
  NUMERIC,
  /** Not used. */
  IGNORED
}
