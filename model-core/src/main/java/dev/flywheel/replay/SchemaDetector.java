package dev.flywheel.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides each column's role from the header, the user's overrides and a sample of the first rows.
 *
 * <p>Rules, in order: the label is {@code --label} or else the first column named {@code label},
 * {@code class}, {@code click}, {@code y} or {@code target} (case-insensitive); columns named in
 * {@code --categorical}, {@code --numeric} or {@code --ignore} take that role; an unnamed column
 * (an exported row index) or one whose name matches the auto-ignore pattern is ignored; a column
 * whose non-empty sample values all parse as numbers is numeric, unless they are all written as
 * integers (sign and digits only: {@code 14}, not {@code 14.0}, which marks a float-typed column
 * such as a count or score) below 2^31 in magnitude with at most {@code maxCategoricalIntegers}
 * distinct values (ids, codes, slots), which makes it categorical; anything else is categorical.
 */
final class SchemaDetector {
  /** Label names tried in order when {@code --label} is absent. */
  static final List<String> LABEL_NAMES = List.of("label", "class", "click", "y", "target");

  private SchemaDetector() {}

  /** Overrides and knobs of the detection. */
  record Settings(
      String label,
      List<String> categorical,
      List<String> numeric,
      List<String> ignore,
      Pattern autoIgnore,
      int maxCategoricalIntegers,
      int numericBins) {}

  /**
   * @param header the header's fields
   * @param sample the first rows (rows with a wrong field count are skipped)
   * @throws IllegalArgumentException naming the option and the column on a bad override
   */
  static CsvSchema detect(List<String> header, List<String[]> sample, Settings settings) {
    int n = header.size();
    Map<String, Integer> byName = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byName.putIfAbsent(header.get(i), i);
    }
    int label = findLabel(header, byName, settings.label());
    ColumnKind[] kinds = new ColumnKind[n];
    kinds[label] = ColumnKind.LABEL;
    assign(kinds, byName, header, settings.categorical(), ColumnKind.CATEGORICAL, "--categorical");
    assign(kinds, byName, header, settings.numeric(), ColumnKind.NUMERIC, "--numeric");
    assign(kinds, byName, header, settings.ignore(), ColumnKind.IGNORED, "--ignore");
    for (int i = 0; i < n; i++) {
      if (kinds[i] != null) {
        continue;
      }
      String name = header.get(i).trim();
      if (name.isEmpty() || settings.autoIgnore().matcher(name).matches()) {
        kinds[i] = ColumnKind.IGNORED;
      } else {
        kinds[i] = guess(sample, i, n, settings.maxCategoricalIntegers());
      }
    }
    List<double[]> cuts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cuts.add(
          kinds[i] == ColumnKind.NUMERIC && settings.numericBins() > 1
              ? quantileCuts(sample, i, n, settings.numericBins())
              : new double[0]);
    }
    return new CsvSchema(header, Arrays.asList(kinds), label, cuts);
  }

  private static int findLabel(List<String> header, Map<String, Integer> byName, String label) {
    if (label != null) {
      Integer i = byName.get(label);
      if (i == null) {
        throw new IllegalArgumentException(
            "unknown column '" + label + "' in --label; columns are: " + header);
      }
      return i;
    }
    for (String candidate : LABEL_NAMES) {
      for (int i = 0; i < header.size(); i++) {
        if (header.get(i).trim().toLowerCase(Locale.ROOT).equals(candidate)) {
          return i;
        }
      }
    }
    throw new IllegalArgumentException(
        "no label column found (tried "
            + LABEL_NAMES
            + ", case-insensitive); name it with --label; columns are: "
            + header);
  }

  private static void assign(
      ColumnKind[] kinds,
      Map<String, Integer> byName,
      List<String> header,
      List<String> names,
      ColumnKind kind,
      String option) {
    for (String name : names) {
      Integer i = byName.get(name);
      if (i == null) {
        throw new IllegalArgumentException(
            "unknown column '" + name + "' in " + option + "; columns are: " + header);
      }
      if (kinds[i] == ColumnKind.LABEL) {
        throw new IllegalArgumentException(
            "column '" + name + "' in " + option + " is the label column");
      }
      if (kinds[i] != null) {
        throw new IllegalArgumentException(
            "column '" + name + "' in " + option + " is already " + kinds[i]);
      }
      kinds[i] = kind;
    }
  }

  private static ColumnKind guess(List<String[]> sample, int column, int width, int maxIntegers) {
    boolean allNumbers = true;
    boolean allSmallIntegers = true;
    boolean any = false;
    Set<Double> distinct = new HashSet<>();
    for (String[] row : sample) {
      if (row.length != width || row[column].isEmpty()) {
        continue;
      }
      any = true;
      char[] chars = row[column].toCharArray();
      double v = FastDecimal.parse(chars, 0, chars.length);
      if (!Double.isFinite(v)) {
        allNumbers = false;
        break;
      }
      if (allSmallIntegers) {
        if (!isIntegerText(chars) || Math.abs(v) >= 0x1p31) {
          allSmallIntegers = false;
        } else if (distinct.add(v) && distinct.size() > maxIntegers) {
          allSmallIntegers = false;
        }
      }
    }
    if (!any || !allNumbers) {
      return ColumnKind.CATEGORICAL;
    }
    return allSmallIntegers ? ColumnKind.CATEGORICAL : ColumnKind.NUMERIC;
  }

  /** Whether the text is an optional sign and decimal digits only ("7", "-3"; not "7.0"). */
  private static boolean isIntegerText(char[] chars) {
    int i = chars.length > 0 && (chars[0] == '-' || chars[0] == '+') ? 1 : 0;
    if (i == chars.length) {
      return false;
    }
    for (; i < chars.length; i++) {
      if (chars[i] < '0' || chars[i] > '9') {
        return false;
      }
    }
    return true;
  }

  /** Up to {@code bins - 1} distinct cut points at the sample's quantiles. */
  private static double[] quantileCuts(List<String[]> sample, int column, int width, int bins) {
    double[] values = new double[sample.size()];
    int m = 0;
    for (String[] row : sample) {
      if (row.length != width || row[column].isEmpty()) {
        continue;
      }
      char[] chars = row[column].toCharArray();
      double v = FastDecimal.parse(chars, 0, chars.length);
      if (Double.isFinite(v)) {
        values[m++] = v;
      }
    }
    Arrays.sort(values, 0, m);
    int distinct = m == 0 ? 0 : 1;
    for (int i = 1; i < m; i++) {
      if (values[i] != values[i - 1]) {
        distinct++;
      }
    }
    if (distinct < bins) {
      // a column with few distinct values (a flag, a small count) gains nothing from bins
      return new double[0];
    }
    double[] cuts = new double[bins - 1];
    int k = 0;
    for (int b = 1; b < bins; b++) {
      double cut = values[(int) ((long) b * (m - 1) / bins)];
      if (k == 0 || cut > cuts[k - 1]) {
        cuts[k++] = cut;
      }
    }
    return Arrays.copyOf(cuts, k);
  }
}
