package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonWritersTest {

  @Test
  void requestPredictionJson() throws Exception {
    Prediction p = new Prediction();
    p.type = EventType.REQUEST;
    p.model = "ctr";
    p.modelVersion = 12;
    p.requestId = "r-1";
    p.rankedItemIds = new String[] {"i-7", "i-2"};
    p.rankedScores = new double[] {0.31, 0.12};
    p.eventTs = 1732700000000L;
    p.scoredAt = 1732700000004L;
    PredictionJson writer = new PredictionJson();
    String json = new String(writer.serialize(p), StandardCharsets.UTF_8);
    assertThat(json)
        .isEqualTo(
            "{\"v\":1,\"type\":\"request\",\"model\":\"ctr\",\"modelVersion\":12,"
                + "\"requestId\":\"r-1\",\"ranking\":[{\"itemId\":\"i-7\",\"score\":0.31},"
                + "{\"itemId\":\"i-2\",\"score\":0.12}],\"ts\":1732700000000,"
                + "\"scoredAt\":1732700000004}");
    // the reused generator writes the next record from a clean buffer
    assertThat(new String(writer.serialize(p), StandardCharsets.UTF_8)).isEqualTo(json);
    assertThat(PredictionJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(p);
    assertThat(PredictionJson.keySchema().serialize(p)).isEqualTo("r-1".getBytes());
  }

  @Test
  void impressionPredictionWithNonFiniteScoreWritesNull() throws Exception {
    Prediction p = new Prediction();
    p.type = EventType.IMPRESSION;
    p.model = "default";
    p.impressionId = "imp-1";
    p.requestId = "r-1";
    p.itemId = "i-7";
    p.score = Double.NaN;
    String json = new String(PredictionJson.encode(p), StandardCharsets.UTF_8);
    assertThat(json).contains("\"impressionId\":\"imp-1\"").contains("\"score\":null");
    assertThat(PredictionJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(p);
    assertThat(PredictionJson.keySchema().serialize(p)).isEqualTo("imp-1".getBytes());
  }

  @Test
  void deadLetterKeepsUtf8AsTextAndBinaryAsBase64() throws Exception {
    byte[] text = "{\"v\":1,\"type\":\"view\",\"note\":\"é\"}".getBytes(StandardCharsets.UTF_8);
    DeadLetter d =
        DeadLetter.of(
            new RawRecord(text, "events", 2, 99, 1732700000000L),
            new DecodeFailure(DlqReason.UNKNOWN_TYPE, "unknown type 'view'"),
            1024);
    String json = new String(DeadLetterJson.encode(d), StandardCharsets.UTF_8);
    assertThat(json)
        .startsWith(
            "{\"v\":1,\"reason\":\"UNKNOWN_TYPE\",\"detail\":\"unknown type 'view'\","
                + "\"topic\":\"events\",\"partition\":2,\"offset\":99,\"timestamp\":1732700000000,")
        .contains("\"truncated\":false,\"encoding\":\"utf8\"")
        .contains("\\\"note\\\":\\\"é\\\"");
    assertThat(DeadLetterJson.parse(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(d);

    byte[] binary = {(byte) 0xff, 0, 1, (byte) 0xfe};
    DeadLetter b =
        DeadLetter.of(
            new RawRecord(binary, "events", 0, 1, -1),
            new DecodeFailure(DlqReason.MALFORMED_JSON, "x"),
            1024);
    String bj = new String(DeadLetterJson.encode(b), StandardCharsets.UTF_8);
    assertThat(bj).contains("\"encoding\":\"base64\",\"original\":\"/wAB/g==\"");
    assertThat(DeadLetterJson.parse(bj.getBytes(StandardCharsets.UTF_8)).original)
        .isEqualTo(binary);
  }

  @Test
  void deadLetterCutsLongOriginalsAtACharacterBoundary() throws Exception {
    byte[] text = "ééééé".getBytes(StandardCharsets.UTF_8); // 10 bytes
    DeadLetter d =
        DeadLetter.of(
            new RawRecord(text, "events", 0, 5, -1),
            new DecodeFailure(DlqReason.TOO_LARGE, "big"),
            5); // cuts the third é in half
    assertThat(d.truncated()).isTrue();
    assertThat(d.originalSize).isEqualTo(10);
    String json = new String(DeadLetterJson.encode(d), StandardCharsets.UTF_8);
    assertThat(json)
        .contains(
            "\"originalSize\":10,\"truncated\":true,\"encoding\":\"utf8\",\"original\":\"éé\"");
  }

  @Test
  void probabilitiesAreWrittenWithNineDecimalsOthersInFull() throws Exception {
    assertThat(scoreText(0.5)).isEqualTo("0.5");
    assertThat(scoreText(0.31)).isEqualTo("0.31");
    assertThat(scoreText(0.123456789012)).isEqualTo("0.123456789");
    assertThat(scoreText(0.1234567895001)).isEqualTo("0.12345679"); // rounded, zeros dropped
    assertThat(scoreText(0.001)).isEqualTo("0.001");
    assertThat(scoreText(0.0123)).isEqualTo("0.0123");
    assertThat(scoreText(0.9999999994)).isEqualTo("0.999999999");
    assertThat(scoreText(0.9999999996)).isEqualTo("0.9999999996"); // would round to 1: in full
    assertThat(scoreText(0.000123456789012)).isEqualTo("1.23456789012E-4"); // below 0.001: in full
    assertThat(scoreText(1.0)).isEqualTo("1.0");
    assertThat(scoreText(-0.25)).isEqualTo("-0.25");
    assertThat(scoreText(2.5)).isEqualTo("2.5");
    assertThat(scoreText(Double.NaN)).isEqualTo("null");
  }

  private static String scoreText(double score) {
    Prediction p = new Prediction();
    p.type = EventType.EXAMPLE;
    p.model = "default";
    p.id = "e-1";
    p.score = score;
    String json = new String(PredictionJson.encode(p), java.nio.charset.StandardCharsets.UTF_8);
    int from = json.indexOf("\"score\":") + "\"score\":".length();
    return json.substring(from, json.indexOf(',', from));
  }

  @Test
  void scoresReadBackWithinTheirPrecisionAndStringsAreEscaped() throws Exception {
    java.util.Random random = new java.util.Random(7);
    PredictionJson writer = new PredictionJson(); // one reused generator, as in the sink
    for (int i = 0; i < 20_000; i++) {
      Prediction p = new Prediction();
      p.type = EventType.IMPRESSION;
      p.model = "m\"é\n";
      p.modelVersion = random.nextLong();
      p.impressionId = "imp-" + i;
      p.itemId = "i-\u2028";
      p.score =
          switch (i % 4) {
            case 0 -> random.nextDouble();
            case 1 -> Double.longBitsToDouble(random.nextLong()); // any double, tiny or huge
            case 2 -> 1.0 / (1 + i);
            default -> Math.nextUp(random.nextDouble() * 1e-300);
          };
      if (!Double.isFinite(p.score)) {
        p.score = 0.5;
      }
      p.eventTs = random.nextLong();
      p.scoredAt = i;

      Prediction back = PredictionJson.parse(writer.serialize(p));

      if (p.score >= PredictionJson.MIN_FIXED_SCORE && p.score < 1.0) {
        assertThat(back.score).as("score %s", p.score).isCloseTo(p.score, within(5.0000001e-10));
      } else {
        assertThat(Double.doubleToRawLongBits(back.score))
            .as("score %s", p.score)
            .isEqualTo(Double.doubleToRawLongBits(p.score));
      }
      assertThat(back.model).isEqualTo(p.model);
      assertThat(back.itemId).isEqualTo(p.itemId);
      assertThat(back.modelVersion).isEqualTo(p.modelVersion);
      assertThat(back.eventTs).isEqualTo(p.eventTs);
      assertThat(back.scoredAt).isEqualTo(p.scoredAt);
    }
  }

  @Test
  void theAsciiPathWritesTheGeneratorsBytes() throws Exception {
    java.util.Random random = new java.util.Random(11);
    PredictionJson writer = new PredictionJson();
    String[] strings = {
      "r-1", "imp-42", "default", "", " ~", "i\"7", "i\\7", "tab\tin", "caf\u00e9", "\u007f", "x/y"
    };
    double[] scores = {
      0.5,
      0.001,
      0.0123,
      0.123456789012,
      0.9999999994,
      0.9999999996,
      1.0,
      0.0009,
      -0.25,
      7.5,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      0.31
    };
    long[] longs = new long[7 + 4 * 18];
    long[] special = {
      0, 7, -7, 1732700000000L, Long.MAX_VALUE, Long.MIN_VALUE, -1_000_000_000_000L
    };
    System.arraycopy(special, 0, longs, 0, special.length);
    long power = 10; // every digit count's first and last number, both signs
    for (int k = 0; k < 18; k++, power *= 10) {
      longs[7 + 4 * k] = power;
      longs[8 + 4 * k] = power - 1;
      longs[9 + 4 * k] = -power;
      longs[10 + 4 * k] = 1 - power;
    }
    int asciiPath = 0;
    for (int i = 0; i < 20_000; i++) {
      Prediction p = new Prediction();
      p.type = i % 17 == 0 ? null : EventType.values()[random.nextInt(EventType.values().length)];
      p.model = pick(random, strings, 8);
      p.modelVersion = random.nextInt(3) == 0 ? longs[random.nextInt(longs.length)] : i;
      p.requestId = pick(random, strings, 2);
      p.impressionId = pick(random, strings, 2);
      p.id = pick(random, strings, 2);
      p.itemId = pick(random, strings, 2);
      if (random.nextBoolean()) {
        int n = random.nextInt(4);
        p.rankedItemIds = new String[n];
        p.rankedScores = new double[n];
        for (int k = 0; k < n; k++) {
          p.rankedItemIds[k] = pick(random, strings, 8);
          p.rankedScores[k] = score(random, scores);
        }
      } else {
        p.score = score(random, scores);
      }
      p.eventTs = random.nextInt(3) == 0 ? longs[random.nextInt(longs.length)] : random.nextLong();
      p.scoredAt = random.nextInt(3) == 0 ? longs[random.nextInt(longs.length)] : i;

      byte[] expected = writer.serializeWithGenerator(p);
      assertThat(new String(writer.serialize(p), StandardCharsets.UTF_8))
          .as("prediction %s", p)
          .isEqualTo(new String(expected, StandardCharsets.UTF_8));
      if (new AsciiPredictionWriter().write(p) != null) {
        asciiPath++;
      }
    }
    // both paths are exercised
    assertThat(asciiPath).isBetween(2_000, 18_000);
  }

  /** One of {@code strings}: with odds 1 in {@code nullOdds} null, else mostly a plain id. */
  private static String pick(java.util.Random random, String[] strings, int nullOdds) {
    if (random.nextInt(nullOdds) == 0) {
      return null;
    }
    return random.nextInt(4) == 0
        ? strings[random.nextInt(strings.length)]
        : "id-" + random.nextInt();
  }

  private static double score(java.util.Random random, double[] scores) {
    return random.nextInt(3) == 0 ? scores[random.nextInt(scores.length)] : random.nextDouble();
  }
}
