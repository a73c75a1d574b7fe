package dev.flywheel.model.io;

/**
 * A delta whose base version is not the version of the model it is applied to (a missed or
 * duplicated update): the consumer needs a fresh snapshot. The model is left unchanged.
 */
public final class DeltaBaseMismatchException extends ModelFormatException {
  private static final long serialVersionUID = 1L;

  private final long baseVersion;
  private final long modelVersion;

  public DeltaBaseMismatchException(long baseVersion, long modelVersion) {
    super(
        "delta base version "
            + baseVersion
            + " does not match the model's version "
            + modelVersion
            + "; a snapshot is needed");
    this.baseVersion = baseVersion;
    this.modelVersion = modelVersion;
  }

  /** The version the delta was built on. */
  public long baseVersion() {
    return baseVersion;
  }

  /** The version of the model it was applied to. */
  public long modelVersion() {
    return modelVersion;
  }
}
