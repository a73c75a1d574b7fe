package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CSV → events mapping of the OBD replay and its scoring, on a small file (no broker). */
class ObdReplayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  // Three items; rows deliberately out of timestamp order (row 2 is the earliest).
  private static final String LOG =
      String.join(
          "\n",
          ",timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,"
              + "user_feature_2,user_feature_3,user-item_affinity_0,user-item_affinity_1,"
              + "user-item_affinity_2",
          "0,2019-11-24 00:03:13.442536+00:00,2,3,0,0.3333333333333333,ua,ub,uc,ud,0.0,0.0,0.0",
          "1,2019-11-24 00:05:00.000001+00:00,1,1,1,0.25,ua,ub2,uc,ud,0.0,2.0,0.0",
          "2,2019-11-24 00:01:00+00:00,0,2,0,0.5,ua3,ub,uc,ud,0.0,0.0,3.5",
          "");
  private static final String ITEMS =
      String.join(
          "\n",
          ",item_id,item_feature_0,item_feature_1,item_feature_2,item_feature_3",
          "0,0,-0.5,h0a,h0b,h0c",
          "1,1,0.25,h1a,h1b,h1c",
          "2,2,1.5,h2a,h2b,h2c",
          "");

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  @Test
  void readsRowsInTimestampOrderWithTheirFields() throws Exception {
    List<ObdEvents.Row> rows = ObdEvents.readLog(write("obd_test.csv", LOG));

    assertThat(rows).extracting(ObdEvents.Row::row).containsExactly(2L, 0L, 1L);
    ObdEvents.Row first = rows.get(0);
    assertThat(first.timestampMs()).isEqualTo(Instant.parse("2019-11-24T00:01:00Z").toEpochMilli());
    assertThat(rows.get(1).timestampMs())
        .isEqualTo(Instant.parse("2019-11-24T00:03:13.442Z").toEpochMilli());
    assertThat(first.itemId()).isEqualTo("0");
    assertThat(first.slot()).isEqualTo(2);
    assertThat(first.clicked()).isFalse();
    assertThat(rows.get(2).clicked()).isTrue();
    assertThat(first.propensity()).isEqualTo(0.5);
    assertThat(first.userFeatures()).containsExactly("ua3", "ub", "uc", "ud");
    assertThat(first.affinities()).containsExactly(0.0, 0.0, 3.5);
  }

  @Test
  void impressionCarriesUserItemPositionAndNonZeroAffinityFeatures() throws Exception {
    ObdEvents.Row row = ObdEvents.readLog(write("obd_test.csv", LOG)).get(2); // file row 1
    Path items = write("obd_test_item_context.csv", ITEMS);
    assertThat(ObdEvents.itemContextFor(dir.resolve("obd_test.csv"))).isEqualTo(items);
    ObdEvents mapper = new ObdEvents(ObdEvents.readItemContext(items), "obd", "run");

    JsonNode e = JSON.readTree(mapper.impression(row, 1_700_000_000_000L));
    assertThat(e.path("v").asInt()).isEqualTo(1);
    assertThat(e.path("type").asText()).isEqualTo("impression");
    assertThat(e.path("ts").asLong()).isEqualTo(1_700_000_000_000L);
    assertThat(e.path("model").asText()).isEqualTo("obd");
    assertThat(e.path("impressionId").asText()).isEqualTo("run:1");
    assertThat(e.path("requestId").asText()).isEqualTo("run-1");
    assertThat(e.path("itemId").asText()).isEqualTo("1");
    assertThat(e.path("position").asInt()).isZero(); // slot 1 (left) is position 0
    assertThat(e.path("propensity").asDouble()).isEqualTo(0.25);
    JsonNode f = e.path("features");
    Map<String, Object> features = JSON.convertValue(f, Map.class);
    assertThat(features)
        .containsOnlyKeys(
            "user_feature_0",
            "user_feature_1",
            "user_feature_2",
            "user_feature_3",
            "item_id",
            "item_feature_0",
            "item_feature_1",
            "item_feature_2",
            "item_feature_3",
            "position",
            "user-item_affinity_1",
            "shown_item_affinity");
    assertThat(f.path("user_feature_1").asText()).isEqualTo("ub2");
    assertThat(f.path("item_id").isTextual()).isTrue();
    assertThat(f.path("item_feature_0").isNumber()).isTrue();
    assertThat(f.path("item_feature_0").asDouble()).isEqualTo(0.25);
    assertThat(f.path("item_feature_3").asText()).isEqualTo("h1c");
    assertThat(f.path("position").asText()).isEqualTo("1"); // categorical
    assertThat(f.path("user-item_affinity_1").asDouble()).isEqualTo(2.0);
    assertThat(f.path("shown_item_affinity").asDouble()).isEqualTo(2.0);

    JsonNode click = JSON.readTree(mapper.click(row, 1_700_000_001_000L));
    assertThat(click.path("type").asText()).isEqualTo("click");
    assertThat(click.path("impressionId").asText()).isEqualTo("run:1");
    assertThat(click.path("ts").asLong()).isEqualTo(1_700_000_001_000L);
    assertThat(click.has("features")).isFalse();
  }

  @Test
  void eventsAreShiftedInTimestampOrderWithAClickAfterEachClickedRow() throws Exception {
    List<ObdEvents.Row> rows = ObdEvents.readLog(write("obd_test.csv", LOG));
    ObdEvents mapper =
        new ObdEvents(
            ObdEvents.readItemContext(write("obd_test_item_context.csv", ITEMS)), "obd", "r");
    long t0 = rows.get(0).timestampMs();
    long offset = 1_800_000_000_000L - t0;

    List<ObdReplay.Outgoing> events = ObdReplay.events(mapper, rows, offset, Duration.ofSeconds(2));

    assertThat(events).hasSize(4);
    assertThat(events)
        .extracting(ObdReplay.Outgoing::key)
        .containsExactly("r:2", "r:0", "r:1", "r:1");
    assertThat(events.get(0).ts()).isEqualTo(1_800_000_000_000L);
    assertThat(events.get(2).ts()).isEqualTo(1_800_000_000_000L + 4 * 60_000); // 00:05 vs 00:01
    assertThat(events.get(3).ts()).isEqualTo(events.get(2).ts() + 2_000);
    assertThat(JSON.readTree(events.get(3).value()).path("type").asText()).isEqualTo("click");
    for (ObdReplay.Outgoing e : events) {
      assertThat(JSON.readTree(e.value()).path("ts").asLong()).isEqualTo(e.ts());
    }
  }

  @Test
  void unknownItemAndMalformedRowsAreRejectedNamingTheRow() throws Exception {
    ObdEvents.Row row = ObdEvents.readLog(write("obd_test.csv", LOG)).get(0);
    ObdEvents mapper = new ObdEvents(Map.of(), "obd", "r");
    assertThatThrownBy(() -> mapper.impression(row, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 2")
        .hasMessageContaining("item 0");
    Path bad = write("bad.csv", LOG.replace(",0,0.5,", ",2,0.5,"));
    assertThatThrownBy(() -> ObdEvents.readLog(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 4")
        .hasMessageContaining("click");
  }

  @Test
  void scoresPredictedRowsAgainstTheRunningBaseRateInRowOrder() throws Exception {
    List<ObdEvents.Row> rows = ObdEvents.readLog(write("obd_test.csv", LOG)); // rows 2, 0, 1
    Map<Long, Double> scores = new HashMap<>();
    scores.put(2L, 0.1); // no click
    scores.put(1L, 0.8); // click
    // row 0 has no prediction: not scored, but the base rate learns it.

    ObdReplay.Report report = ObdReplay.score(rows, scores, 2);

    assertThat(report.rows()).isEqualTo(3);
    assertThat(report.scored()).isEqualTo(2);
    assertThat(report.clicks()).isEqualTo(1);
    double modelLoss = (-Math.log(0.9) - Math.log(0.8)) / 2;
    assertThat(report.model().logLoss()).isCloseTo(modelLoss, within(1e-12));
    assertThat(report.model().auc()).isEqualTo(1.0);
    // Base rate predictions: ½ before row 2; after two negatives (rows 2, 0): ½ / 3.
    double baseLoss = (-Math.log(0.5) - Math.log(0.5 / 3)) / 2;
    assertThat(report.baseRate().logLoss()).isCloseTo(baseLoss, within(1e-12));
    assertThat(report.table()).hasSize(3); // header, row 2, row 3
  }

  @Test
  void helpListsTheOptionsAndBadSpeedIsRejected() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new ObdReplay(new PrintStream(buf)));
    cli.setOut(new java.io.PrintWriter(buf, true, StandardCharsets.UTF_8));
    assertThat(cli.execute("--help")).isZero();
    String help = buf.toString(StandardCharsets.UTF_8);
    assertThat(help).contains("--data", "--speed", "--click-delay", "--attribution-window");
    CommandLine bad = new CommandLine(new ObdReplay(new PrintStream(new ByteArrayOutputStream())));
    bad.setErr(new java.io.PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(bad.execute("--data", dir.resolve("x.csv").toString(), "--speed", "-1"))
        .isEqualTo(2);
  }
}
