package dev.flywheel.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowEncoderTest {
  private static final FeatureHasher HASHER = new FeatureHasher(20, 3);

  private static CsvSchema schema(double[] xCuts, double[] zCuts) {
    return new CsvSchema(
        List.of("", "colour", "x", "z", "y"),
        List.of(
            ColumnKind.IGNORED,
            ColumnKind.CATEGORICAL,
            ColumnKind.NUMERIC,
            ColumnKind.NUMERIC,
            ColumnKind.LABEL),
        4,
        List.of(new double[0], new double[0], xCuts, zCuts, new double[0]));
  }

  /** Encodes every record of {@code csv}; returns the statuses. */
  private static List<RowEncoder.Status> encode(RowEncoder encoder, String csv, SparseBatch batch)
      throws IOException {
    List<RowEncoder.Status> statuses = new ArrayList<>();
    try (CsvReader reader = new CsvReader(new StringReader(csv), 7)) {
      while (reader.next()) {
        statuses.add(encoder.encode(reader, batch));
      }
    }
    return statuses;
  }

  @Test
  void hashesLikeTheCharSequenceApi() throws IOException {
    RowEncoder encoder = new RowEncoder(schema(new double[0], new double[0]), HASHER, true, false);
    SparseBatch batch = new SparseBatch(4, 4);
    assertThat(encode(encoder, "17,red,2.5,-1,1\n", batch)).containsExactly(RowEncoder.Status.OK);
    assertThat(batch.size()).isEqualTo(1);
    assertThat(batch.label(0)).isEqualTo(1.0);
    assertThat(batch.end(0) - batch.start(0)).isEqualTo(3);
    assertThat(batch.index(0)).isEqualTo(HASHER.categorical("colour", "red"));
    assertThat(batch.value(0)).isEqualTo(1.0);
    assertThat(batch.isNumeric(0)).isFalse();
    assertThat(batch.index(1)).isEqualTo(HASHER.numeric("x"));
    assertThat(batch.value(1)).isEqualTo(2.5);
    assertThat(batch.isNumeric(1)).isTrue();
    assertThat(batch.index(2)).isEqualTo(HASHER.numeric("z"));
    assertThat(batch.value(2)).isEqualTo(-1.0);
  }

  @Test
  void binsAndCrosses() throws IOException {
    RowEncoder encoder =
        new RowEncoder(schema(new double[] {0.0, 1.0}, new double[] {10.0}), HASHER, true, true);
    SparseBatch batch = new SparseBatch(4, 4);
    // x = 1.0 equals the second cut: bin 1 (cuts strictly below); z = 11 > 10: bin 1
    assertThat(encode(encoder, "0,red,1.0,11,0\n", batch)).containsExactly(RowEncoder.Status.OK);
    List<Integer> indices = new ArrayList<>();
    for (int k = batch.start(0); k < batch.end(0); k++) {
      indices.add(batch.index(k));
    }
    assertThat(indices)
        .containsExactly(
            HASHER.categorical("colour", "red"),
            HASHER.numeric("x"),
            HASHER.categorical("x", "bin 1"),
            HASHER.numeric("z"),
            HASHER.categorical("z", "bin 1"),
            HASHER.categorical("x x z", "1 1"));
  }

  @Test
  void missingValuesAddNothingAndBadRowsAddNothing() throws IOException {
    RowEncoder encoder =
        new RowEncoder(schema(new double[] {0.0}, new double[] {0.0}), HASHER, true, true);
    SparseBatch batch = new SparseBatch(4, 4);
    List<RowEncoder.Status> statuses =
        encode(encoder, "0,,,5,1\n0,red,x,1,0\n0,red,1\n0,red,1,1,2\n0,blue,1,1,0\n", batch);
    assertThat(statuses)
        .containsExactly(
            RowEncoder.Status.OK,
            RowEncoder.Status.NUMERIC,
            RowEncoder.Status.FIELD_COUNT,
            RowEncoder.Status.LABEL,
            RowEncoder.Status.OK);
    assertThat(batch.size()).isEqualTo(2);
    // row 1: only z and its bin (colour and x missing, so no cross)
    assertThat(batch.end(0) - batch.start(0)).isEqualTo(2);
    // row 5: colour, x, x bin, z, z bin, cross: the bad rows left nothing behind
    assertThat(batch.end(1) - batch.start(1)).isEqualTo(6);
    assertThat(batch.index(batch.start(1))).isEqualTo(HASHER.categorical("colour", "blue"));
  }

  @Test
  void numericLabelsForSquaredLoss() throws IOException {
    RowEncoder encoder = new RowEncoder(schema(new double[0], new double[0]), HASHER, false, false);
    SparseBatch batch = new SparseBatch(4, 4);
    assertThat(encode(encoder, "0,red,1,1,2.75\n", batch)).containsExactly(RowEncoder.Status.OK);
    assertThat(batch.label(0)).isEqualTo(2.75);
    assertThat(encoder.label()).isEqualTo(2.75);
  }
}
