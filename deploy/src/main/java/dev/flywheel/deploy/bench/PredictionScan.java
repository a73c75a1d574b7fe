package dev.flywheel.deploy.bench;

import java.nio.charset.StandardCharsets;

/**
 * Reads the three fields the latency phase needs from a prediction's JSON without a parser, where
 * the JSON has the job's field layout ({@code dev.flywheel.jobs.events.PredictionJson}): {@code
 * modelVersion} third, after {@code v}, {@code type} and {@code model}; {@code ts} and {@code
 * scoredAt} last. It reads about a hundred bytes of a prediction, whatever its ranking's length.
 * Anything else (another layout, a number it cannot read) gives null and the caller parses the
 * whole JSON.
 *
 * <p>Why: the harness reads every prediction while the pipeline runs on the same cores; parsing
 * each with Jackson was 15 % of the harness JVM's Java samples at 45,759 events/s
 * (docs/bench/pipeline.md, "Twelfth round"), CPU the measured job did not get.
 */
final class PredictionScan {
  private static final byte[] HEAD = ascii("{\"v\":1,\"type\":");
  private static final byte[] MODEL = ascii(",\"model\":");
  private static final byte[] MODEL_VERSION = ascii(",\"modelVersion\":");
  private static final byte[] TS = ascii(",\"ts\":");
  private static final byte[] SCORED_AT = ascii(",\"scoredAt\":");
  private static final byte[] NULL = ascii("null");

  /** Longest number read: 18 digits cannot overflow a long. */
  private static final int MAX_DIGITS = 18;

  private PredictionScan() {}

  /** The fields of {@code json}, or null if it does not have the job's layout. */
  static LatencyBench.PredictionFields read(byte[] json) {
    int at = expect(json, 0, HEAD);
    at = skipStringOrNull(json, at);
    at = expect(json, at, MODEL);
    at = skipStringOrNull(json, at);
    at = expect(json, at, MODEL_VERSION);
    if (at < 0) {
      return null;
    }
    int end = numberEnd(json, at);
    if (end < 0 || end >= json.length || (json[end] != ',' && json[end] != '}')) {
      return null;
    }
    long version = number(json, at, end);

    int last = json.length - 1;
    if (last < 0 || json[last] != '}') {
      return null;
    }
    int scoredStart = numberStart(json, last);
    if (scoredStart < 0 || !endsWith(json, scoredStart, SCORED_AT)) {
      return null;
    }
    int tsEnd = scoredStart - SCORED_AT.length;
    int tsStart = numberStart(json, tsEnd);
    if (tsStart < 0 || !endsWith(json, tsStart, TS)) {
      return null;
    }
    return new LatencyBench.PredictionFields(
        version, number(json, tsStart, tsEnd), number(json, scoredStart, last));
  }

  /** The index after {@code word} if {@code b} has it at {@code at}, else -1 (also if at is). */
  private static int expect(byte[] b, int at, byte[] word) {
    if (at < 0 || at + word.length > b.length) {
      return -1;
    }
    for (int i = 0; i < word.length; i++) {
      if (b[at + i] != word[i]) {
        return -1;
      }
    }
    return at + word.length;
  }

  /** Whether {@code b[..end)} ends with {@code word}. */
  private static boolean endsWith(byte[] b, int end, byte[] word) {
    return end - word.length >= 0 && expect(b, end - word.length, word) == end;
  }

  /** The index after the JSON string or {@code null} at {@code at}, else -1. */
  private static int skipStringOrNull(byte[] b, int at) {
    if (at < 0 || at >= b.length) {
      return -1;
    }
    if (b[at] != '"') {
      return expect(b, at, NULL);
    }
    for (int i = at + 1; i < b.length; i++) {
      if (b[i] == '\\') {
        i++; // the escaped byte (a \\u escape's hex digits need no care)
      } else if (b[i] == '"') {
        return i + 1;
      }
    }
    return -1;
  }

  /** The end of the integer starting at {@code at} (an optional minus, 1–18 digits), else -1. */
  private static int numberEnd(byte[] b, int at) {
    int i = at < b.length && b[at] == '-' ? at + 1 : at;
    int digits = i;
    while (i < b.length && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i == digits || i - digits > MAX_DIGITS ? -1 : i;
  }

  /** The start of the integer ending just before {@code end} (as {@link #numberEnd}), else -1. */
  private static int numberStart(byte[] b, int end) {
    int i = end;
    while (i > 0 && b[i - 1] >= '0' && b[i - 1] <= '9') {
      i--;
    }
    if (i == end || end - i > MAX_DIGITS) {
      return -1;
    }
    return i > 0 && b[i - 1] == '-' ? i - 1 : i;
  }

  private static long number(byte[] b, int start, int end) {
    boolean negative = b[start] == '-';
    long v = 0;
    for (int i = negative ? start + 1 : start; i < end; i++) {
      v = 10 * v + (b[i] - '0');
    }
    return negative ? -v : v;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
