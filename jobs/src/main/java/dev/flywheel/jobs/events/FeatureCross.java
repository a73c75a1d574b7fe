package dev.flywheel.jobs.events;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A cross of two named features (Wide &amp; Deep's cross-product transformation): when an example
 * has both, the decoder adds one more hashed feature for the pair of their values, so the model
 * gets one weight (and one embedding) per value pair, e.g. per {@code segment × category}. See
 * docs/events.md ("Feature crosses") for the rules.
 *
 * @param left name of the first feature
 * @param right name of the second feature (order matters: {@code a*b} and {@code b*a} hash apart)
 */
public record FeatureCross(String left, String right) implements Serializable {

  /** Most crosses one job may configure. */
  public static final int MAX_CROSSES = 64;

  public FeatureCross {
    if (left == null || right == null || left.isEmpty() || right.isEmpty()) {
      throw new IllegalArgumentException("a cross needs two non-empty feature names");
    }
    if (left.equals(right)) {
      throw new IllegalArgumentException("a cross needs two different features, got " + left);
    }
  }

  /**
   * Parses {@code "a*b,c*d"}: comma-separated crosses of two feature names joined by {@code *};
   * blanks around names are ignored; an empty or blank text is no cross.
   *
   * @param text the option's value
   * @param option the option's key, named in every error
   * @throws IllegalArgumentException naming {@code option}, the bad part and why
   */
  public static List<FeatureCross> parseList(String text, String option) {
    String trimmed = text == null ? "" : text.trim();
    if (trimmed.isEmpty()) {
      return List.of();
    }
    List<FeatureCross> crosses = new ArrayList<>();
    Set<Set<String>> pairs = new HashSet<>();
    for (String part : trimmed.split(",", -1)) {
      String[] names = part.split("\\*", -1);
      if (names.length != 2 || names[0].isBlank() || names[1].isBlank()) {
        throw new IllegalArgumentException(
            option
                + " must be comma-separated crosses name*name, got '"
                + part.trim()
                + "' in '"
                + text
                + "'");
      }
      String left = names[0].trim();
      String right = names[1].trim();
      if (left.equals(right)) {
        throw new IllegalArgumentException(
            option + ": a feature cannot be crossed with itself, got '" + part.trim() + "'");
      }
      if (!pairs.add(Set.of(left, right))) {
        throw new IllegalArgumentException(
            option + ": the cross of " + left + " and " + right + " is given twice");
      }
      crosses.add(new FeatureCross(left, right));
    }
    if (crosses.size() > MAX_CROSSES) {
      throw new IllegalArgumentException(
          option + " allows at most " + MAX_CROSSES + " crosses, got " + crosses.size());
    }
    return Collections.unmodifiableList(crosses);
  }

  @Override
  public String toString() {
    return left + "*" + right;
  }
}
