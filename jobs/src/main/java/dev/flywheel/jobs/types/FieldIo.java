package dev.flywheel.jobs.types;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Field encodings shared by the hand-written serializers of the job's records: nullable strings
 * (Flink's {@link StringValue} encoding, which has a null marker) and nullable primitive arrays (an
 * {@code int} length, {@code -1} for null, then the elements).
 */
public final class FieldIo {
  private static final int[] NO_INTS = new int[0];
  private static final double[] NO_DOUBLES = new double[0];
  private static final boolean[] NO_BOOLEANS = new boolean[0];
  private static final String[] NO_STRINGS = new String[0];

  private FieldIo() {}

  /** Writes {@code s}, which may be null. */
  public static void writeString(String s, DataOutputView out) throws IOException {
    StringValue.writeString(s, out);
  }

  /** Reads a string written by {@link #writeString}; null if null was written. */
  public static String readString(DataInputView in) throws IOException {
    return StringValue.readString(in);
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
      a[i] = StringValue.readString(in);
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
