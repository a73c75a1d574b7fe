package dev.flywheel.replay;

import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.util.Arrays;

/**
 * Turns one CSV record into one example of a {@link SparseBatch}, hashing straight from the
 * record's char ranges: nothing is allocated per row on the common path.
 *
 * <p>Categorical columns add {@code (hash(name=value), 1)}, empty values are missing and add
 * nothing. Numeric columns add {@code (hash(name), raw value)} through {@link
 * SparseBatch#addNumeric} and, when the column is binned, also {@code (hash(name=bin k), 1)}. With
 * {@code crossBins}, every pair of binned columns also adds the categorical feature of their bin
 * pair. Not thread-safe.
 */
final class RowEncoder {
  /** Outcome of {@link #encode}. */
  enum Status {
    OK,
    FIELD_COUNT,
    NUMERIC,
    LABEL
  }

  private final CsvSchema schema;
  private final ColumnKind[] kinds;
  private final char[][] names;
  private final int[] numericIndex;
  private final double[][] cuts;
  private final int[][] binIndex;
  private final int[] binnedColumns;
  private final int[][] crossIndex;
  private final int[] binOf;
  private final boolean binaryLabel;
  private final FeatureHasher hasher;
  private double label;

  /**
   * @param binaryLabel whether labels must be 0 or 1 (logistic loss)
   * @param crossBins whether to add the pairwise crosses of binned numeric columns
   */
  RowEncoder(CsvSchema schema, FeatureHasher hasher, boolean binaryLabel, boolean crossBins) {
    this.schema = schema;
    this.hasher = hasher;
    this.binaryLabel = binaryLabel;
    int n = schema.columns();
    kinds = schema.kinds().toArray(new ColumnKind[0]);
    names = new char[n][];
    numericIndex = new int[n];
    cuts = new double[n][];
    binIndex = new int[n][];
    int binned = 0;
    for (int i = 0; i < n; i++) {
      names[i] = schema.names().get(i).toCharArray();
      numericIndex[i] = hasher.numeric(schema.names().get(i));
      cuts[i] = schema.binCuts().get(i);
      binIndex[i] = new int[cuts[i].length + 1];
      for (int b = 0; b < binIndex[i].length; b++) {
        binIndex[i][b] = hasher.categorical(schema.names().get(i), "bin " + b);
      }
      if (cuts[i].length > 0) {
        binned++;
      }
    }
    binnedColumns = new int[binned];
    for (int i = 0, k = 0; i < n; i++) {
      if (cuts[i].length > 0) {
        binnedColumns[k++] = i;
      }
    }
    binOf = new int[n];
    int pairs = crossBins ? binned * (binned - 1) / 2 : 0;
    crossIndex = new int[pairs][];
    for (int a = 0, p = 0; a < binned && crossBins; a++) {
      for (int b = a + 1; b < binned; b++, p++) {
        int ca = binnedColumns[a];
        int cb = binnedColumns[b];
        int bins = cuts[cb].length + 1;
        crossIndex[p] = new int[(cuts[ca].length + 1) * bins];
        String name = schema.names().get(ca) + " x " + schema.names().get(cb);
        for (int i = 0; i < crossIndex[p].length; i++) {
          crossIndex[p][i] = hasher.categorical(name, (i / bins) + " " + (i % bins));
        }
      }
    }
  }

  /**
   * Adds the current record of {@code reader} to {@code batch} as one example (ended with its
   * label), or adds nothing and reports why the row is bad.
   */
  Status encode(CsvReader reader, SparseBatch batch) {
    if (reader.fieldCount() != kinds.length) {
      return Status.FIELD_COUNT;
    }
    char[] chars = reader.chars();
    double y = Double.NaN;
    for (int c = 0; c < kinds.length; c++) {
      int start = reader.start(c);
      int length = reader.length(c);
      switch (kinds[c]) {
        case IGNORED:
          break;
        case LABEL:
          y = FastDecimal.parse(chars, start, length);
          if (!Double.isFinite(y) || (binaryLabel && y != 0 && y != 1)) {
            batch.abandonExample();
            return Status.LABEL;
          }
          break;
        case CATEGORICAL:
          if (length > 0) {
            batch.add(hasher.categorical(names[c], 0, names[c].length, chars, start, length), 1.0);
          }
          break;
        case NUMERIC:
          if (length == 0) {
            binOf[c] = -1;
            break;
          }
          double v = FastDecimal.parse(chars, start, length);
          if (!Double.isFinite(v)) {
            batch.abandonExample();
            return Status.NUMERIC;
          }
          batch.addNumeric(numericIndex[c], v);
          double[] columnCuts = cuts[c];
          if (columnCuts.length > 0) {
            int bin = Arrays.binarySearch(columnCuts, v);
            bin = bin >= 0 ? bin : -bin - 1;
            binOf[c] = bin;
            batch.add(binIndex[c][bin], 1.0);
          }
          break;
        default:
          throw new IllegalStateException("unknown column kind " + kinds[c]);
      }
    }
    for (int a = 0, p = 0; a < binnedColumns.length && crossIndex.length > 0; a++) {
      for (int b = a + 1; b < binnedColumns.length; b++, p++) {
        int ba = binOf[binnedColumns[a]];
        int bb = binOf[binnedColumns[b]];
        if (ba >= 0 && bb >= 0) {
          batch.add(crossIndex[p][ba * (cuts[binnedColumns[b]].length + 1) + bb], 1.0);
        }
      }
    }
    label = y;
    batch.endExample(y);
    return Status.OK;
  }

  /** The label of the last row encoded successfully. */
  double label() {
    return label;
  }

  /** Whether labels must be 0 or 1. */
  boolean binaryLabel() {
    return binaryLabel;
  }

  CsvSchema schema() {
    return schema;
  }
}
