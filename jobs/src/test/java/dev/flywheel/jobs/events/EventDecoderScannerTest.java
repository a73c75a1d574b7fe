package dev.flywheel.jobs.events;

import static dev.flywheel.jobs.events.Events.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decoder's scanner against its Jackson path: on every input, a decoder with the scanner and
 * one without return equal events, or failures with the same reason and detail; and the scanner
 * does decode the common shape itself (else the comparison would prove nothing).
 */
class EventDecoderScannerTest {
  private static final DecoderConfig BINARY = Events.config();
  private static final DecoderConfig REGRESSION =
      new DecoderConfig(20, 42, 1 << 20, 10_000, 1_000, false);
  private static final DecoderConfig SMALL = new DecoderConfig(20, 42, 400, 6, 3, true);
  private static final DecoderConfig CROSSED =
      new DecoderConfig(
          20,
          42,
          1 << 20,
          10_000,
          1_000,
          true,
          FeatureCross.parseList("segment*category,country*item,segment*price,price*age", "x"));

  private static final String SYNTHETIC_REQUEST =
      "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r123456\","
          + "\"user\":{\"country\":\"c7\",\"segment\":\"s13\"},\"context\":{\"device\":\"ios\"},"
          + "\"candidates\":[{\"itemId\":\"i417\",\"features\":{\"item\":\"i417\","
          + "\"category\":\"k27\"}},{\"itemId\":\"i3\",\"features\":{\"item\":\"i3\","
          + "\"category\":\"k3\"}},{\"itemId\":\"i999\",\"features\":{\"item\":\"i999\","
          + "\"category\":\"k9\"}}]}";
  private static final String SYNTHETIC_IMPRESSION =
      "{\"v\":1,\"type\":\"impression\",\"ts\":1732700000001,\"impressionId\":\"m123456-0\","
          + "\"requestId\":\"r123456\",\"itemId\":\"i417\",\"position\":0,\"features\":"
          + "{\"country\":\"c7\",\"segment\":\"s13\",\"device\":\"ios\",\"item\":\"i417\","
          + "\"category\":\"k27\"}}";
  private static final String SYNTHETIC_CLICK =
      "{\"v\":1,\"type\":\"click\",\"ts\":1732700000002,\"impressionId\":\"m123456-0\"}";

  private static final List<String> VALID =
      List.of(
          Events.REQUEST,
          Events.IMPRESSION,
          Events.CLICK,
          Events.EXAMPLE,
          SYNTHETIC_REQUEST,
          SYNTHETIC_IMPRESSION,
          SYNTHETIC_CLICK,
          // unknown scalar fields are skipped, at the top and in a candidate
          Events.CLICK.replace(
              "\"value\"", "\"src\":\"app\",\"n\":-5e3,\"ok\":true,\"z\":null,\"value\""),
          Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{\"itemId\":\"i-3\",\"rank\":false}"),
          // UTF-8 of 2, 3 and 4 bytes and escapes, in ids, the model and feature names and values
          Events.IMPRESSION
              .replace("imp-1", "imp-\u00e9\u65e5\ud83d\ude00")
              .replace("\"ctr\"", "\"m\u00fcnchen\"")
              .replace("\"cn\"", "\"\u4e2d\u56fd\"")
              .replace("\"device\"", "\"d\u00e9vice\"")
              .replace("\"item\":\"i-1\"", "\"item\":\"i\\\"1\\\\/\\/\\n\\u00e9\\uFFFF\\u0041\""),
          Events.EXAMPLE.replace("\"day\"", "\"d\\u0061y\""),
          // nulls: as if absent
          Events.CLICK.replace("\"value\":2.0", "\"value\":null,\"requestId\":null"),
          Events.EXAMPLE.replace("\"day\":\"2\"", "\"day\":null"),
          Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{\"itemId\":\"i-3\",\"features\":null}"),
          Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{\"itemId\":null,\"itemId\":\"i-3\"}"),
          Events.REQUEST.replace("\"user\":{", "\"user\":null,\"user\":{"),
          Events.IMPRESSION
              .replace("\"model\":\"ctr\"", "\"model\":null")
              .replace("\"propensity\":0.5", "\"propensity\":null"),
          SYNTHETIC_CLICK.replace("m123456-0", "m\\u0031\\t\u00ff\u0800\uffff\udbff\udfff"));

  /** Decodes {@code input} with and without the scanner and asserts the same outcome. */
  private static void assertSameOutcome(EventDecoder scanning, EventDecoder jackson, byte[] input) {
    Event fast = scanning.decode(input);
    Event slow = jackson.decode(input);
    String shown = new String(input, StandardCharsets.ISO_8859_1);
    assertThat(fast).as("event of %s", shown).isEqualTo(slow);
    assertThat(scanning.failure()).as("failure of %s", shown).isEqualTo(jackson.failure());
  }

  @Test
  void theScannerDecodesTheCommonShapeLikeJackson() {
    for (DecoderConfig config : List.of(BINARY, REGRESSION, CROSSED)) {
      EventDecoder scanning = new EventDecoder(config);
      EventDecoder jackson = new EventDecoder(config, false);
      for (String json : VALID) {
        long before = scanning.scanned();
        assertSameOutcome(scanning, jackson, bytes(json));
        assertThat(jackson.failure()).as("failure of %s", json).isNull();
        assertThat(scanning.scanned()).as("scanned %s", json).isEqualTo(before + 1);
      }
    }
    assertThat(new EventDecoder(BINARY, false).scanned()).isZero();
  }

  @Test
  void jacksonDecodesWhatTheScannerLeaves() {
    EventDecoder scanning = new EventDecoder(BINARY);
    EventDecoder jackson = new EventDecoder(BINARY, false);
    List<String> uncommon =
        List.of(
            // an escaped name or type, an escaped surrogate pair, a nested unknown field, a long
            // decimal, a byte order mark
            Events.CLICK.replace("\"impressionId\"", "\"impression\\u0049d\""),
            Events.CLICK.replace("\"click\"", "\"\\u0063lick\""),
            Events.CLICK.replace("imp-1", "imp-\\ud83d\\ude00"),
            Events.CLICK.replace("\"value\":2.0", "\"extra\":{\"a\":[1,2]}"),
            Events.EXAMPLE.replace("0.056", "0.05600000000000000000001"),
            "\ufeff" + Events.CLICK);
    for (String json : uncommon) {
      assertSameOutcome(scanning, jackson, bytes(json));
      assertThat(scanning.failure()).as("failure of %s", json).isNull();
    }
    assertThat(scanning.scanned()).as("records the scanner decoded itself").isZero();
  }

  @Test
  void rejectedRecordsGetJacksonsReasonAndDetail() {
    EventDecoder scanning = new EventDecoder(BINARY);
    EventDecoder jackson = new EventDecoder(BINARY, false);
    List<String> bad =
        List.of(
            "",
            "{",
            "{}",
            "[]",
            Events.CLICK + "{}",
            Events.CLICK.replace("\"v\":1", "\"v\":2"),
            Events.CLICK.replace("\"v\":1", "\"v\":1.0"),
            Events.CLICK.replace("\"v\":1", "\"v\":01"),
            Events.CLICK.replace("\"v\":1", "\"v\":-1"),
            Events.CLICK.replace("\"v\":1", "\"v\":1,\"v\":1"),
            Events.CLICK.replace("click", "clicks"),
            Events.CLICK.replace("1732700004000", "1732700004"),
            Events.CLICK.replace("1732700004000", "17327000040000000000000"),
            Events.CLICK.replace("1732700004000", "1732700004000.0"),
            Events.CLICK.replace("imp-1", ""),
            Events.CLICK.replace("imp-1", "x".repeat(EventDecoder.MAX_ID_LENGTH + 1)),
            Events.CLICK.replace("2.0", "NaN"),
            Events.CLICK.replace("2.0", "-Infinity"),
            Events.CLICK.replace("2.0", "1e400"),
            Events.CLICK.replace("2.0", "2."),
            Events.CLICK.replace("2.0", ".5"),
            Events.CLICK.replace("2.0", "+2"),
            Events.CLICK.replace("2.0", "2e"),
            Events.CLICK.replace("2.0", "2.0,"),
            Events.CLICK.replace("2.0", "tru"),
            Events.CLICK.replace("2.0", "truex"),
            Events.CLICK.replace("\"value\"", "\"features\""),
            Events.IMPRESSION.replace("\"position\":0", "\"position\":-1"),
            Events.IMPRESSION.replace("\"position\":0", "\"position\":2147483648"),
            Events.IMPRESSION.replace("\"position\":0", "\"position\":1.5"),
            Events.IMPRESSION.replace("0.5", "0"),
            Events.IMPRESSION.replace("0.5", "1.5"),
            Events.IMPRESSION.replace("\"age\":31", "\"age\":[31]"),
            Events.IMPRESSION.replace("\"age\":31", "\"\":31"),
            Events.IMPRESSION.replace("\"age\":31", "\"age\":31,"),
            Events.REQUEST.replace("\"i-3\"", "3"),
            Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{}"),
            Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{\"itemId\":\"a\",\"itemId\":\"b\"}"),
            Events.REQUEST.replace(",\n   {\"itemId\":\"i-3\"}", ",4"),
            Events.EXAMPLE.replace("\"label\":1", "\"label\":0.5"),
            Events.EXAMPLE.replace("\"label\":1", "\"label\":1,\"label\":1"),
            Events.EXAMPLE.replace("\"label\":1,", ""),
            Events.EXAMPLE.replace("\"label\":1", "\"label\":null"),
            Events.EXAMPLE.replace("\"id\":\"e-1\"", "\"id\":null"),
            Events.IMPRESSION.replace("\"position\":0", "\"position\":null"),
            Events.IMPRESSION.replace("\"propensity\":0.5", "\"propensity\":null,\"propensity\":1"),
            Events.REQUEST.replace("\"user\":{", "\"candidates\":null,\"user\":{"),
            Events.REQUEST.replace("{\"itemId\":\"i-3\"}", "{\"itemId\":null}"),
            Events.REQUEST.replace("\"ctr\"", "null").replace("\"r-1\"", "null"));
    for (String json : bad) {
      assertSameOutcome(scanning, jackson, bytes(json));
      assertThat(scanning.failure()).as("failure of %s", json).isNotNull();
    }
    assertThat(scanning.scanned()).isZero();
  }

  @Test
  void malformedUtf8AndEscapesAreJacksonsToJudge() {
    EventDecoder scanning = new EventDecoder(BINARY);
    EventDecoder jackson = new EventDecoder(BINARY, false);
    byte[] click = bytes(SYNTHETIC_CLICK);
    int at = SYNTHETIC_CLICK.indexOf("m123456") + 1;
    int[][] sequences = {
      {0x80},
      {0xBF},
      {0xC0, 0x80},
      {0xC1, 0xBF},
      {0xC3},
      {0xC3, 0x41},
      {0xE0, 0x80, 0x80},
      {0xE0, 0x9F, 0xBF},
      {0xED, 0xA0, 0x80},
      {0xED, 0xBF, 0xBF},
      {0xE2, 0x82},
      {0xF0, 0x80, 0x80, 0x80},
      {0xF0, 0x8F, 0xBF, 0xBF},
      {0xF4, 0x90, 0x80, 0x80},
      {0xF5, 0x80, 0x80, 0x80},
      {0xF8, 0x88, 0x80, 0x80, 0x80},
      {0xFF},
      {0x01},
      {0x1F},
      {0x7F},
      {0xC2, 0x80},
      {0xEF, 0xBF, 0xBF},
      {0xF4, 0x8F, 0xBF, 0xBF}
    };
    for (int[] sequence : sequences) {
      byte[] m = new byte[click.length + sequence.length];
      System.arraycopy(click, 0, m, 0, at);
      for (int k = 0; k < sequence.length; k++) {
        m[at + k] = (byte) sequence[k];
      }
      System.arraycopy(click, at, m, at + sequence.length, click.length - at);
      assertSameOutcome(scanning, jackson, m);
    }
    for (String escape : List.of("\\x41", "\\u12-", "\\u12G4", "\\U0041", "\\a", "\\", "\\'")) {
      assertSameOutcome(
          scanning, jackson, bytes(SYNTHETIC_CLICK.replace("m123456", "m" + escape + "123456")));
      assertThat(jackson.failure()).as(escape).isNotNull();
    }
    // lone escaped surrogates: Jackson takes them as they are, the scanner leaves them to it
    for (String escape : List.of("\\ud800", "\\udc00x", "\\udbff\\u0041")) {
      assertSameOutcome(
          scanning, jackson, bytes(SYNTHETIC_CLICK.replace("m123456", "m" + escape + "123456")));
    }
    // the last four sequences are well-formed: the scanner decodes them itself
    assertThat(scanning.scanned()).isEqualTo(4);
  }

  @Test
  void boundsAreJacksonsToo() {
    EventDecoder scanning = new EventDecoder(SMALL);
    EventDecoder jackson = new EventDecoder(SMALL, false);
    String twoCandidates =
        "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{\"a\":1},"
            + "\"context\":{\"b\":\"x\"},\"candidates\":[{\"itemId\":\"a\",\"features\":{\"c\":1,"
            + "\"d\":2}},{\"itemId\":\"b\",\"features\":{\"c\":3,\"d\":4}}]}";
    assertSameOutcome(scanning, jackson, bytes(twoCandidates));
    assertThat(scanning.failure()).isNull();
    String tooManyFeatures = twoCandidates.replace("\"d\":4", "\"d\":4,\"e\":5");
    String tooManyCandidates =
        twoCandidates.replace("]}", ",{\"itemId\":\"c\"},{\"itemId\":\"d\"}]}");
    String tooLong = twoCandidates.replace("\"r\"", "\"" + "r".repeat(250) + "\"");
    for (String json : List.of(tooManyFeatures, tooManyCandidates, tooLong)) {
      assertSameOutcome(scanning, jackson, bytes(json));
      assertThat(scanning.failure().reason()).as(json).isEqualTo(DlqReason.TOO_LARGE);
    }
    assertThat(scanning.scanned()).isEqualTo(1);

    // Jackson bounds names (50,000 chars): the scanner leaves long ones to it
    EventDecoder scanningBig = new EventDecoder(BINARY);
    EventDecoder jacksonBig = new EventDecoder(BINARY, false);
    for (int n : new int[] {1_024, 1_025, 60_000}) {
      String name = "n".repeat(n);
      for (String json :
          List.of(
              Events.CLICK.replace("\"value\"", "\"" + name + "\":1,\"value\""),
              Events.EXAMPLE.replace("\"day\"", "\"" + name + "\""),
              Events.REQUEST.replace(
                  "{\"itemId\":\"i-3\"", "{\"" + name + "\":1,\"itemId\":\"i-3\""))) {
        assertSameOutcome(scanningBig, jacksonBig, bytes(json));
      }
    }
    assertThat(jacksonBig.failure().reason()).isEqualTo(DlqReason.TOO_LARGE);
    assertThat(scanningBig.scanned()).as("records with names of 1,024 chars").isEqualTo(3);
  }

  @Test
  void numbersAreJacksonsToTheLastBit() {
    List<String> numbers =
        new ArrayList<>(
            List.of(
                "0",
                "-0",
                "0.0",
                "-0.0",
                "1",
                "-1",
                "31",
                "13.5",
                "0.056",
                "0.1",
                "0.3",
                "1e0",
                "1E2",
                "1e+2",
                "1e-2",
                "2.5E-3",
                "123456789012345678",
                "-123456789012345678",
                "9007199254740993",
                "9007199254740993.0",
                "2147483647",
                "2147483648",
                "0.30000000000000004",
                "1.7976931348623157e308",
                "4.9e-324",
                "1e22",
                "1e23",
                "123456789012345.6",
                "1234567890123456.7",
                "0.000000000000000000000000001",
                "100000000000000000000000",
                "1e-400",
                "12.50000"));
    Random random = new Random(20261127L);
    for (int i = 0; i < 3_000; i++) {
      numbers.add(randomNumber(random));
    }
    EventDecoder scanning = new EventDecoder(REGRESSION);
    EventDecoder jackson = new EventDecoder(REGRESSION, false);
    for (String n : numbers) {
      String json =
          "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":"
              + n
              + ",\"features\":{\"x\":"
              + n
              + ",\"y\":\"1\"}}";
      assertSameOutcome(scanning, jackson, bytes(json));
    }
    assertThat(scanning.scanned()).as("numbers the scanner read itself").isGreaterThan(1_000);
  }

  private static String randomNumber(Random random) {
    StringBuilder b = new StringBuilder();
    if (random.nextBoolean()) {
      b.append('-');
    }
    int intDigits = 1 + random.nextInt(random.nextBoolean() ? 3 : 20);
    b.append(random.nextInt(10) < 2 ? 0 : 1 + random.nextInt(9));
    if (b.charAt(b.length() - 1) != '0') {
      for (int d = 1; d < intDigits; d++) {
        b.append(random.nextInt(10));
      }
    }
    if (random.nextBoolean()) {
      b.append('.');
      int fracDigits = 1 + random.nextInt(random.nextBoolean() ? 4 : 20);
      for (int d = 0; d < fracDigits; d++) {
        b.append(random.nextInt(10));
      }
    }
    if (random.nextInt(4) == 0) {
      b.append(random.nextBoolean() ? 'e' : 'E');
      int r = random.nextInt(3);
      b.append(r == 0 ? "" : r == 1 ? "+" : "-");
      b.append(random.nextInt(random.nextBoolean() ? 30 : 400));
    }
    return b.toString();
  }

  @Test
  void reusedStateDoesNotLeakFromAGiveUpIntoTheNextRecord() {
    EventDecoder scanning = new EventDecoder(CROSSED);
    EventDecoder fresh = new EventDecoder(CROSSED, false);
    Event request = fresh.decode(bytes(SYNTHETIC_REQUEST));
    Event impression = fresh.decode(bytes(SYNTHETIC_IMPRESSION));
    assertThat(request).isNotNull();
    // the scanner gives up half-way through each: after candidates and features were added
    List<String> brokenHalfWay =
        List.of(
            SYNTHETIC_REQUEST.replace(
                "{\"itemId\":\"i999\"", "{\"itemId\":\"i999\",\"itemId\":\"i\\u0039\""),
            SYNTHETIC_REQUEST.replace("\"k9\"}}]}", "\"k9\"}}]"),
            SYNTHETIC_REQUEST.substring(0, SYNTHETIC_REQUEST.length() / 2 + 7),
            SYNTHETIC_IMPRESSION.replace("\"k27\"}}", "\"k27\",\"x\":[]}}"),
            SYNTHETIC_IMPRESSION.replace("\"k27\"}}", "\"k27\"}}}"));
    for (String broken : brokenHalfWay) {
      assertThat(scanning.decode(bytes(broken))).as(broken).isNull();
      assertThat(scanning.decode(bytes(SYNTHETIC_REQUEST))).isEqualTo(request);
      assertThat(scanning.decode(bytes(broken))).as(broken).isNull();
      assertThat(scanning.decode(bytes(SYNTHETIC_IMPRESSION))).isEqualTo(impression);
    }
    // a decoded, then a valid record the scanner leaves to Jackson, then a decoded one
    String escaped = SYNTHETIC_REQUEST.replace("{\"itemId\":\"i3\"", "{\"\\u0069temId\":\"i3\"");
    assertThat(scanning.decode(bytes(escaped))).isEqualTo(request);
    assertThat(scanning.decode(bytes(SYNTHETIC_IMPRESSION))).isEqualTo(impression);
    assertThat(scanning.scanned()).isEqualTo(2 * brokenHalfWay.size() + 1);
  }

  @Test
  void buffersGrowForLongNamesValuesAndManyCandidates() {
    String longName = "n".repeat(300);
    String longValue = "v".repeat(1_000);
    StringBuilder candidates = new StringBuilder();
    for (int k = 0; k < 40; k++) {
      candidates
          .append(k == 0 ? "" : ",")
          .append("{\"itemId\":\"i")
          .append(k)
          .append("\",\"features\":{\"item\":\"i")
          .append(k)
          .append("\",\"")
          .append(longName)
          .append("\":\"")
          .append(longValue)
          .append(k)
          .append("\",\"price\":")
          .append(k)
          .append(".25}}");
    }
    String json =
        "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\","
            + "\"user\":{\"segment\":\"s1\",\"age\":33},\"context\":{},\"candidates\":["
            + candidates
            + "]}";
    for (DecoderConfig config : List.of(BINARY, CROSSED)) {
      EventDecoder scanning = new EventDecoder(config);
      EventDecoder jackson = new EventDecoder(config, false);
      assertSameOutcome(scanning, jackson, bytes(SYNTHETIC_REQUEST));
      assertSameOutcome(scanning, jackson, bytes(json));
      assertThat(scanning.failure()).isNull();
      assertSameOutcome(scanning, jackson, bytes(SYNTHETIC_REQUEST));
      assertThat(scanning.scanned()).isEqualTo(3);
    }
  }

  @Test
  void sameOutcomeOnTruncationsAndMutations() {
    Random random = new Random(42L);
    String alphabet = "{}[]\":,0123456789-+.eEtruefalsnNI \\u";
    for (DecoderConfig config : List.of(BINARY, CROSSED)) {
      EventDecoder scanning = new EventDecoder(config);
      EventDecoder jackson = new EventDecoder(config, false);
      int accepted = 0;
      for (String valid : VALID) {
        byte[] b = bytes(valid);
        for (int len = 0; len <= b.length; len++) {
          assertSameOutcome(scanning, jackson, Arrays.copyOf(b, len));
        }
        for (int i = 0; i < 3_000; i++) {
          byte[] m = b.clone();
          int flips = 1 + random.nextInt(3);
          for (int f = 0; f < flips; f++) {
            m[random.nextInt(m.length)] =
                random.nextInt(4) == 0
                    ? (byte) random.nextInt(256)
                    : (byte) alphabet.charAt(random.nextInt(alphabet.length()));
          }
          assertSameOutcome(scanning, jackson, m);
          if (jackson.failure() == null) {
            accepted++;
          }
        }
      }
      // mutations that stay valid (a digit for a digit, a letter in an id) compare events too
      assertThat(accepted).as("mutated records that decode").isGreaterThan(500);
    }
  }
}
