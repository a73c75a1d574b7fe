package dev.flywheel.jobs.events;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@link PredictionJson}'s fast path: writes a prediction's JSON straight into a reused byte array,
 * the same bytes as the Jackson generator writes, for the predictions that make up the stream:
 * every string printable ASCII without a quote or a backslash, every score null or in the fixed
 * form ({@link PredictionJson#MIN_FIXED_SCORE} ≤ score &lt; 1, rounded below 1), every number above
 * {@link Long#MIN_VALUE}. For anything else {@link #write} returns null and the caller takes the
 * generator's path: escapes, other characters and the shortest decimals stay Jackson's, written in
 * one place.
 *
 * <p>Why: the scorer's JSON was about 4 % of the pipeline's samples in run 18's profile; without
 * the generator's bookkeeping per token (context checks, escape tables, a flush) a prediction
 * shaped like the benchmark's took 183 instead of 262 ns in a throwaway loop
 * (docs/bench/pipeline.md, "Eleventh round"). {@code JsonWritersTest} checks that the two paths
 * write the same bytes.
 *
 * <p>Not thread-safe: one per sink task, as the schema.
 */
final class AsciiPredictionWriter {
  private static final byte[] START = ascii("{\"v\":1,\"type\":");
  private static final byte[] MODEL = ascii(",\"model\":");
  private static final byte[] MODEL_VERSION = ascii(",\"modelVersion\":");
  private static final byte[] IMPRESSION_ID = ascii(",\"impressionId\":");
  private static final byte[] ID = ascii(",\"id\":");
  private static final byte[] REQUEST_ID = ascii(",\"requestId\":");
  private static final byte[] ITEM_ID = ascii(",\"itemId\":");
  private static final byte[] RANKING = ascii(",\"ranking\":[");
  private static final byte[] RANKED_ITEM = ascii("{\"itemId\":");
  private static final byte[] SCORE = ascii(",\"score\":");
  private static final byte[] TS = ascii(",\"ts\":");
  private static final byte[] SCORED_AT = ascii(",\"scoredAt\":");
  private static final byte[] NULL = ascii("null");
  private static final byte[][] TYPES = new byte[EventType.values().length][];

  static {
    for (EventType t : EventType.values()) {
      TYPES[t.ordinal()] = ascii("\"" + t.json() + "\"");
    }
  }

  private byte[] buf = new byte[512];
  private int pos;

  /** The JSON of {@code p} as a new array, or null if it needs the generator's path. */
  byte[] write(Prediction p) {
    pos = 0;
    put(START);
    if (p.type == null) {
      put(NULL);
    } else {
      put(TYPES[p.type.ordinal()]);
    }
    put(MODEL);
    if (!string(p.model)) {
      return null;
    }
    put(MODEL_VERSION);
    if (!number(p.modelVersion)) {
      return null;
    }
    if (!optional(IMPRESSION_ID, p.impressionId)
        || !optional(ID, p.id)
        || !optional(REQUEST_ID, p.requestId)
        || !optional(ITEM_ID, p.itemId)) {
      return null;
    }
    if (p.rankedItemIds != null) {
      put(RANKING);
      for (int k = 0; k < p.rankedItemIds.length; k++) {
        if (k > 0) {
          put((byte) ',');
        }
        put(RANKED_ITEM);
        if (!string(p.rankedItemIds[k]) || !score(p.rankedScores[k])) {
          return null;
        }
        put((byte) '}');
      }
      put((byte) ']');
    } else if (!score(p.score)) {
      return null;
    }
    put(TS);
    if (!number(p.eventTs)) {
      return null;
    }
    put(SCORED_AT);
    if (!number(p.scoredAt)) {
      return null;
    }
    put((byte) '}');
    return Arrays.copyOf(buf, pos);
  }

  private boolean optional(byte[] name, String value) {
    if (value == null) {
      return true;
    }
    put(name);
    return string(value);
  }

  /** A JSON string (or null) if every char is printable ASCII other than '"' and '\'. */
  private boolean string(String s) {
    if (s == null) {
      put(NULL);
      return true;
    }
    int n = s.length();
    ensure(n + 2);
    byte[] b = buf;
    int at = pos;
    b[at++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
      b[at++] = (byte) c;
    }
    b[at++] = '"';
    pos = at;
    return true;
  }

  /** A score as {@link PredictionJson} writes it, if null or in the fixed form. */
  private boolean score(double score) {
    put(SCORE);
    if (!Double.isFinite(score)) {
      put(NULL);
      return true;
    }
    int m = PredictionJson.fixedDecimals(score);
    if (m < 0) {
      return false;
    }
    int digits = PredictionJson.DECIMALS;
    while (m % 10 == 0) { // trailing zeros dropped
      m /= 10;
      digits--;
    }
    ensure(2 + digits);
    byte[] b = buf;
    b[pos] = '0';
    b[pos + 1] = '.';
    for (int i = pos + 1 + digits; i >= pos + 2; i--) {
      b[i] = (byte) ('0' + m % 10);
      m /= 10;
    }
    pos += 2 + digits;
    return true;
  }

  /** A long in decimal, if not {@link Long#MIN_VALUE}. */
  private boolean number(long v) {
    if (v == Long.MIN_VALUE) {
      return false;
    }
    ensure(20);
    byte[] b = buf;
    if (v < 0) {
      b[pos++] = '-';
      v = -v;
    }
    int len = 1;
    for (long t = v; t >= 10; t /= 10) {
      len++;
    }
    for (int i = pos + len - 1; i >= pos; i--) {
      b[i] = (byte) ('0' + (int) (v % 10));
      v /= 10;
    }
    pos += len;
    return true;
  }

  private void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  private void put(byte b) {
    ensure(1);
    buf[pos++] = b;
  }

  private void ensure(int more) {
    if (pos + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
