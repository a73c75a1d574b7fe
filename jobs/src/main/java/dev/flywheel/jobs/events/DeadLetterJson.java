package dev.flywheel.jobs.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * The JSON value of a dead letter on the DLQ topic (see docs/events.md):
 *
 * <pre>{@code
 * {"v":1,"reason":"NON_FINITE_NUMBER","detail":"feature features.price is not finite: NaN",
 *  "topic":"events","partition":0,"offset":42,"timestamp":1732700000000,
 *  "originalSize":97,"truncated":false,"encoding":"utf8","original":"{\"v\":1,...}"}
 * }</pre>
 *
 * <p>{@code original} holds the original value as a string when its bytes are valid UTF-8 ({@code
 * "encoding":"utf8"}), else base64 ({@code "encoding":"base64"}); it is cut to the DLQ bound
 * ({@code "truncated":true}, {@code originalSize} gives the full size).
 */
public final class DeadLetterJson implements SerializationSchema<DeadLetter> {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory FACTORY = new JsonFactory();

  @Override
  public byte[] serialize(DeadLetter d) {
    return encode(d);
  }

  /** The JSON bytes of {@code d}. */
  public static byte[] encode(DeadLetter d) {
    ReusableOutput out = new ReusableOutput(256 + (d.original == null ? 0 : d.original.length * 2));
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", 1);
      g.writeStringField("reason", d.reason == null ? null : d.reason.name());
      g.writeStringField("detail", d.detail);
      g.writeStringField("topic", d.topic);
      g.writeNumberField("partition", d.partition);
      g.writeNumberField("offset", d.offset);
      g.writeNumberField("timestamp", d.timestamp);
      byte[] original = d.original == null ? new byte[0] : d.original;
      g.writeNumberField("originalSize", Math.max(d.originalSize, original.length));
      g.writeBooleanField("truncated", d.truncated());
      String text = utf8OrNull(original, d.truncated());
      if (text != null) {
        g.writeStringField("encoding", "utf8");
        g.writeStringField("original", text);
      } else {
        g.writeStringField("encoding", "base64");
        g.writeStringField("original", Base64.getEncoder().encodeToString(original));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a dead letter", e); // in-memory: never
    }
    return out.take();
  }

  /**
   * The bytes as a string if they are valid UTF-8, else null. A cut value may end inside a
   * multi-byte character: up to 3 trailing bytes are then dropped.
   */
  static String utf8OrNull(byte[] bytes, boolean cut) {
    int maxDrop = cut ? Math.min(3, bytes.length) : 0;
    for (int drop = 0; drop <= maxDrop; drop++) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes, 0, bytes.length - drop))
            .toString();
      } catch (CharacterCodingException e) {
        // try one byte shorter (cut values only), else base64
      }
    }
    return null;
  }

  /**
   * Reads a dead letter back from its JSON (for tools and tests); {@code original} is decoded from
   * its encoding.
   *
   * @throws IOException if the bytes are not a dead letter
   */
  public static DeadLetter parse(byte[] json) throws IOException {
    DeadLetter d = new DeadLetter();
    String encoding = null;
    String original = null;
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a dead letter is a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "reason" -> d.reason = DlqReason.valueOf(p.getText());
          case "detail" -> d.detail = p.getText();
          case "topic" -> d.topic = p.getText();
          case "partition" -> d.partition = p.getIntValue();
          case "offset" -> d.offset = p.getLongValue();
          case "timestamp" -> d.timestamp = p.getLongValue();
          case "originalSize" -> d.originalSize = p.getIntValue();
          case "encoding" -> encoding = p.getText();
          case "original" -> original = p.getText();
          default -> p.skipChildren();
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("not a dead letter: " + e.getMessage(), e);
    }
    if (original != null) {
      d.original =
          "base64".equals(encoding)
              ? Base64.getDecoder().decode(original)
              : original.getBytes(StandardCharsets.UTF_8);
    }
    return d;
  }
}
