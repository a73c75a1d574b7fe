package dev.flywheel.jobs.events;

import dev.flywheel.model.SparseBatch;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A training example: hashed features and a label, the trainer's input. Produced by the label join
 * (impression + click or timeout) and directly from {@code example} events. Serialized by {@link
 * LabeledExampleSerializer} (through {@code @TypeInfo}; no reflection, no Kryo).
 *
 * <p>Feature arrays have the layout of {@link Event}'s own features and are never mutated; they may
 * be shared with the event they came from.
 */
@TypeInfo(LabeledExampleSerializer.Factory.class)
public class LabeledExample {
  /** Model id the example trains. */
  public String model;

  /** Impression id (joined examples) or example id. */
  public String id;

  /** Event time (epoch ms) at which the label was decided: the click, or the window's end. */
  public long ts;

  public int[] indices;
  public double[] values;
  public boolean[] numeric;

  /** 0/1 for clicks; any finite number for regression. */
  public double label;

  /** Weight of the example in the loss (1 unless stated). */
  public double weight = 1.0;

  public LabeledExample() {}

  public LabeledExample(
      String model,
      String id,
      long ts,
      int[] indices,
      double[] values,
      boolean[] numeric,
      double label,
      double weight) {
    this.model = model;
    this.id = id;
    this.ts = ts;
    this.indices = indices;
    this.values = values;
    this.numeric = numeric;
    this.label = label;
    this.weight = weight;
  }

  /** The example an {@code example} event carries: its features and label, at its event time. */
  public static LabeledExample fromExampleEvent(Event e) {
    if (e.type != EventType.EXAMPLE) {
      throw new IllegalArgumentException("expected an example event, got " + e.type);
    }
    return new LabeledExample(e.model, e.id, e.ts, e.indices, e.values, e.numeric, e.label, 1.0);
  }

  /** The example an impression becomes once labelled {@code label} at event time {@code ts}. */
  public static LabeledExample fromImpression(Event impression, double label, long ts) {
    if (impression.type != EventType.IMPRESSION) {
      throw new IllegalArgumentException("expected an impression, got " + impression.type);
    }
    return new LabeledExample(
        impression.model,
        impression.impressionId,
        ts,
        impression.indices,
        impression.values,
        impression.numeric,
        label,
        1.0);
  }

  public int featureCount() {
    return indices == null ? 0 : indices.length;
  }

  /** Appends this example (features, label, weight) to {@code batch} as one complete example. */
  public void addTo(SparseBatch batch) {
    addFeatures(batch);
    batch.endExample(label, weight);
  }

  /** Adds the features only; the caller ends the example. */
  public void addFeatures(SparseBatch batch) {
    for (int s = 0; s < indices.length; s++) {
      if (numeric[s]) {
        batch.addNumeric(indices[s], values[s]);
      } else {
        batch.add(indices[s], values[s]);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabeledExample x
        && Objects.equals(model, x.model)
        && Objects.equals(id, x.id)
        && ts == x.ts
        && Arrays.equals(indices, x.indices)
        && Arrays.equals(values, x.values)
        && Arrays.equals(numeric, x.numeric)
        && Double.compare(label, x.label) == 0
        && Double.compare(weight, x.weight) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, id, ts, Arrays.hashCode(indices), label, weight);
  }

  @Override
  public String toString() {
    return "LabeledExample{"
        + model
        + "/"
        + id
        + " ts="
        + ts
        + " label="
        + label
        + " weight="
        + weight
        + " features="
        + featureCount()
        + "}";
  }
}
