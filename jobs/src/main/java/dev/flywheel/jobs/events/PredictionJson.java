package dev.flywheel.jobs.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
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
 * <p>A score in [0.001, 1) (a click probability, almost always) is written rounded to 9 decimals,
 * trailing zeros dropped ({@code 0.123456789}, {@code 0.5}): at most 5e-10 from the double the
 * model computed, a relative error of at most 5e-7. Any other score is written as the shortest
 * decimal that reads back as the same double. Jackson's shortest-decimal writer cost about 400 ns
 * per score where the scorer calls it (its 128-bit arithmetic is not inlined there) against about
 * 30 for the fixed form (docs/bench/pipeline.md, "Sixth round"); a ranking needs no more digits,
 * and the candidates' order is the scorer's, computed on the doubles.
 *
 * <p>A prediction whose strings are printable ASCII without quotes or backslashes and whose scores
 * are in the fixed form (every prediction of the synthetic benchmark and of a typical application)
 * is written by {@link AsciiPredictionWriter} straight into a byte array, the same bytes; any other
 * through Jackson's generator.
 *
 * <p>One instance writes through one reused generator and buffer (not thread-safe; Flink gives each
 * sink task its own copy); each call returns a fresh array.
 */
public final class PredictionJson implements SerializationSchema<Prediction> {
  private static final long serialVersionUID = 1L;
  // Schubfach for doubles (Jackson's fast writer; the JDK's FloatingDecimal showed up in the
  // scorer's profile, which is the pipeline's bottleneck task): the shortest string that reads back
  // as the same double.
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
  // Field names encoded once.
  private static final SerializedString V = new SerializedString("v");
  private static final SerializedString TYPE = new SerializedString("type");
  private static final SerializedString MODEL = new SerializedString("model");
  private static final SerializedString MODEL_VERSION = new SerializedString("modelVersion");
  private static final SerializedString IMPRESSION_ID = new SerializedString("impressionId");
  private static final SerializedString ID = new SerializedString("id");
  private static final SerializedString REQUEST_ID = new SerializedString("requestId");
  private static final SerializedString ITEM_ID = new SerializedString("itemId");
  private static final SerializedString RANKING = new SerializedString("ranking");
  private static final SerializedString SCORE = new SerializedString("score");
  private static final SerializedString TS = new SerializedString("ts");
  private static final SerializedString SCORED_AT = new SerializedString("scoredAt");

  /** Scores from this up to 1 are written with {@link #DECIMALS} decimals. */
  static final double MIN_FIXED_SCORE = 0.001;

  /** Decimals of a score in [{@link #MIN_FIXED_SCORE}, 1). */
  static final int DECIMALS = 9;

  private static final double SCALE = 1e9;
  private static final int ONE = 1_000_000_000;

  private transient AsciiPredictionWriter ascii;
  private transient ReusableOutput out;
  private transient JsonGenerator generator;
  private transient char[] digits;

  @Override
  public byte[] serialize(Prediction prediction) {
    if (ascii == null) {
      ascii = new AsciiPredictionWriter();
    }
    byte[] fast = ascii.write(prediction);
    return fast != null ? fast : serializeWithGenerator(prediction);
  }

  /** {@link #serialize} through the Jackson generator alone (also for tests). */
  byte[] serializeWithGenerator(Prediction prediction) {
    try {
      if (generator == null) {
        out = new ReusableOutput(512);
        generator = FACTORY.createGenerator(out);
        generator.setRootValueSeparator(null);
        digits = new char[2 + DECIMALS];
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

  private void write(JsonGenerator g, Prediction p) throws IOException {
    g.writeStartObject();
    g.writeFieldName(V);
    g.writeNumber(1);
    g.writeFieldName(TYPE);
    g.writeString(p.type == null ? null : p.type.json());
    g.writeFieldName(MODEL);
    g.writeString(p.model);
    g.writeFieldName(MODEL_VERSION);
    g.writeNumber(p.modelVersion);
    if (p.impressionId != null) {
      g.writeFieldName(IMPRESSION_ID);
      g.writeString(p.impressionId);
    }
    if (p.id != null) {
      g.writeFieldName(ID);
      g.writeString(p.id);
    }
    if (p.requestId != null) {
      g.writeFieldName(REQUEST_ID);
      g.writeString(p.requestId);
    }
    if (p.itemId != null) {
      g.writeFieldName(ITEM_ID);
      g.writeString(p.itemId);
    }
    if (p.rankedItemIds != null) {
      g.writeFieldName(RANKING);
      g.writeStartArray();
      for (int k = 0; k < p.rankedItemIds.length; k++) {
        g.writeStartObject();
        g.writeFieldName(ITEM_ID);
        g.writeString(p.rankedItemIds[k]);
        writeScore(g, p.rankedScores[k]);
        g.writeEndObject();
      }
      g.writeEndArray();
    } else {
      writeScore(g, p.score);
    }
    g.writeFieldName(TS);
    g.writeNumber(p.eventTs);
    g.writeFieldName(SCORED_AT);
    g.writeNumber(p.scoredAt);
    g.writeEndObject();
  }

  private void writeScore(JsonGenerator g, double score) throws IOException {
    g.writeFieldName(SCORE);
    if (!Double.isFinite(score)) {
      g.writeNull();
      return;
    }
    int m = fixedDecimals(score);
    if (m >= 0) {
      char[] c = digits;
      c[0] = '0';
      c[1] = '.';
      for (int i = 1 + DECIMALS; i >= 2; i--) {
        c[i] = (char) ('0' + m % 10);
        m /= 10;
      }
      int end = 2 + DECIMALS;
      while (c[end - 1] == '0') {
        end--;
      }
      g.writeNumber(c, 0, end);
      return;
    }
    g.writeNumber(score); // the shortest decimal that reads back as the same double
  }

  /**
   * The {@link #DECIMALS} decimals of {@code score} written in the fixed form (as an integer in
   * [1,000,000, 1,000,000,000)), or -1 if it is written in full: outside [{@link #MIN_FIXED_SCORE},
   * 1), or rounding up to 1. The one rule both writers follow.
   */
  static int fixedDecimals(double score) {
    if (score >= MIN_FIXED_SCORE && score < 1.0) {
      int m = (int) Math.round(score * SCALE); // ≥ 1,000,000: never all zeros
      if (m < ONE) {
        return m;
      }
    }
    return -1;
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
