package dev.flywheel.model.io;

import java.io.IOException;

/**
 * Bytes that are not a readable Flywheel model or delta: wrong magic, unsupported format version,
 * truncated, checksum mismatch, an invalid configuration, or a delta that does not fit the model it
 * is applied to. The message names the problem; reading never fails with an index or memory error
 * instead.
 */
public class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
