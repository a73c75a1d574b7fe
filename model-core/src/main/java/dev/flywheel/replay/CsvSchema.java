package dev.flywheel.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The roles of a CSV file's columns, fixed before the replay starts.
 *
 * @param names the header's column names, in file order
 * @param kinds the role of each column
 * @param label index of the label column
 * @param binCuts per column, the ascending cut points of its numeric bins (empty when the column is
 *     not binned); value {@code v} falls in bin {@code #cuts < v}
 */
record CsvSchema(List<String> names, List<ColumnKind> kinds, int label, List<double[]> binCuts) {

  CsvSchema {
    names = List.copyOf(names);
    kinds = List.copyOf(kinds);
    binCuts = List.copyOf(binCuts);
  }

  /** Number of columns a well-formed row has. */
  int columns() {
    return names.size();
  }

  /** Names of the columns of one kind, in file order; unnamed columns as {@code <unnamed #i>}. */
  List<String> namesOf(ColumnKind kind) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (kinds.get(i) == kind) {
        out.add(display(i));
      }
    }
    return out;
  }

  /** A printable name of column {@code i}. */
  String display(int i) {
    String n = names.get(i);
    return n.isBlank() ? "<unnamed #" + i + ">" : n;
  }

  /** One line describing the schema. */
  String describe() {
    StringBuilder sb = new StringBuilder("schema label=").append(display(label));
    sb.append(" categorical=").append(namesOf(ColumnKind.CATEGORICAL));
    sb.append(" numeric=").append(namesOf(ColumnKind.NUMERIC));
    sb.append(" ignored=").append(namesOf(ColumnKind.IGNORED));
    int binned = 0;
    for (double[] cuts : binCuts) {
      if (cuts.length > 0) {
        binned++;
      }
    }
    if (binned > 0) {
      sb.append(" binned_numeric=").append(binned);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return describe() + " cuts=" + binCuts.stream().map(Arrays::toString).toList();
  }
}
