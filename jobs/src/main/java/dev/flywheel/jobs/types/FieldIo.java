package dev.flywheel.jobs.types;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Field encodings shared by the hand-written serializers of the job's records: nullable strings
 * (Flink's {@link StringValue} encoding, which has a null marker) and nullable primitive arrays (an
 * {@code int} length, {@code -1} for null, then the elements).
 *
 * <p>Strings are read here, not with {@link StringValue#readString}: Flink 2.2's reader looks up a
 * {@code ThreadLocal} char buffer for every string, and in a task thread of the job that lookup
 * missed its slot and probed ({@code ThreadLocalMap.getEntryAfterMiss}: 4.5 % of a pipeline
 * profile's samples, docs/bench/pipeline.md, "Sixth round"). A string of ASCII chars, which ids and
 * model names are, is one {@link DataInputView#readFully} and one copy into the new string.
 */
public final class FieldIo {
  private static final int[] NO_INTS = new int[0];
  private static final double[] NO_DOUBLES = new double[0];
  private static final boolean[] NO_BOOLEANS = new boolean[0];
  private static final String[] NO_STRINGS = new String[0];

  private static final int HIGH_BIT = 0x80;

  private FieldIo() {}

  /** Writes {@code s}, which may be null. */
  public static void writeString(String s, DataOutputView out) throws IOException {
    StringValue.writeString(s, out);
  }

  /**
   * Reads a string written by {@link #writeString} ({@link StringValue}'s encoding); null if null
   * was written.
   */
  public static String readString(DataInputView in) throws IOException {
    int len = in.readUnsignedByte();
    if (len == 0) {
      return null;
    }
    if (len >= HIGH_BIT) { // the length + 1, 7 bits per byte, low bits first
      int shift = 7;
      int curr;
      len &= 0x7f;
      while ((curr = in.readUnsignedByte()) >= HIGH_BIT) {
        len |= (curr & 0x7f) << shift;
        shift += 7;
      }
      len |= curr << shift;
    }
    len -= 1;
    if (len == 0) {
      return "";
    }
    // A char below 0x80 is one byte, any other more: the first len bytes are never past the end.
    byte[] bytes = new byte[len];
    in.readFully(bytes);
    for (int i = 0; i < len; i++) {
      if (bytes[i] < 0) {
        return readNonAscii(in, bytes, i);
      }
    }
    return latin1(bytes);
  }

  /**
   * The string of {@code bytes}, each a char below 0x80. Not {@code new String(bytes, ISO_8859_1)}:
   * that constructor (JDK 17) is one large method for every charset, not inlined in the job's task
   * threads, and cost more than the bytes' copy in a pipeline profile; this one, deprecated for its
   * name ("hibyte"), is a bounds check and the copy.
   */
  @SuppressWarnings("deprecation")
  private static String latin1(byte[] bytes) {
    return new String(bytes, 0, 0, bytes.length);
  }

  /**
   * The rest of a string of {@code bytes.length} chars whose first {@code ascii} chars are the
   * first bytes of {@code bytes} and whose byte {@code ascii} starts a multi-byte char: decodes the
   * rest of {@code bytes}, then reads what the string still needs from {@code in}.
   */
  private static String readNonAscii(DataInputView in, byte[] bytes, int ascii) throws IOException {
    int len = bytes.length;
    char[] chars = new char[len];
    for (int i = 0; i < ascii; i++) {
      chars[i] = (char) bytes[i];
    }
    int next = ascii; // the next unread byte of bytes
    for (int i = ascii; i < len; i++) {
      int c = next < len ? bytes[next++] & 0xff : in.readUnsignedByte();
      if (c >= HIGH_BIT) {
        int shift = 7;
        int curr;
        c &= 0x7f;
        while ((curr = next < len ? bytes[next++] & 0xff : in.readUnsignedByte()) >= HIGH_BIT) {
          c |= (curr & 0x7f) << shift;
          shift += 7;
        }
        c |= curr << shift;
      }
      chars[i] = (char) c;
    }
    return new String(chars);
  }

  /** Writes {@code a}, which may be null. */
  public static void writeInts(int[] a, DataOutputView out) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (int v : a) {
      out.writeInt(v);
    }
  }

  /** Reads an array written by {@link #writeInts}. */
  public static int[] readInts(DataInputView in) throws IOException {
    int n = readLength(in);
    if (n < 0) {
      return null;
    }
    if (n == 0) {
      return NO_INTS;
    }
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readInt();
    }
    return a;
  }

  /** Writes {@code a}, which may be null. */
  public static void writeDoubles(double[] a, DataOutputView out) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (double v : a) {
      out.writeLong(Double.doubleToRawLongBits(v));
    }
  }

  /** Reads an array written by {@link #writeDoubles}. */
  public static double[] readDoubles(DataInputView in) throws IOException {
    int n = readLength(in);
    if (n < 0) {
      return null;
    }
    if (n == 0) {
      return NO_DOUBLES;
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = Double.longBitsToDouble(in.readLong());
    }
    return a;
  }

  /** Writes {@code a}, which may be null, one byte per element. */
  public static void writeBooleans(boolean[] a, DataOutputView out) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (boolean v : a) {
      out.writeBoolean(v);
    }
  }

  /** Reads an array written by {@link #writeBooleans}. */
  public static boolean[] readBooleans(DataInputView in) throws IOException {
    int n = readLength(in);
    if (n < 0) {
      return null;
    }
    if (n == 0) {
      return NO_BOOLEANS;
    }
    boolean[] a = new boolean[n];
    for (int i = 0; i < n; i++) {
      a[i] = in.readBoolean();
    }
    return a;
  }

  /** Writes {@code a}, which may be null and may hold nulls. */
  public static void writeStrings(String[] a, DataOutputView out) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (String s : a) {
      StringValue.writeString(s, out);
    }
  }

  /** Reads an array written by {@link #writeStrings}. */
  public static String[] readStrings(DataInputView in) throws IOException {
    int n = readLength(in);
    if (n < 0) {
      return null;
    }
    if (n == 0) {
      return NO_STRINGS;
    }
    String[] a = new String[n];
    for (int i = 0; i < n; i++) {
      a[i] = readString(in);
    }
    return a;
  }

  private static int readLength(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < -1) {
      throw new IOException("corrupt record: array length " + n);
    }
    return n;
  }
}
