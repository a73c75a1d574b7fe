package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PredictionParserTest {

  private final PredictionParser parser = new PredictionParser();

  private Ranking parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsARankingOfObjects() {
    Ranking r =
        parse(
            "{\"type\":\"request\",\"requestId\":\"r-1\",\"model\":\"default\",\"modelVersion\":42,"
                + "\"extra\":{\"a\":[1,2]},\"ranking\":[{\"itemId\":\"i-17\",\"score\":0.031},"
                + "{\"item\":\"i-3\",\"score\":0.02,\"rank\":1},{\"id\":\"i-9\"}]}");
    assertThat(r.requestId()).isEqualTo("r-1");
    assertThat(r.model()).isEqualTo("default");
    assertThat(r.modelVersion()).isEqualTo(42);
    assertThat(r.itemIds()).containsExactly("i-17", "i-3", "i-9");
    assertThat(r.scores()[0]).isEqualTo(0.031);
    assertThat(r.scores()[1]).isEqualTo(0.02);
    assertThat(r.scores()[2]).isNaN();
  }

  @Test
  void readsThePipelinesPredictionAsDocumented() {
    // The request prediction of docs/events.md (jobs), with a non-finite score written as null.
    Ranking r =
        parse(
            "{\"v\":1,\"type\":\"request\",\"model\":\"ctr\",\"modelVersion\":12,"
                + "\"requestId\":\"r-1\",\"ranking\":[{\"itemId\":\"i-1\",\"score\":0.31},"
                + "{\"itemId\":\"i-2\",\"score\":null}],\"ts\":1732700000000,"
                + "\"scoredAt\":1732700000004}");
    assertThat(r.requestId()).isEqualTo("r-1");
    assertThat(r.model()).isEqualTo("ctr");
    assertThat(r.modelVersion()).isEqualTo(12);
    assertThat(r.itemIds()).containsExactly("i-1", "i-2");
    assertThat(r.scores()[0]).isEqualTo(0.31);
    assertThat(r.scores()[1]).isNaN();
    // The impression prediction of the same page is not a ranking.
    assertThat(
            parse(
                "{\"v\":1,\"type\":\"impression\",\"model\":\"ctr\",\"modelVersion\":12,"
                    + "\"impressionId\":\"imp-1\",\"requestId\":\"r-1\",\"itemId\":\"i-1\","
                    + "\"score\":0.31,\"ts\":1732700000100,\"scoredAt\":1732700000102}"))
        .isNull();
    assertThat(parser.malformed()).isZero();
  }

  @Test
  void readsParallelArraysAndUpperCaseTypeAndStringVersion() {
    Ranking r =
        parse(
            "{\"rankedScores\":[0.9,0.1],\"type\":\"REQUEST\",\"modelVersion\":\"7\","
                + "\"rankedItemIds\":[\"i-2\",\"i-1\"],\"requestId\":\"r-9\",\"score\":\"NaN\"}");
    assertThat(r.requestId()).isEqualTo("r-9");
    assertThat(r.modelVersion()).isEqualTo(7);
    assertThat(r.itemIds()).containsExactly("i-2", "i-1");
    assertThat(r.scores()).containsExactly(0.9, 0.1);
  }

  @Test
  void readsARankingOfPlainIdsWithoutType() {
    Ranking r = parse("{\"requestId\":\"r-3\",\"version\":5,\"ranking\":[\"i-1\",\"i-0\"]}");
    assertThat(r.itemIds()).containsExactly("i-1", "i-0");
    assertThat(r.modelVersion()).isEqualTo(5);
    assertThat(r.scores()[0]).isNaN();
  }

  @Test
  void otherPredictionsAreNotRankings() {
    assertThat(
            parse(
                "{\"type\":\"impression\",\"impressionId\":\"r-1:i-2\",\"requestId\":\"r-1\","
                    + "\"score\":0.3,\"modelVersion\":2}"))
        .isNull();
    assertThat(parse("{\"type\":\"request\",\"modelVersion\":2,\"ranking\":[]}")).isNull();
    assertThat(parse("{\"type\":\"request\",\"requestId\":\"r-1\"}")).isNull();
    assertThat(parser.malformed()).isZero();
  }

  @Test
  void malformedRecordsAreCountedNotThrown() {
    assertThat(parse("{\"requestId\":\"r-1\",\"ranking\":[")).isNull();
    assertThat(parse("[1,2]")).isNull();
    assertThat(parse("not json")).isNull();
    assertThat(parser.parse(null)).isNull();
    assertThat(parser.malformed()).isEqualTo(3);
    // Still usable afterwards.
    assertThat(parse("{\"requestId\":\"r-2\",\"ranking\":[\"i-1\"]}").requestId()).isEqualTo("r-2");
  }
}
