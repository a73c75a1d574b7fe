package dev.flywheel.jobs.events;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** A byte sink reused record after record; {@link #take()} copies out the bytes and resets it. */
final class ReusableOutput extends ByteArrayOutputStream {
  ReusableOutput(int capacity) {
    super(capacity);
  }

  /** The bytes written since the last take, as a fresh array; the buffer is kept for reuse. */
  byte[] take() {
    byte[] out = Arrays.copyOf(buf, count);
    count = 0;
    return out;
  }
}
