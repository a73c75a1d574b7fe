package dev.flywheel.jobs.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.flywheel.model.features.FeatureHasher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes one JSON event (UTF-8 bytes) into an {@link Event}, validating it against the contract
 * (docs/events.md) and hashing its features while it streams through the JSON: no tree, no feature
 * strings. {@link #decode} never throws: a record that breaks the contract returns {@code null} and
 * {@link #failure()} says why.
 *
 * <p>Rules beyond the JSON syntax: {@code "v"} must be 1; {@code "type"} one of request,
 * impression, click, example; {@code "ts"} an integer epoch-ms in [2000-01-01, 2100-01-01); ids
 * non-empty strings of at most {@value #MAX_ID_LENGTH} chars; {@code "model"} defaults to {@code
 * "default"}; every number finite (NaN, Infinity and overflow are {@link
 * DlqReason#NON_FINITE_NUMBER}); a label 0 or 1 when labels are binary, else any finite number;
 * feature values strings (categorical), numbers (numeric) or booleans (categorical {@code
 * name=true/false}); a {@code null} feature value is skipped, as if absent; a request has 1 to
 * {@code maxCandidates} candidates; an event has at most {@code maxFeatures} features and {@code
 * maxRecordBytes} bytes. Unknown top-level fields are ignored (forward compatibility); a known
 * field twice is {@link DlqReason#INVALID_FIELD}.
 *
 * <p>Feature crosses ({@link DecoderConfig#crosses()}): for each configured cross {@code a*b} of an
 * event that has both features, one more feature is added, bucket {@link FeatureHasher#cross} of
 * the two features' keys, value the product of their values (1 for categorical ones), numeric if
 * either side is. An impression's or example's crosses are among its own features. A request's
 * crosses of two shared features are shared; a cross with at least one side among a candidate's own
 * features is computed per candidate (the other side from the candidate, else from the shared
 * features) and appended to that candidate's features, so the candidate is scored with the very
 * crossed features its impression will train. A feature named twice in one scope crosses with its
 * last value; a candidate's own feature wins over a shared one of the same name. Crosses do not
 * count towards {@code maxFeatures}.
 *
 * <p>Two paths, one behaviour. A record is first read by a hand-written scanner of the common
 * shape: strings of well-formed UTF-8 with the usual escapes, plain numbers, no nested unknown
 * fields, unescaped field names. It accepts only records that are valid JSON and valid events; on
 * anything else (a syntax error, malformed UTF-8, an escaped surrogate or field name, {@code NaN},
 * a long number, a nested unknown field, any contract violation) it gives up and the record is
 * decoded again from scratch by the Jackson path, which alone decides what is wrong with a record.
 * So a rejected record gets exactly the reason and detail the Jackson path gives, and an accepted
 * one the same event (the scanner computes numbers the way Jackson does: integers exactly, decimals
 * correctly rounded).
 *
 * <p>Allocation: the decoder reuses its feature buffers and name buffers; per event it allocates
 * the event, its right-sized feature arrays and its id strings (the model id string is reused while
 * it repeats), plus a Jackson parser when the scanner gives up; crosses reuse their buffers too.
 * Not thread-safe: one decoder per task.
 */
public final class EventDecoder {
  /** Longest id (request, impression, example, item, model) in chars. */
  public static final int MAX_ID_LENGTH = 256;

  /** Earliest accepted event time: 2000-01-01T00:00:00Z (catches seconds sent as millis). */
  public static final long MIN_TS = 946_684_800_000L;

  /** First rejected event time: 2100-01-01T00:00:00Z. */
  public static final long MAX_TS = 4_102_444_800_000L;

  static final String DEFAULT_MODEL = "default";

  private static final char[] TRUE = "true".toCharArray();
  private static final char[] FALSE = "false".toCharArray();
  private static final char[] NULL = "null".toCharArray();
  private static final EventType[] TYPES = EventType.values();

  private final DecoderConfig config;
  private final FeatureHasher hasher;
  private final JsonFactory factory;

  // shared features (a request's user + context; an impression's or example's features)
  private final FeatureBuffer shared = new FeatureBuffer();
  // candidates' own features, candidate k ending at candidateEnds[k]
  private final FeatureBuffer candidates = new FeatureBuffer();
  private String[] candidateIds = new String[16];
  private int[] candidateEnds = new int[16];
  private int candidateCount;
  private char[] name = new char[64];
  private int nameLength;
  // the scanner's string value, as chars for the hasher
  private char[] text = new char[64];
  private final boolean scannerEnabled;
  private long scanned;

  // feature crosses: the distinct feature names taking part, each cross as two indices into them
  private final char[][] crossNames;
  private final int[] crossLeft;
  private final int[] crossRight;
  // the last key, value and kind of each crossed name among the shared features
  private final Crossed sharedCrossed;
  // ... and among each candidate's own features: candidate k at [k * crossNames.length, ...)
  private final Crossed candidateCrossed;
  // crosses computed per candidate, candidate k's ending at candidateCrossEnds[k]
  private final FeatureBuffer candidateCrosses = new FeatureBuffer();
  private int[] candidateCrossEnds = new int[16];

  // scalar fields of the event being decoded
  private int seen;
  private EventType type;
  private long ts;
  private String model;
  private String lastModel = DEFAULT_MODEL;
  private String requestId;
  private String impressionId;
  private String id;
  private String itemId;
  private int position;
  private double propensity;
  private double label;
  private double value;

  private DecodeFailure failure;

  // bits of `seen`, one per known top-level field
  private static final int F_V = 1;
  private static final int F_TYPE = 1 << 1;
  private static final int F_TS = 1 << 2;
  private static final int F_MODEL = 1 << 3;
  private static final int F_REQUEST_ID = 1 << 4;
  private static final int F_IMPRESSION_ID = 1 << 5;
  private static final int F_ID = 1 << 6;
  private static final int F_ITEM_ID = 1 << 7;
  private static final int F_POSITION = 1 << 8;
  private static final int F_PROPENSITY = 1 << 9;
  private static final int F_LABEL = 1 << 10;
  private static final int F_VALUE = 1 << 11;
  private static final int F_USER = 1 << 12;
  private static final int F_CONTEXT = 1 << 13;
  private static final int F_FEATURES = 1 << 14;
  private static final int F_CANDIDATES = 1 << 15;

  public EventDecoder(DecoderConfig config) {
    this(config, true);
  }

  /**
   * @param scannerEnabled false decodes every record with the Jackson path alone (tests compare the
   *     two paths)
   */
  EventDecoder(DecoderConfig config, boolean scannerEnabled) {
    this.config = config;
    this.scannerEnabled = scannerEnabled;
    this.hasher = new FeatureHasher(config.hashBits(), config.seed());
    List<String> names = new ArrayList<>();
    int crossCount = config.crosses().size();
    crossLeft = new int[crossCount];
    crossRight = new int[crossCount];
    for (int c = 0; c < crossCount; c++) {
      FeatureCross cross = config.crosses().get(c);
      crossLeft[c] = indexOf(names, cross.left());
      crossRight[c] = indexOf(names, cross.right());
    }
    crossNames = new char[names.size()][];
    for (int j = 0; j < crossNames.length; j++) {
      crossNames[j] = names.get(j).toCharArray();
    }
    sharedCrossed = new Crossed(crossNames.length);
    candidateCrossed = new Crossed(crossNames.length * 16);
    this.factory =
        JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // so NaN is NON_FINITE_NUMBER
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION) // no record bytes in details
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxNumberLength(400)
                    .maxStringLength(Math.max(1024, config.maxRecordBytes()))
                    .build())
            .build();
  }

  /** The hasher features are hashed with. */
  public FeatureHasher hasher() {
    return hasher;
  }

  /** Decodes a whole array; see {@link #decode(byte[], int, int)}. */
  public Event decode(byte[] data) {
    return decode(data, 0, data == null ? 0 : data.length);
  }

  /**
   * Decodes {@code data[offset, offset + length)}. Never throws.
   *
   * @return the event, or {@code null} if the record breaks the contract ({@link #failure()} says
   *     why)
   */
  public Event decode(byte[] data, int offset, int length) {
    failure = null;
    try {
      if (data == null || length == 0) {
        throw new Reject(DlqReason.MALFORMED_JSON, "empty record");
      }
      if (length > config.maxRecordBytes()) {
        throw new Reject(
            DlqReason.TOO_LARGE,
            "record of " + length + " bytes exceeds the limit of " + config.maxRecordBytes());
      }
      reset();
      if (scannerEnabled) {
        try {
          pos = offset;
          scan(data, offset + length);
          validate();
          Event e = build();
          scanned++;
          return e;
        } catch (GiveUp | Reject notCommon) {
          reset(); // and decode it again with Jackson, which says what is wrong
        } finally {
          in = null;
        }
      }
      try (JsonParser p = factory.createParser(data, offset, length)) {
        parse(p);
      }
      validate();
      return build();
    } catch (Reject r) {
      failure = new DecodeFailure(r.reason, r.getMessage());
    } catch (StreamConstraintsException e) {
      failure = new DecodeFailure(DlqReason.TOO_LARGE, e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
      failure = new DecodeFailure(DlqReason.MALFORMED_JSON, e.getOriginalMessage() + where);
    } catch (IOException e) {
      failure = new DecodeFailure(DlqReason.MALFORMED_JSON, String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      // Never expected (the fuzz test asserts it); one bad record must not fail the job.
      failure = new DecodeFailure(DlqReason.DECODER_ERROR, e.toString());
    }
    return null;
  }

  /** How many records the scanner decoded (without Jackson), for tests. */
  long scanned() {
    return scanned;
  }

  /** Why the last {@link #decode} returned null; null after a success. */
  public DecodeFailure failure() {
    return failure;
  }

  private void reset() {
    shared.size = 0;
    candidates.size = 0;
    candidateCrosses.size = 0;
    sharedCrossed.clear(0, crossNames.length);
    Arrays.fill(candidateIds, 0, candidateCount, null);
    candidateCount = 0;
    seen = 0;
    type = null;
    ts = 0;
    model = null;
    requestId = null;
    impressionId = null;
    id = null;
    itemId = null;
    position = Event.NO_POSITION;
    propensity = Double.NaN;
    label = Double.NaN;
    value = Double.NaN;
  }

  // ---------------------------------------------------------------- parsing

  private void parse(JsonParser p) throws IOException, Reject {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new Reject(DlqReason.MALFORMED_JSON, "an event must be a JSON object");
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "v" -> {
          mark(F_V, field);
          if (t != JsonToken.VALUE_NUMBER_INT
              || p.getNumberType() != JsonParser.NumberType.INT
              || p.getIntValue() != 1) {
            throw new Reject(
                DlqReason.UNSUPPORTED_VERSION,
                "v must be 1, got " + (t == null ? "nothing" : clip(p.getText())));
          }
        }
        case "type" -> {
          mark(F_TYPE, field);
          type = readType(p, t);
        }
        case "ts" -> {
          mark(F_TS, field);
          ts = readTs(p, t);
        }
        case "model" -> {
          mark(F_MODEL, field);
          model = readModel(p, t);
        }
        case "requestId" -> {
          mark(F_REQUEST_ID, field);
          requestId = readId(p, t, field);
        }
        case "impressionId" -> {
          mark(F_IMPRESSION_ID, field);
          impressionId = readId(p, t, field);
        }
        case "id" -> {
          mark(F_ID, field);
          id = readId(p, t, field);
        }
        case "itemId" -> {
          mark(F_ITEM_ID, field);
          itemId = readId(p, t, field);
        }
        case "position" -> {
          mark(F_POSITION, field);
          position = readPosition(p, t);
        }
        case "propensity" -> {
          mark(F_PROPENSITY, field);
          propensity = readNumber(p, t, field);
          if (!Double.isNaN(propensity) && !(propensity > 0 && propensity <= 1)) {
            throw new Reject(
                DlqReason.INVALID_FIELD, "propensity must be in (0, 1], got " + propensity);
          }
        }
        case "label" -> {
          mark(F_LABEL, field);
          label = readNumber(p, t, field);
        }
        case "value" -> {
          mark(F_VALUE, field);
          value = readNumber(p, t, field);
        }
        case "user" -> readFeatureField(p, t, field, F_USER);
        case "context" -> readFeatureField(p, t, field, F_CONTEXT);
        case "features" -> readFeatureField(p, t, field, F_FEATURES);
        case "candidates" -> {
          mark(F_CANDIDATES, field);
          readCandidates(p, t);
        }
        default -> p.skipChildren(); // unknown fields are ignored
      }
    }
    if (p.nextToken() != null) {
      throw new Reject(DlqReason.MALFORMED_JSON, "trailing content after the event object");
    }
  }

  private void mark(int bit, String field) throws Reject {
    if ((seen & bit) != 0) {
      throw new Reject(DlqReason.INVALID_FIELD, "duplicate field " + field);
    }
    seen |= bit;
  }

  private static EventType readType(JsonParser p, JsonToken t) throws IOException, Reject {
    if (t != JsonToken.VALUE_STRING) {
      throw new Reject(DlqReason.UNKNOWN_TYPE, "type must be a string, got " + t);
    }
    char[] text = p.getTextCharacters();
    int off = p.getTextOffset();
    int len = p.getTextLength();
    for (EventType candidate : TYPES) {
      String json = candidate.json();
      if (json.length() == len && regionEquals(json, text, off)) {
        return candidate;
      }
    }
    throw new Reject(DlqReason.UNKNOWN_TYPE, "unknown type '" + clip(p.getText()) + "'");
  }

  private static long readTs(JsonParser p, JsonToken t) throws IOException, Reject {
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (!Double.isFinite(d)) {
        throw new Reject(DlqReason.NON_FINITE_NUMBER, "ts is " + d);
      }
    }
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw new Reject(DlqReason.INVALID_FIELD, "ts must be an integer (epoch ms), got " + t);
    }
    JsonParser.NumberType nt = p.getNumberType();
    if (nt != JsonParser.NumberType.INT && nt != JsonParser.NumberType.LONG) {
      throw new Reject(DlqReason.INVALID_FIELD, "ts out of range: " + clip(p.getText()));
    }
    long v = p.getLongValue();
    if (v < MIN_TS || v >= MAX_TS) {
      throw new Reject(
          DlqReason.INVALID_FIELD,
          "ts must be epoch milliseconds in [2000-01-01, 2100-01-01), got " + v);
    }
    return v;
  }

  private String readModel(JsonParser p, JsonToken t) throws IOException, Reject {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    checkIdToken(p, t, "model");
    char[] text = p.getTextCharacters();
    int off = p.getTextOffset();
    int len = p.getTextLength();
    if (lastModel.length() == len && regionEquals(lastModel, text, off)) {
      return lastModel; // model ids repeat: reuse the string
    }
    lastModel = new String(text, off, len);
    return lastModel;
  }

  private static String readId(JsonParser p, JsonToken t, String field) throws IOException, Reject {
    if (t == JsonToken.VALUE_NULL) {
      return null; // same as absent
    }
    checkIdToken(p, t, field);
    return p.getText();
  }

  private static void checkIdToken(JsonParser p, JsonToken t, String field)
      throws IOException, Reject {
    if (t != JsonToken.VALUE_STRING) {
      throw new Reject(DlqReason.INVALID_FIELD, field + " must be a string, got " + t);
    }
    int len = p.getTextLength();
    if (len == 0) {
      throw new Reject(DlqReason.INVALID_FIELD, field + " must not be empty");
    }
    if (len > MAX_ID_LENGTH) {
      throw new Reject(
          DlqReason.INVALID_FIELD,
          field + " is " + len + " chars long, more than " + MAX_ID_LENGTH);
    }
  }

  private static int readPosition(JsonParser p, JsonToken t) throws IOException, Reject {
    if (t == JsonToken.VALUE_NULL) {
      return Event.NO_POSITION;
    }
    if (t != JsonToken.VALUE_NUMBER_INT
        || p.getNumberType() != JsonParser.NumberType.INT
        || p.getIntValue() < 0) {
      throw new Reject(
          DlqReason.INVALID_FIELD,
          "position must be a non-negative integer, got "
              + (t == null ? "nothing" : clip(p.getText())));
    }
    return p.getIntValue();
  }

  /** A finite number, or NaN for null (absent). */
  private static double readNumber(JsonParser p, JsonToken t, String field)
      throws IOException, Reject {
    if (t == JsonToken.VALUE_NULL) {
      return Double.NaN;
    }
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new Reject(DlqReason.INVALID_FIELD, field + " must be a number, got " + t);
    }
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw new Reject(DlqReason.NON_FINITE_NUMBER, field + " is not finite: " + clip(p.getText()));
    }
    return d;
  }

  private void readFeatureField(JsonParser p, JsonToken t, String field, int bit)
      throws IOException, Reject {
    mark(bit, field);
    if (t == JsonToken.VALUE_NULL) {
      seen &= ~bit; // null is the same as absent
      return;
    }
    readFeatures(p, t, field, shared);
  }

  /** Hashes the flat feature object at the parser into {@code out}. */
  private void readFeatures(JsonParser p, JsonToken t, String field, FeatureBuffer out)
      throws IOException, Reject {
    if (t != JsonToken.START_OBJECT) {
      throw new Reject(DlqReason.INVALID_FIELD, field + " must be a JSON object, got " + t);
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      copyName(p.currentName());
      JsonToken v = p.nextToken();
      switch (v) {
        case VALUE_STRING ->
            addFeature(
                out,
                hasher.categoricalKey(
                    name,
                    0,
                    nameLength,
                    p.getTextCharacters(),
                    p.getTextOffset(),
                    p.getTextLength()),
                1.0,
                false);
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
          double d = p.getDoubleValue();
          if (!Double.isFinite(d)) {
            throw new Reject(
                DlqReason.NON_FINITE_NUMBER,
                "feature "
                    + field
                    + "."
                    + nameForDetail()
                    + " is not finite: "
                    + clip(p.getText()));
          }
          addFeature(out, hasher.numericKey(name, 0, nameLength), d, true);
        }
        case VALUE_TRUE ->
            addFeature(out, hasher.categoricalKey(name, 0, nameLength, TRUE, 0, 4), 1.0, false);
        case VALUE_FALSE ->
            addFeature(out, hasher.categoricalKey(name, 0, nameLength, FALSE, 0, 5), 1.0, false);
        case VALUE_NULL -> {} // a null value is the same as an absent feature
        default ->
            throw new Reject(
                DlqReason.INVALID_FIELD,
                "feature "
                    + field
                    + "."
                    + nameForDetail()
                    + " must be a string, number or boolean, got "
                    + v);
      }
      if (shared.size + candidates.size > config.maxFeatures()) {
        throw new Reject(
            DlqReason.TOO_LARGE, "more than " + config.maxFeatures() + " features in one event");
      }
    }
  }

  /**
   * Adds the feature with full key {@code key} to {@code out} and, if its name takes part in a
   * cross, remembers it for {@link #addCrosses()}: in the shared scope, or in the scope of the
   * candidate being read when {@code out} is the candidates' buffer.
   */
  private void addFeature(FeatureBuffer out, int key, double value, boolean isNumeric) {
    out.add(hasher.bucket(key), value, isNumeric);
    if (crossNames.length == 0) {
      return;
    }
    int j = crossedName();
    if (j < 0) {
      return;
    }
    if (out == candidates) {
      candidateCrossed.set(candidateCount * crossNames.length + j, key, value, isNumeric);
    } else {
      sharedCrossed.set(j, key, value, isNumeric);
    }
  }

  /** Index of the feature name in {@link #name} among the crossed names, or -1. */
  private int crossedName() {
    for (int j = 0; j < crossNames.length; j++) {
      char[] n = crossNames[j];
      if (n.length == nameLength && Arrays.equals(n, 0, nameLength, name, 0, nameLength)) {
        return j;
      }
    }
    return -1;
  }

  private void copyName(String n) throws Reject {
    int len = n.length();
    if (len == 0) {
      throw new Reject(DlqReason.INVALID_FIELD, "feature names must not be empty");
    }
    if (len > name.length) {
      name = new char[Math.max(len, name.length * 2)];
    }
    n.getChars(0, len, name, 0);
    nameLength = len;
  }

  private String nameForDetail() {
    return clip(new String(name, 0, nameLength));
  }

  private void readCandidates(JsonParser p, JsonToken t) throws IOException, Reject {
    if (t != JsonToken.START_ARRAY) {
      throw new Reject(DlqReason.INVALID_FIELD, "candidates must be an array, got " + t);
    }
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.START_OBJECT) {
        throw new Reject(
            DlqReason.INVALID_FIELD, "candidates[" + candidateCount + "] must be an object");
      }
      if (candidateCount == config.maxCandidates()) {
        throw new Reject(
            DlqReason.TOO_LARGE, "more than " + config.maxCandidates() + " candidates");
      }
      String item = null;
      boolean features = false;
      if (crossNames.length > 0) {
        candidateCrossed.ensure((candidateCount + 1) * crossNames.length);
        candidateCrossed.clear(candidateCount * crossNames.length, crossNames.length);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (field.equals("itemId")) {
          if (item != null) {
            throw new Reject(
                DlqReason.INVALID_FIELD, "duplicate candidates[" + candidateCount + "].itemId");
          }
          item = readId(p, v, "candidates[" + candidateCount + "].itemId");
        } else if (field.equals("features")) {
          if (features) {
            throw new Reject(
                DlqReason.INVALID_FIELD, "duplicate candidates[" + candidateCount + "].features");
          }
          features = true;
          if (v != JsonToken.VALUE_NULL) {
            readFeatures(p, v, "candidates[" + candidateCount + "].features", candidates);
          }
        } else {
          p.skipChildren();
        }
      }
      if (item == null) {
        throw new Reject(
            DlqReason.MISSING_FIELD, "candidates[" + candidateCount + "].itemId is missing");
      }
      if (candidateCount == candidateIds.length) {
        candidateIds = Arrays.copyOf(candidateIds, candidateCount * 2);
        candidateEnds = Arrays.copyOf(candidateEnds, candidateCount * 2);
      }
      candidateIds[candidateCount] = item;
      candidateEnds[candidateCount] = candidates.size;
      candidateCount++;
    }
    if (candidateCount == 0) {
      throw new Reject(DlqReason.INVALID_FIELD, "candidates must not be empty");
    }
  }

  // ---------------------------------------------------------------- the scanner

  // The scanner reads the common shape of an event straight from the bytes; it throws GIVE_UP at
  // anything else, and decode() runs the Jackson path instead. It must never accept a record the
  // Jackson path rejects, nor decode one differently: EventDecoderScannerTest compares the paths.

  /** Longest field or feature name the scanner reads (Jackson's limit is far above). */
  private static final int SCAN_MAX_NAME = 1024;

  /** Longest number token the scanner reads (Jackson's limit, 400 chars, is above). */
  private static final int SCAN_MAX_NUMBER = 64;

  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = p; // exact: 10^22 < 2^53 · 2^22 and 5^22 < 2^53
      p *= 10;
    }
  }

  private static final byte[] N_V = ascii("v");
  private static final byte[] N_TYPE = ascii("type");
  private static final byte[] N_TS = ascii("ts");
  private static final byte[] N_MODEL = ascii("model");
  private static final byte[] N_REQUEST_ID = ascii("requestId");
  private static final byte[] N_IMPRESSION_ID = ascii("impressionId");
  private static final byte[] N_ID = ascii("id");
  private static final byte[] N_ITEM_ID = ascii("itemId");
  private static final byte[] N_POSITION = ascii("position");
  private static final byte[] N_PROPENSITY = ascii("propensity");
  private static final byte[] N_LABEL = ascii("label");
  private static final byte[] N_VALUE = ascii("value");
  private static final byte[] N_USER = ascii("user");
  private static final byte[] N_CONTEXT = ascii("context");
  private static final byte[] N_FEATURES = ascii("features");
  private static final byte[] N_CANDIDATES = ascii("candidates");
  private static final byte[][] TYPE_NAMES = new byte[TYPES.length][];

  static {
    for (EventType t : TYPES) {
      TYPE_NAMES[t.ordinal()] = ascii(t.json());
    }
  }

  private static final GiveUp GIVE_UP = new GiveUp();

  // scanner position, and the last string or number it read
  private byte[] in;
  private int pos;
  private int end;
  private int strFrom;
  private int strTo;
  // whether the last string is its bytes [strFrom, strTo) (ASCII, no escape), else chars[0,
  // charCount)
  private boolean strPlain;
  private char[] chars = new char[64];
  private int charCount;
  private boolean numIsInteger;
  private long numInteger;
  private double numDouble;

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Scans the event in {@code data[pos, to)} into the decoder's fields and buffers. */
  private void scan(byte[] data, int to) throws GiveUp {
    in = data;
    end = to;
    skipWhitespace();
    expect('{');
    skipWhitespace();
    do {
      skipWhitespace();
      scanName();
      if (!strPlain) {
        throw GIVE_UP; // an escaped name may be a known one
      }
      int nameFrom = strFrom;
      int nameTo = strTo;
      skipWhitespace();
      expect(':');
      skipWhitespace();
      scanField(nameFrom, nameTo - nameFrom);
      skipWhitespace();
    } while (separator('}'));
    skipWhitespace();
    if (pos != end) {
      throw GIVE_UP;
    }
  }

  private void scanField(int nameFrom, int nameLen) throws GiveUp {
    byte[] b = in;
    switch (nameLen) {
      case 1 -> {
        if (is(b, nameFrom, N_V)) {
          scanMark(F_V);
          scanNumber();
          if (!numIsInteger || numInteger != 1) {
            throw GIVE_UP;
          }
          return;
        }
      }
      case 2 -> {
        if (is(b, nameFrom, N_TS)) {
          scanMark(F_TS);
          scanNumber();
          if (!numIsInteger || numInteger < MIN_TS || numInteger >= MAX_TS) {
            throw GIVE_UP;
          }
          ts = numInteger;
          return;
        }
        if (is(b, nameFrom, N_ID)) {
          scanMark(F_ID);
          id = scanNull() ? null : scanId(); // null: as if absent
          return;
        }
      }
      case 4 -> {
        if (is(b, nameFrom, N_TYPE)) {
          scanMark(F_TYPE);
          scanString();
          type = scanType();
          return;
        }
        if (is(b, nameFrom, N_USER)) {
          scanSharedFeatures(F_USER);
          return;
        }
      }
      case 5 -> {
        if (is(b, nameFrom, N_MODEL)) {
          scanMark(F_MODEL);
          model = scanNull() ? null : scanModel();
          return;
        }
        if (is(b, nameFrom, N_LABEL)) {
          scanMark(F_LABEL);
          label = scanNull() ? Double.NaN : scanDouble();
          return;
        }
        if (is(b, nameFrom, N_VALUE)) {
          scanMark(F_VALUE);
          value = scanNull() ? Double.NaN : scanDouble();
          return;
        }
      }
      case 6 -> {
        if (is(b, nameFrom, N_ITEM_ID)) {
          scanMark(F_ITEM_ID);
          itemId = scanNull() ? null : scanId(); // null: as if absent
          return;
        }
      }
      case 7 -> {
        if (is(b, nameFrom, N_CONTEXT)) {
          scanSharedFeatures(F_CONTEXT);
          return;
        }
      }
      case 8 -> {
        if (is(b, nameFrom, N_POSITION)) {
          scanMark(F_POSITION);
          if (scanNull()) {
            position = Event.NO_POSITION;
            return;
          }
          scanNumber();
          if (!numIsInteger || numInteger < 0 || numInteger > Integer.MAX_VALUE) {
            throw GIVE_UP;
          }
          position = (int) numInteger;
          return;
        }
        if (is(b, nameFrom, N_FEATURES)) {
          scanSharedFeatures(F_FEATURES);
          return;
        }
      }
      case 9 -> {
        if (is(b, nameFrom, N_REQUEST_ID)) {
          scanMark(F_REQUEST_ID);
          requestId = scanNull() ? null : scanId(); // null: as if absent
          return;
        }
      }
      case 10 -> {
        if (is(b, nameFrom, N_PROPENSITY)) {
          scanMark(F_PROPENSITY);
          propensity = scanNull() ? Double.NaN : scanDouble();
          if (!Double.isNaN(propensity) && !(propensity > 0 && propensity <= 1)) {
            throw GIVE_UP;
          }
          return;
        }
        if (is(b, nameFrom, N_CANDIDATES)) {
          scanMark(F_CANDIDATES);
          scanCandidates();
          return;
        }
      }
      case 12 -> {
        if (is(b, nameFrom, N_IMPRESSION_ID)) {
          scanMark(F_IMPRESSION_ID);
          impressionId = scanNull() ? null : scanId(); // null: as if absent
          return;
        }
      }
      default -> {}
    }
    scanScalar(); // an unknown field
  }

  /** A feature object of the shared scope, or null: as if absent (a second one is no duplicate). */
  private void scanSharedFeatures(int bit) throws GiveUp {
    scanMark(bit);
    if (scanNull()) {
      seen &= ~bit;
    } else {
      scanFeatures(shared);
    }
  }

  /** Whether a {@code null} is at {@code pos}; moves past it if so. */
  private boolean scanNull() throws GiveUp {
    if (pos < end && in[pos] == 'n') {
      literal(NULL);
      return true;
    }
    return false;
  }

  private void scanMark(int bit) throws GiveUp {
    if ((seen & bit) != 0) {
      throw GIVE_UP;
    }
    seen |= bit;
  }

  private EventType scanType() throws GiveUp {
    if (!strPlain) {
      throw GIVE_UP;
    }
    int len = strTo - strFrom;
    for (EventType t : TYPES) {
      byte[] n = TYPE_NAMES[t.ordinal()];
      if (n.length == len && is(in, strFrom, n)) {
        return t;
      }
    }
    throw GIVE_UP;
  }

  /** An id string (1 to MAX_ID_LENGTH chars). */
  private String scanId() throws GiveUp {
    scanString();
    int len = strPlain ? strTo - strFrom : charCount;
    if (len == 0 || len > MAX_ID_LENGTH) {
      throw GIVE_UP;
    }
    // printable ASCII: one byte per char, Latin-1 decoding is a copy
    return strPlain
        ? new String(in, strFrom, len, StandardCharsets.ISO_8859_1)
        : new String(chars, 0, len);
  }

  private String scanModel() throws GiveUp {
    scanString();
    if (!strPlain) {
      String id = new String(chars, 0, charCount);
      if (charCount == 0 || charCount > MAX_ID_LENGTH) {
        throw GIVE_UP;
      }
      lastModel = id.equals(lastModel) ? lastModel : id;
      return lastModel;
    }
    int len = strTo - strFrom;
    if (len == 0 || len > MAX_ID_LENGTH) {
      throw GIVE_UP;
    }
    if (lastModel.length() == len) {
      int i = 0;
      while (i < len && lastModel.charAt(i) == in[strFrom + i]) {
        i++;
      }
      if (i == len) {
        return lastModel; // model ids repeat: reuse the string
      }
    }
    lastModel = new String(in, strFrom, len, StandardCharsets.ISO_8859_1);
    return lastModel;
  }

  /** A number that must be finite (it is by construction). */
  private double scanDouble() throws GiveUp {
    scanNumber();
    return numDouble;
  }

  /** Hashes the flat feature object at {@code pos} into {@code out}. */
  private void scanFeatures(FeatureBuffer out) throws GiveUp {
    expect('{');
    skipWhitespace();
    if (pos < end && in[pos] == '}') {
      pos++;
      return;
    }
    do {
      skipWhitespace();
      scanName();
      int len = strPlain ? strTo - strFrom : charCount;
      if (len == 0) {
        throw GIVE_UP;
      }
      if (len > name.length) {
        name = new char[Math.max(len, name.length * 2)];
      }
      if (strPlain) {
        for (int i = 0; i < len; i++) {
          name[i] = (char) in[strFrom + i];
        }
      } else {
        System.arraycopy(chars, 0, name, 0, len);
      }
      nameLength = len;
      skipWhitespace();
      expect(':');
      skipWhitespace();
      if (pos == end) {
        throw GIVE_UP;
      }
      byte c = in[pos];
      if (c == '"') {
        scanString();
        if (strPlain) {
          int n = strTo - strFrom;
          if (n > text.length) {
            text = new char[Math.max(n, text.length * 2)];
          }
          for (int i = 0; i < n; i++) {
            text[i] = (char) in[strFrom + i];
          }
          addFeature(out, hasher.categoricalKey(name, 0, nameLength, text, 0, n), 1.0, false);
        } else {
          addFeature(
              out, hasher.categoricalKey(name, 0, nameLength, chars, 0, charCount), 1.0, false);
        }
      } else if (c == 't') {
        literal(TRUE);
        addFeature(out, hasher.categoricalKey(name, 0, nameLength, TRUE, 0, 4), 1.0, false);
      } else if (c == 'n') {
        literal(NULL); // a null value: as if the feature were absent
      } else if (c == 'f') {
        literal(FALSE);
        addFeature(out, hasher.categoricalKey(name, 0, nameLength, FALSE, 0, 5), 1.0, false);
      } else {
        scanNumber(); // anything else gives up here
        addFeature(out, hasher.numericKey(name, 0, nameLength), numDouble, true);
      }
      if (shared.size + candidates.size > config.maxFeatures()) {
        throw GIVE_UP;
      }
      skipWhitespace();
    } while (separator('}'));
  }

  private void scanCandidates() throws GiveUp {
    expect('[');
    do {
      skipWhitespace();
      expect('{');
      if (candidateCount == config.maxCandidates()) {
        throw GIVE_UP;
      }
      if (crossNames.length > 0) {
        candidateCrossed.ensure((candidateCount + 1) * crossNames.length);
        candidateCrossed.clear(candidateCount * crossNames.length, crossNames.length);
      }
      String item = null;
      boolean features = false;
      do {
        skipWhitespace();
        scanName();
        if (!strPlain) {
          throw GIVE_UP; // an escaped name may be a known one
        }
        int nameFrom = strFrom;
        int nameLen = strTo - strFrom;
        skipWhitespace();
        expect(':');
        skipWhitespace();
        if (nameLen == 6 && is(in, nameFrom, N_ITEM_ID)) {
          if (item != null) {
            throw GIVE_UP;
          }
          item = scanNull() ? null : scanId(); // as Jackson: a null item id is absent
        } else if (nameLen == 8 && is(in, nameFrom, N_FEATURES)) {
          if (features) {
            throw GIVE_UP;
          }
          features = true;
          if (!scanNull()) {
            scanFeatures(candidates);
          }
        } else {
          scanScalar();
        }
        skipWhitespace();
      } while (separator('}'));
      if (item == null) {
        throw GIVE_UP;
      }
      if (candidateCount == candidateIds.length) {
        candidateIds = Arrays.copyOf(candidateIds, candidateCount * 2);
        candidateEnds = Arrays.copyOf(candidateEnds, candidateCount * 2);
      }
      candidateIds[candidateCount] = item;
      candidateEnds[candidateCount] = candidates.size;
      candidateCount++;
      skipWhitespace();
    } while (separator(']'));
  }

  /** Skips the value of an unknown field: a string, number, boolean or null (else gives up). */
  private void scanScalar() throws GiveUp {
    if (pos == end) {
      throw GIVE_UP;
    }
    switch (in[pos]) {
      case '"' -> scanString();
      case 't' -> literal(TRUE);
      case 'f' -> literal(FALSE);
      case 'n' -> literal(NULL);
      default -> scanNumber();
    }
  }

  /** A field name: a string of at most SCAN_MAX_NAME chars (Jackson bounds names too). */
  private void scanName() throws GiveUp {
    scanString();
    if (strTo - strFrom > SCAN_MAX_NAME) {
      throw GIVE_UP;
    }
  }

  /**
   * A string at {@code pos}; moves past its closing quote and sets {@code [strFrom, strTo)} to the
   * bytes between the quotes. Printable ASCII without escapes is {@code strPlain}: those bytes are
   * the chars. Otherwise the chars are decoded into {@code chars[0, charCount)}: well-formed UTF-8
   * (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF) and the escapes {@code \" \\ \/
   * \b \f \n \r \t \}{@code uXXXX} except surrogates; gives up on anything else (a control char,
   * malformed UTF-8, another escape, an escaped surrogate), which Jackson then judges.
   */
  private void scanString() throws GiveUp {
    byte[] b = in;
    int p = pos;
    if (p == end || b[p] != '"') {
      throw GIVE_UP;
    }
    int from = ++p;
    int to = end;
    while (p < to) {
      byte c = b[p];
      if (c == '"') {
        strFrom = from;
        strTo = p;
        strPlain = true;
        pos = p + 1;
        return;
      }
      if (c < 0x20 || c == '\\') { // negative: a byte >= 0x80
        scanDecoded(from, p);
        return;
      }
      p++;
    }
    throw GIVE_UP;
  }

  /** The rest of {@link #scanString} from {@code p}, where a non-ASCII byte or an escape is. */
  private void scanDecoded(int from, int p) throws GiveUp {
    byte[] b = in;
    int to = end;
    int n = 0;
    if (chars.length < to - from) {
      chars = new char[Math.max(to - from, chars.length * 2)]; // never more chars than bytes
    }
    char[] out = chars;
    for (int i = from; i < p; i++) {
      out[n++] = (char) b[i];
    }
    while (p < to) {
      int c = b[p];
      if (c == '"') {
        strFrom = from;
        strTo = p;
        strPlain = false;
        charCount = n;
        pos = p + 1;
        return;
      }
      if (c >= 0x20 && c != '\\') {
        out[n++] = (char) c;
        p++;
      } else if (c == '\\') {
        if (p + 1 >= to) {
          throw GIVE_UP;
        }
        switch (b[p + 1]) {
          case '"' -> out[n++] = '"';
          case '\\' -> out[n++] = '\\';
          case '/' -> out[n++] = '/';
          case 'b' -> out[n++] = '\b';
          case 'f' -> out[n++] = '\f';
          case 'n' -> out[n++] = '\n';
          case 'r' -> out[n++] = '\r';
          case 't' -> out[n++] = '\t';
          case 'u' -> {
            if (p + 6 > to) {
              throw GIVE_UP;
            }
            int v = 0;
            for (int k = p + 2; k < p + 6; k++) {
              int h = Character.digit(b[k], 16);
              if (h < 0 || b[k] < 0) {
                throw GIVE_UP;
              }
              v = (v << 4) | h;
            }
            if (v >= 0xD800 && v <= 0xDFFF) {
              throw GIVE_UP; // pairing rules: left to Jackson
            }
            out[n++] = (char) v;
            p += 4;
          }
          default -> throw GIVE_UP;
        }
        p += 2;
      } else if (c >= 0) {
        throw GIVE_UP; // a control char
      } else {
        int lead = c & 0xFF;
        if (lead >= 0xC2 && lead <= 0xDF) {
          int b1 = continuation(p + 1, 0x80, 0xBF);
          out[n++] = (char) (((lead & 0x1F) << 6) | b1);
          p += 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
          int b1 =
              continuation(
                  p + 1, lead == 0xE0 ? 0xA0 : 0x80, lead == 0xED ? 0x9F : 0xBF); // no surrogates
          int b2 = continuation(p + 2, 0x80, 0xBF);
          out[n++] = (char) (((lead & 0x0F) << 12) | (b1 << 6) | b2);
          p += 3;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
          int b1 = continuation(p + 1, lead == 0xF0 ? 0x90 : 0x80, lead == 0xF4 ? 0x8F : 0xBF);
          int b2 = continuation(p + 2, 0x80, 0xBF);
          int b3 = continuation(p + 3, 0x80, 0xBF);
          int codePoint = ((lead & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
          out[n++] = Character.highSurrogate(codePoint);
          out[n++] = Character.lowSurrogate(codePoint);
          p += 4;
        } else {
          throw GIVE_UP; // not a lead byte, or an overlong or out-of-range one
        }
      }
    }
    throw GIVE_UP;
  }

  /** The low 6 bits of the continuation byte at {@code i}, which must be in {@code [min, max]}. */
  private int continuation(int i, int min, int max) throws GiveUp {
    if (i >= end) {
      throw GIVE_UP;
    }
    int v = in[i] & 0xFF;
    if (v < min || v > max) {
      throw GIVE_UP;
    }
    return v & 0x3F;
  }

  /**
   * A JSON number at {@code pos} as Jackson reads it: an integer of at most 18 digits exactly
   * ({@code numIsInteger}, {@code numInteger}, and {@code numDouble} its conversion), a number with
   * a fraction or an exponent correctly rounded to a double; gives up on anything longer, malformed
   * or not finite.
   */
  private void scanNumber() throws GiveUp {
    byte[] b = in;
    int from = pos;
    int p = from;
    boolean negative = false;
    if (p < end && b[p] == '-') {
      negative = true;
      p++;
    }
    if (p == end) {
      throw GIVE_UP;
    }
    long mantissa = 0;
    int digits = 0; // significant digits in mantissa
    byte c = b[p];
    if (c == '0') {
      p++;
      if (p < end && b[p] >= '0' && b[p] <= '9') {
        throw GIVE_UP; // leading zero: not JSON
      }
    } else if (c >= '1' && c <= '9') {
      while (p < end && (c = b[p]) >= '0' && c <= '9') {
        if (++digits > 18) {
          throw GIVE_UP;
        }
        mantissa = mantissa * 10 + (c - '0');
        p++;
      }
    } else {
      throw GIVE_UP; // NaN, Infinity, '+', '.', or not a number at all
    }
    int scale = 0;
    boolean integer = true;
    if (p < end && b[p] == '.') {
      integer = false;
      p++;
      int fracFrom = p;
      while (p < end && (c = b[p]) >= '0' && c <= '9') {
        if (mantissa != 0 || c != '0') {
          if (++digits > 18) {
            throw GIVE_UP;
          }
        }
        mantissa = mantissa * 10 + (c - '0');
        scale--;
        p++;
      }
      if (p == fracFrom) {
        throw GIVE_UP;
      }
    }
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      integer = false;
      p++;
      boolean negativeExponent = false;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        negativeExponent = b[p] == '-';
        p++;
      }
      int expFrom = p;
      int exponent = 0;
      while (p < end && (c = b[p]) >= '0' && c <= '9') {
        if (p - expFrom >= 4) {
          throw GIVE_UP;
        }
        exponent = exponent * 10 + (c - '0');
        p++;
      }
      if (p == expFrom) {
        throw GIVE_UP;
      }
      scale += negativeExponent ? -exponent : exponent;
    }
    if (p - from > SCAN_MAX_NUMBER) {
      throw GIVE_UP;
    }
    pos = p;
    numIsInteger = integer;
    if (integer) {
      numInteger = negative ? -mantissa : mantissa;
      numDouble = numInteger; // what Jackson's getDoubleValue gives for an int or a long
      return;
    }
    double d;
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      // both operands exact doubles, one correctly rounded operation (Clinger's fast path)
      d = scale < 0 ? mantissa / POWERS_OF_TEN[-scale] : mantissa * POWERS_OF_TEN[scale];
      if (negative) {
        d = -d;
      }
    } else {
      // the token, sign included, correctly rounded like Jackson's parser
      d = Double.parseDouble(new String(b, from, p - from, StandardCharsets.ISO_8859_1));
    }
    if (!Double.isFinite(d)) {
      throw GIVE_UP;
    }
    numDouble = d;
  }

  /** Moves past the literal {@code word} (true, false, null) at {@code pos}. */
  private void literal(char[] word) throws GiveUp {
    int n = word.length;
    if (end - pos < n) {
      throw GIVE_UP;
    }
    for (int i = 0; i < n; i++) {
      if (in[pos + i] != word[i]) {
        throw GIVE_UP;
      }
    }
    pos += n;
    // "truex" or "true1" is not JSON: what follows must end the value
    if (pos < end && !endsValue(in[pos])) {
      throw GIVE_UP;
    }
  }

  private static boolean endsValue(byte c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /** After a member: true at {@code ','} (more follow), false at {@code close}; moves past it. */
  private boolean separator(char close) throws GiveUp {
    if (pos < end) {
      byte c = in[pos++];
      if (c == ',') {
        return true;
      }
      if (c == close) {
        return false;
      }
    }
    throw GIVE_UP;
  }

  private void expect(char c) throws GiveUp {
    if (pos == end || in[pos] != c) {
      throw GIVE_UP;
    }
    pos++;
  }

  private void skipWhitespace() {
    byte[] b = in;
    int p = pos;
    while (p < end) {
      byte c = b[p];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        break;
      }
      p++;
    }
    pos = p;
  }

  private static boolean is(byte[] b, int from, byte[] word) {
    for (int i = 0; i < word.length; i++) {
      if (b[from + i] != word[i]) {
        return false;
      }
    }
    return true;
  }

  /** The scanner's way out: the record is not of the common shape; no stack trace. */
  private static final class GiveUp extends Exception {
    private static final long serialVersionUID = 1L;

    GiveUp() {
      super("not the common shape", null, false, false);
    }
  }

  // ---------------------------------------------------------------- validation

  private void validate() throws Reject {
    require(F_V, "v");
    require(F_TYPE, "type");
    require(F_TS, "ts");
    switch (type) {
      case REQUEST -> {
        requireId(requestId, "requestId");
        require(F_USER, "user");
        require(F_CONTEXT, "context");
        require(F_CANDIDATES, "candidates");
        forbid(F_FEATURES, "features", "user and context");
      }
      case IMPRESSION -> {
        requireId(impressionId, "impressionId");
        requireId(requestId, "requestId");
        requireId(itemId, "itemId");
        if (position == Event.NO_POSITION) {
          throw new Reject(DlqReason.MISSING_FIELD, "position is missing");
        }
        require(F_FEATURES, "features");
        forbidRequestFields();
      }
      case CLICK -> {
        requireId(impressionId, "impressionId");
        forbid(F_FEATURES, "features", "the impression's features");
        forbidRequestFields();
      }
      case EXAMPLE -> {
        requireId(id, "id");
        require(F_FEATURES, "features");
        if (Double.isNaN(label)) {
          throw new Reject(DlqReason.MISSING_FIELD, "label is missing");
        }
        if (config.binaryLabels() && label != 0.0 && label != 1.0) {
          throw new Reject(
              DlqReason.INVALID_FIELD, "label must be 0 or 1 for a log-loss model, got " + label);
        }
        forbidRequestFields();
      }
    }
  }

  private void require(int bit, String field) throws Reject {
    if ((seen & bit) == 0) {
      throw new Reject(DlqReason.MISSING_FIELD, field + " is missing");
    }
  }

  private void requireId(String value, String field) throws Reject {
    if (value == null) {
      throw new Reject(DlqReason.MISSING_FIELD, field + " is missing");
    }
  }

  private void forbid(int bit, String field, String instead) throws Reject {
    if ((seen & bit) != 0) {
      throw new Reject(
          DlqReason.INVALID_FIELD,
          field + " is not a field of a " + type.json() + " (use " + instead + ")");
    }
  }

  private void forbidRequestFields() throws Reject {
    if ((seen & (F_USER | F_CONTEXT | F_CANDIDATES)) != 0) {
      String field =
          (seen & F_USER) != 0 ? "user" : (seen & F_CONTEXT) != 0 ? "context" : "candidates";
      throw new Reject(
          DlqReason.INVALID_FIELD, field + " is only a field of a request, not a " + type.json());
    }
  }

  // ---------------------------------------------------------------- building

  /**
   * Adds the configured crosses: those of two shared features to the shared features, those with a
   * side among a candidate's own features to {@link #candidateCrosses} (per candidate).
   */
  private void addCrosses() {
    int names = crossNames.length;
    for (int c = 0; c < crossLeft.length; c++) {
      int l = crossLeft[c];
      int r = crossRight[c];
      if (sharedCrossed.has[l] && sharedCrossed.has[r]) {
        addCross(shared, sharedCrossed, l, sharedCrossed, r);
      }
    }
    if (type != EventType.REQUEST) {
      return;
    }
    if (candidateCount > candidateCrossEnds.length) {
      candidateCrossEnds = Arrays.copyOf(candidateCrossEnds, candidateIds.length);
    }
    for (int k = 0; k < candidateCount; k++) {
      int base = k * names;
      for (int c = 0; c < crossLeft.length; c++) {
        int l = base + crossLeft[c];
        int r = base + crossRight[c];
        boolean ownLeft = candidateCrossed.has[l];
        boolean ownRight = candidateCrossed.has[r];
        if (ownLeft && ownRight) {
          addCross(candidateCrosses, candidateCrossed, l, candidateCrossed, r);
        } else if (ownLeft && sharedCrossed.has[crossRight[c]]) {
          addCross(candidateCrosses, candidateCrossed, l, sharedCrossed, crossRight[c]);
        } else if (ownRight && sharedCrossed.has[crossLeft[c]]) {
          addCross(candidateCrosses, sharedCrossed, crossLeft[c], candidateCrossed, r);
        }
      }
      candidateCrossEnds[k] = candidateCrosses.size;
    }
  }

  private void addCross(FeatureBuffer out, Crossed left, int l, Crossed right, int r) {
    out.add(
        hasher.cross(left.key[l], right.key[r]),
        left.value[l] * right.value[r],
        left.numeric[l] || right.numeric[r]);
  }

  private Event build() {
    if (crossLeft.length > 0) {
      addCrosses();
    }
    Event e = new Event();
    e.type = type;
    e.ts = ts;
    e.model = model == null ? DEFAULT_MODEL : model;
    int n = shared.size + candidates.size + candidateCrosses.size;
    e.indices = new int[n];
    e.values = new double[n];
    e.numeric = new boolean[n];
    shared.copyTo(0, shared.size, e, 0);
    if (candidateCrosses.size == 0) {
      candidates.copyTo(0, candidates.size, e, shared.size);
    }
    e.sharedCount = shared.size;
    switch (type) {
      case REQUEST -> {
        e.requestId = requestId;
        e.candidateItemIds = Arrays.copyOf(candidateIds, candidateCount);
        e.candidateOffsets = new int[candidateCount + 1];
        e.candidateOffsets[0] = shared.size;
        if (candidateCrosses.size == 0) {
          for (int k = 0; k < candidateCount; k++) {
            e.candidateOffsets[k + 1] = shared.size + candidateEnds[k];
          }
        } else {
          // each candidate's own features, then its crosses
          int at = shared.size;
          for (int k = 0; k < candidateCount; k++) {
            int ownFrom = k == 0 ? 0 : candidateEnds[k - 1];
            int crossFrom = k == 0 ? 0 : candidateCrossEnds[k - 1];
            at += candidates.copyTo(ownFrom, candidateEnds[k], e, at);
            at += candidateCrosses.copyTo(crossFrom, candidateCrossEnds[k], e, at);
            e.candidateOffsets[k + 1] = at;
          }
        }
      }
      case IMPRESSION -> {
        e.impressionId = impressionId;
        e.requestId = requestId;
        e.itemId = itemId;
        e.position = position;
        e.propensity = propensity;
      }
      case CLICK -> {
        e.impressionId = impressionId;
        e.requestId = requestId;
        e.itemId = itemId;
        e.value = value;
      }
      case EXAMPLE -> {
        e.id = id;
        e.label = label;
      }
    }
    return e;
  }

  // ---------------------------------------------------------------- helpers

  private static int indexOf(List<String> names, String name) {
    int j = names.indexOf(name);
    if (j < 0) {
      names.add(name);
      j = names.size() - 1;
    }
    return j;
  }

  private static boolean regionEquals(String s, char[] text, int off) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != text[off + i]) {
        return false;
      }
    }
    return true;
  }

  private static String clip(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  /** Growable parallel arrays of hashed features, reused across events. */
  private static final class FeatureBuffer {
    int[] indices = new int[64];
    double[] values = new double[64];
    boolean[] numeric = new boolean[64];
    int size;

    void add(int index, double value, boolean isNumeric) {
      if (size == indices.length) {
        int capacity = size * 2;
        indices = Arrays.copyOf(indices, capacity);
        values = Arrays.copyOf(values, capacity);
        numeric = Arrays.copyOf(numeric, capacity);
      }
      indices[size] = index;
      values[size] = value;
      numeric[size] = isNumeric;
      size++;
    }

    /** Copies slots {@code [from, to)} into {@code e}'s arrays at {@code at}; returns the count. */
    int copyTo(int from, int to, Event e, int at) {
      int n = to - from;
      System.arraycopy(indices, from, e.indices, at, n);
      System.arraycopy(values, from, e.values, at, n);
      System.arraycopy(numeric, from, e.numeric, at, n);
      return n;
    }
  }

  /** Growable per-name slots of the features that take part in crosses, reused across events. */
  private static final class Crossed {
    boolean[] has;
    int[] key;
    double[] value;
    boolean[] numeric;

    Crossed(int capacity) {
      has = new boolean[capacity];
      key = new int[capacity];
      value = new double[capacity];
      numeric = new boolean[capacity];
    }

    void ensure(int capacity) {
      if (capacity > has.length) {
        int n = Math.max(capacity, has.length * 2);
        has = Arrays.copyOf(has, n);
        key = Arrays.copyOf(key, n);
        value = Arrays.copyOf(value, n);
        numeric = Arrays.copyOf(numeric, n);
      }
    }

    void clear(int from, int count) {
      Arrays.fill(has, from, from + count, false);
    }

    void set(int slot, int k, double v, boolean isNumeric) {
      has[slot] = true;
      key[slot] = k;
      value[slot] = v;
      numeric[slot] = isNumeric;
    }
  }

  /** A contract violation; no stack trace (it is control flow, not a bug). */
  private static final class Reject extends Exception {
    private static final long serialVersionUID = 1L;
    final DlqReason reason;

    Reject(DlqReason reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }
  }
}
