package dev.flywheel.jobs.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.types.StringValue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FieldIo}'s readers against Flink's own encodings: every string {@link
 * StringValue#writeString} writes and every array written element by element reads back the same,
 * the input left exactly after it, from an in-memory view and from a stream view.
 */
class FieldIoTest {
  private static final String[] STRINGS = {
    "",
    "a",
    "default",
    "r-123456",
    "x".repeat(126), // the longest length in one byte
    "y".repeat(127), // the shortest length in two bytes
    "z".repeat(20_000), // a three-byte length
    "é", // two bytes, alone
    "café", // ASCII, then two bytes at the end
    "ü-item", // two bytes first
    "a\u0080b", // the smallest multi-byte char
    "item-\u4e2d\u6587", // three-byte chars
    "\ud83d\ude00 emoji", // a surrogate pair, two three-byte chars
    "\u007f\u0000\u007f", // the largest one-byte char and a NUL
    "mixed " + "ä".repeat(200) + " tail", // more bytes than chars, past the first read
  };

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void stringsReadBackAsStringValueWroteThem(boolean stream) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    StringValue.writeString(null, out);
    for (String s : STRINGS) {
      StringValue.writeString(s, out);
      out.writeInt(0x5eed); // what follows must be left in place
    }
    DataInputView in = view(out.getCopyOfBuffer(), stream);
    assertThat(FieldIo.readString(in)).isNull();
    for (String s : STRINGS) {
      assertThat(FieldIo.readString(in)).as("%.40s", s).isEqualTo(s);
      assertThat(in.readInt()).as("the int after %.40s", s).isEqualTo(0x5eed);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void longArraysReadBackInOrder(boolean stream) throws IOException {
    Random random = new Random(7);
    int n = 10_003;
    int[] ints = random.ints(n).toArray();
    double[] doubles = random.doubles(n).map(d -> d - 0.5).toArray();
    doubles[1] = Double.NaN;
    doubles[2] = Double.NEGATIVE_INFINITY;
    doubles[3] = -0.0;
    boolean[] booleans = new boolean[n];
    for (int i = 0; i < n; i++) {
      booleans[i] = random.nextBoolean();
    }
    String[] strings = new String[STRINGS.length + 1];
    System.arraycopy(STRINGS, 0, strings, 1, STRINGS.length);

    // written element by element, as the writers and Flink's own serializers do
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(n);
    for (int v : ints) {
      out.writeInt(v);
    }
    out.writeInt(n);
    for (double v : doubles) {
      out.writeLong(Double.doubleToRawLongBits(v));
    }
    out.writeInt(n);
    for (boolean v : booleans) {
      out.writeBoolean(v);
    }
    out.writeInt(strings.length);
    for (String s : strings) {
      StringValue.writeString(s, out);
    }
    out.writeInt(-1);
    out.writeInt(0);
    out.writeInt(-1);
    out.writeInt(0);
    out.writeByte(42);

    DataInputView in = view(bytes.toByteArray(), stream);
    assertThat(FieldIo.readInts(in)).containsExactly(ints);
    double[] back = FieldIo.readDoubles(in);
    assertThat(back).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(Double.doubleToRawLongBits(back[i]))
          .as("double %d", i)
          .isEqualTo(Double.doubleToRawLongBits(doubles[i]));
    }
    assertThat(FieldIo.readBooleans(in)).containsExactly(booleans);
    assertThat(FieldIo.readStrings(in)).containsExactly(strings);
    assertThat(FieldIo.readInts(in)).isNull();
    assertThat(FieldIo.readDoubles(in)).isEmpty();
    assertThat(FieldIo.readBooleans(in)).isNull();
    assertThat(FieldIo.readStrings(in)).isEmpty();
    assertThat(in.readByte()).isEqualTo((byte) 42);
  }

  /** The writers encode each array in one write: the bytes are those of one write per element. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void arrayWritersWriteTheElementByElementBytes(boolean stream) throws IOException {
    Random random = new Random(13);
    for (int n : new int[] {0, 1, 7, 1_001}) {
      int[] ints = random.ints(n).toArray();
      double[] doubles = random.doubles(n).toArray();
      boolean[] booleans = new boolean[n];
      for (int i = 0; i < n; i++) {
        booleans[i] = random.nextBoolean();
      }
      if (n > 1) {
        doubles[0] = Double.longBitsToDouble(0x7ff8_0000_dead_beefL); // a NaN with a payload
        doubles[1] = -0.0;
      }
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream element = new DataOutputStream(expected);
      element.writeInt(n);
      for (int v : ints) {
        element.writeInt(v);
      }
      element.writeInt(n);
      for (double v : doubles) {
        element.writeLong(Double.doubleToRawLongBits(v));
      }
      element.writeInt(n);
      for (boolean v : booleans) {
        element.writeBoolean(v);
      }
      element.writeInt(-1);

      ByteArrayOutputStream streamed = new ByteArrayOutputStream();
      DataOutputSerializer buffer = new DataOutputSerializer(4);
      DataOutputView out = stream ? new DataOutputViewStreamWrapper(streamed) : buffer;
      FieldIo.writeInts(ints, out);
      FieldIo.writeDoubles(doubles, out);
      FieldIo.writeBooleans(booleans, out);
      FieldIo.writeInts(null, out);
      byte[] written = stream ? streamed.toByteArray() : buffer.getCopyOfBuffer();
      assertThat(written).as("%d elements", n).isEqualTo(expected.toByteArray());
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void randomStringsRoundTrip(boolean stream) throws IOException {
    Random random = new Random(11);
    List<String> strings = new ArrayList<>();
    for (int k = 0; k < 2_000; k++) {
      StringBuilder b = new StringBuilder();
      int length = random.nextInt(300);
      for (int i = 0; i < length; i++) {
        int kind = random.nextInt(10);
        b.append(
            (char)
                (kind < 7
                    ? random.nextInt(0x80)
                    : kind < 9 ? 0x80 + random.nextInt(0x780) : 0x800 + random.nextInt(0xf000)));
      }
      strings.add(b.toString());
    }
    DataOutputSerializer out = new DataOutputSerializer(1024);
    for (String s : strings) {
      StringValue.writeString(s, out);
    }
    out.writeByte(7);
    DataInputView in = view(out.getCopyOfBuffer(), stream);
    for (String s : strings) {
      assertThat(FieldIo.readString(in)).isEqualTo(s);
    }
    assertThat(in.readByte()).isEqualTo((byte) 7);
  }

  private static DataInputView view(byte[] bytes, boolean stream) {
    return stream
        ? new DataInputViewStreamWrapper(new ByteArrayInputStream(bytes))
        : new DataInputDeserializer(bytes);
  }
}
