package dev.flywheel.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SchemaDetectorTest {
  private static final Pattern AUTO_IGNORE = Pattern.compile(ReplayCommand.DEFAULT_AUTO_IGNORE);

  private static SchemaDetector.Settings settings(
      String label, List<String> cat, List<String> num, List<String> ignore, int bins) {
    return new SchemaDetector.Settings(label, cat, num, ignore, AUTO_IGNORE, 64, bins);
  }

  private static List<String[]> rows(String... csvRows) {
    List<String[]> out = new ArrayList<>();
    for (String r : csvRows) {
      out.add(r.split(",", -1));
    }
    return out;
  }

  @Test
  void detectsKindsFromTheSample() {
    List<String> header =
        List.of("", "timestamp", "item_id", "price", "colour", "Click", "flag", "propensity_score");
    List<String[]> sample = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sample.add(
          new String[] {
            Integer.toString(i),
            "2019-11-24 00:0" + (i % 10),
            Integer.toString(i % 34),
            (i * 0.37) + "",
            i % 2 == 0 ? "red" : "blue",
            i % 7 == 0 ? "1" : "0",
            i % 3 == 0 ? "1.0" : "0.0",
            "0.03"
          });
    }
    CsvSchema s =
        SchemaDetector.detect(header, sample, settings(null, List.of(), List.of(), List.of(), 0));
    assertThat(s.label()).isEqualTo(5);
    assertThat(s.kinds())
        .containsExactly(
            ColumnKind.IGNORED,
            ColumnKind.IGNORED,
            ColumnKind.CATEGORICAL,
            ColumnKind.NUMERIC,
            ColumnKind.CATEGORICAL,
            ColumnKind.LABEL,
            ColumnKind.NUMERIC,
            ColumnKind.IGNORED);
    assertThat(s.describe())
        .isEqualTo(
            "schema label=Click categorical=[item_id, colour] numeric=[price, flag]"
                + " ignored=[<unnamed #0>, timestamp, propensity_score]");
  }

  @Test
  void manyDistinctIntegersAreNumeric() {
    List<String[]> sample = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sample.add(new String[] {Integer.toString(i * 13), "0"});
    }
    CsvSchema s =
        SchemaDetector.detect(
            List.of("count", "y"), sample, settings(null, List.of(), List.of(), List.of(), 0));
    assertThat(s.kinds()).containsExactly(ColumnKind.NUMERIC, ColumnKind.LABEL);
  }

  @Test
  void overridesWin() {
    CsvSchema s =
        SchemaDetector.detect(
            List.of("a", "b", "c", "target", "timestamp"),
            rows("1,x,0.5,1,t", "2,y,0.7,0,t"),
            settings(null, List.of("c"), List.of("a"), List.of("b"), 0));
    assertThat(s.kinds())
        .containsExactly(
            ColumnKind.NUMERIC,
            ColumnKind.IGNORED,
            ColumnKind.CATEGORICAL,
            ColumnKind.LABEL,
            ColumnKind.IGNORED);
    CsvSchema labelled =
        SchemaDetector.detect(
            List.of("a", "b"),
            rows("1,x", "0,y"),
            settings("a", List.of(), List.of(), List.of(), 0));
    assertThat(labelled.label()).isZero();
    assertThat(labelled.kinds()).containsExactly(ColumnKind.LABEL, ColumnKind.CATEGORICAL);
  }

  @Test
  void errorsNameTheOptionAndColumn() {
    List<String> header = List.of("a", "label");
    List<String[]> sample = rows("1,0");
    assertThatThrownBy(
            () ->
                SchemaDetector.detect(
                    header, sample, settings(null, List.of(), List.of("nope"), List.of(), 0)))
        .hasMessage("unknown column 'nope' in --numeric; columns are: [a, label]");
    assertThatThrownBy(
            () ->
                SchemaDetector.detect(
                    header, sample, settings("lbl", List.of(), List.of(), List.of(), 0)))
        .hasMessage("unknown column 'lbl' in --label; columns are: [a, label]");
    assertThatThrownBy(
            () ->
                SchemaDetector.detect(
                    List.of("a", "b"), sample, settings(null, List.of(), List.of(), List.of(), 0)))
        .hasMessageContaining("no label column found")
        .hasMessageContaining("columns are: [a, b]");
    assertThatThrownBy(
            () ->
                SchemaDetector.detect(
                    header, sample, settings(null, List.of("a"), List.of("a"), List.of(), 0)))
        .hasMessage("column 'a' in --numeric is already CATEGORICAL");
    assertThatThrownBy(
            () ->
                SchemaDetector.detect(
                    header, sample, settings(null, List.of("label"), List.of(), List.of(), 0)))
        .hasMessage("column 'label' in --categorical is the label column");
  }

  @Test
  void quantileCutsForBinnedNumerics() {
    List<String[]> sample = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sample.add(new String[] {Double.toString(i / 100.0), "0"});
    }
    CsvSchema s =
        SchemaDetector.detect(
            List.of("x", "y"), sample, settings(null, List.of(), List.of(), List.of(), 4));
    // quantiles of 0.00..0.99 at 1/4, 2/4, 3/4 of 99 → indices 24, 49, 74
    assertThat(s.binCuts().get(0)).containsExactly(0.24, 0.49, 0.74);
    assertThat(s.binCuts().get(1)).isEmpty();
  }

  @Test
  void columnsWithFewDistinctValuesAreNotBinned() {
    List<String[]> sample = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sample.add(new String[] {i % 10 == 0 ? "1.0" : "0.0", Double.toString(i / 100.0), "0"});
    }
    CsvSchema s =
        SchemaDetector.detect(
            List.of("count", "x", "y"), sample, settings(null, List.of(), List.of(), List.of(), 4));
    assertThat(s.kinds()).containsExactly(ColumnKind.NUMERIC, ColumnKind.NUMERIC, ColumnKind.LABEL);
    assertThat(s.binCuts().get(0)).isEmpty();
    assertThat(s.binCuts().get(1)).hasSize(3);
    assertThat(s.describe()).endsWith("binned_numeric=1");
  }
}
