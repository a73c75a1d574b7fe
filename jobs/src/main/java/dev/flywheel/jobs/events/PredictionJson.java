package dev.flywheel.jobs.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * The JSON value of a {@link Prediction} on the predictions topic (see docs/events.md), and its key
 * (the id of the event answered). A request:
 *
 * <pre>{@code
 * {"v":1,"type":"request","model":"default","modelVersion":12,"requestId":"r-1",
 *  "ranking":[{"itemId":"i-7","score":0.31},{"itemId":"i-2","score":0.12}],
 *  "ts":1732700000000,"scoredAt":1732700000004}
 * }</pre>
 *
 * an impression {@code {"v":1,"type":"impression",...,"impressionId":"imp-1","requestId":"r-1",
 * "itemId":"i-7","score":0.31,...}}, an example {@code {"v":1,"type":"example",...,"id":"e-1",
 * "score":0.87,...}}. A non-finite score is written as {@code null}.
 *
 * <p>One instance writes through one reused generator and buffer (not thread-safe; Flink gives each
 * sink task its own copy); each call returns a fresh array.
 */
public final class PredictionJson implements SerializationSchema<Prediction> {
  private static final long serialVersionUID = 1L;
  private static final JsonFactory FACTORY = new JsonFactory();

  private transient ReusableOutput out;
  private transient JsonGenerator generator;

  @Override
  public byte[] serialize(Prediction prediction) {
    try {
      if (generator == null) {
        out = new ReusableOutput(512);
        generator = FACTORY.createGenerator(out);
        generator.setRootValueSeparator(null);
      }
      write(generator, prediction);
      generator.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a prediction", e); // in-memory: never
    }
    return out.take();
  }

  /** The JSON bytes of {@code prediction} (allocates a generator: for tools and tests). */
  public static byte[] encode(Prediction prediction) {
    return new PredictionJson().serialize(prediction);
  }

  private static void write(JsonGenerator g, Prediction p) throws IOException {
    g.writeStartObject();
    g.writeNumberField("v", 1);
    g.writeStringField("type", p.type == null ? null : p.type.json());
    g.writeStringField("model", p.model);
    g.writeNumberField("modelVersion", p.modelVersion);
    if (p.impressionId != null) {
      g.writeStringField("impressionId", p.impressionId);
    }
    if (p.id != null) {
      g.writeStringField("id", p.id);
    }
    if (p.requestId != null) {
      g.writeStringField("requestId", p.requestId);
    }
    if (p.itemId != null) {
      g.writeStringField("itemId", p.itemId);
    }
    if (p.rankedItemIds != null) {
      g.writeArrayFieldStart("ranking");
      for (int k = 0; k < p.rankedItemIds.length; k++) {
        g.writeStartObject();
        g.writeStringField("itemId", p.rankedItemIds[k]);
        writeScore(g, p.rankedScores[k]);
        g.writeEndObject();
      }
      g.writeEndArray();
    } else {
      writeScore(g, p.score);
    }
    g.writeNumberField("ts", p.eventTs);
    g.writeNumberField("scoredAt", p.scoredAt);
    g.writeEndObject();
  }

  private static void writeScore(JsonGenerator g, double score) throws IOException {
    g.writeFieldName("score");
    if (Double.isFinite(score)) {
      g.writeNumber(score);
    } else {
      g.writeNull();
    }
  }

  /**
   * The Kafka key of predictions: the UTF-8 id of the event answered ({@link Prediction#key()}).
   */
  public static SerializationSchema<Prediction> keySchema() {
    return p -> {
      String key = p.key();
      return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    };
  }

  /**
   * Reads a prediction back from its JSON (for consumers, tools and tests).
   *
   * @throws IOException if the bytes are not a prediction
   */
  public static Prediction parse(byte[] json) throws IOException {
    Prediction p = new Prediction();
    try (JsonParser in = FACTORY.createParser(json)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a prediction is a JSON object");
      }
      while (in.nextToken() == JsonToken.FIELD_NAME) {
        String field = in.currentName();
        JsonToken t = in.nextToken();
        switch (field) {
          case "type" -> p.type = typeOf(in.getText());
          case "model" -> p.model = in.getText();
          case "modelVersion" -> p.modelVersion = in.getLongValue();
          case "requestId" -> p.requestId = in.getText();
          case "impressionId" -> p.impressionId = in.getText();
          case "id" -> p.id = in.getText();
          case "itemId" -> p.itemId = in.getText();
          case "score" -> p.score = t == JsonToken.VALUE_NULL ? Double.NaN : in.getDoubleValue();
          case "ranking" -> readRanking(in, p);
          case "ts" -> p.eventTs = in.getLongValue();
          case "scoredAt" -> p.scoredAt = in.getLongValue();
          default -> in.skipChildren();
        }
      }
    }
    return p;
  }

  private static void readRanking(JsonParser in, Prediction p) throws IOException {
    List<String> items = new ArrayList<>();
    List<Double> scores = new ArrayList<>();
    while (in.nextToken() == JsonToken.START_OBJECT) {
      String item = null;
      double score = Double.NaN;
      while (in.nextToken() == JsonToken.FIELD_NAME) {
        String field = in.currentName();
        JsonToken t = in.nextToken();
        if (field.equals("itemId")) {
          item = in.getText();
        } else if (field.equals("score")) {
          score = t == JsonToken.VALUE_NULL ? Double.NaN : in.getDoubleValue();
        } else {
          in.skipChildren();
        }
      }
      items.add(item);
      scores.add(score);
    }
    p.rankedItemIds = items.toArray(new String[0]);
    p.rankedScores = new double[scores.size()];
    for (int k = 0; k < scores.size(); k++) {
      p.rankedScores[k] = scores.get(k);
    }
  }

  private static EventType typeOf(String json) throws IOException {
    for (EventType t : EventType.values()) {
      if (t.json().equals(json)) {
        return t;
      }
    }
    throw new IOException("unknown prediction type " + json);
  }
}
