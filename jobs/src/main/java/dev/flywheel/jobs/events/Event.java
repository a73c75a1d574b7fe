package dev.flywheel.jobs.events;

import dev.flywheel.model.SparseBatch;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A decoded event, with its features already hashed (see docs/events.md for the JSON contract). A
 * plain record with public fields; Flink serializes it with the hand-written {@link
 * EventSerializer} (through {@code @TypeInfo}), never with reflection or Kryo.
 *
 * <p>Features live in three parallel arrays: slot {@code s} holds bucket {@code indices[s]}, value
 * {@code values[s]} (1 for a categorical feature, the raw number for a numeric one) and {@code
 * numeric[s]} (whether the model must scale the value). A request stores its shared features (user
 * then context) in slots {@code [0, sharedCount)}, then each candidate's own features: candidate
 * {@code k} owns slots {@code [candidateOffsets[k], candidateOffsets[k + 1])}. An impression or an
 * example stores its features in {@code [0, sharedCount)} and has no candidates. A click has no
 * features.
 *
 * <p>Arrays are never mutated after decoding; operators may share them between records.
 */
@TypeInfo(EventSerializer.Factory.class)
public class Event {
  /** Absent {@link #position}. */
  public static final int NO_POSITION = -1;

  public EventType type;

  /** Event time, epoch milliseconds. */
  public long ts;

  /** Model id; {@code "default"} when the event names none. */
  public String model;

  /** Request id: set on requests, and on impressions (the request that produced them). */
  public String requestId;

  /** Impression id: set on impressions and clicks. */
  public String impressionId;

  /** Example id: set on examples. */
  public String id;

  /** Item shown by an impression. */
  public String itemId;

  /** Rank at which an impression was shown (0-based as the application logs it), or -1. */
  public int position = NO_POSITION;

  /** Probability with which the impression was shown, in (0, 1], or NaN if not logged. */
  public double propensity = Double.NaN;

  /** Label of an example (0/1 for log loss, any finite number for squared loss), else NaN. */
  public double label = Double.NaN;

  /** Value of a click (e.g. revenue), or NaN if not given. */
  public double value = Double.NaN;

  /** Hashed feature buckets (see the class comment for the layout); empty for a click. */
  public int[] indices;

  /** Feature values, parallel to {@link #indices}. */
  public double[] values;

  /** Whether each feature value is a raw number the model scales, parallel to {@link #indices}. */
  public boolean[] numeric;

  /** Slots {@code [0, sharedCount)} are the event's own (request: shared) features. */
  public int sharedCount;

  /** Item ids of a request's candidates, in the order sent; null for other types. */
  public String[] candidateItemIds;

  /**
   * Candidate {@code k}'s features are slots {@code [candidateOffsets[k], candidateOffsets[k +
   * 1])}; length {@code candidates + 1}, starting at {@link #sharedCount}; null for other types.
   */
  public int[] candidateOffsets;

  public Event() {}

  /** Number of candidates of a request; 0 for other types. */
  public int candidateCount() {
    return candidateItemIds == null ? 0 : candidateItemIds.length;
  }

  /** Number of feature slots in total (shared and candidates). */
  public int featureCount() {
    return indices == null ? 0 : indices.length;
  }

  /**
   * Adds the event's own features (an impression's or example's features; a request's shared
   * features) to the example {@code batch} is building. The caller ends the example.
   */
  public void addFeatures(SparseBatch batch) {
    addSlots(batch, 0, sharedCount);
  }

  /**
   * Adds candidate {@code k}'s features, shared features first then its own, to the example {@code
   * batch} is building: the input that scores candidate {@code k}. The caller ends the example.
   */
  public void addCandidateFeatures(SparseBatch batch, int k) {
    if (k < 0 || k >= candidateCount()) {
      throw new IndexOutOfBoundsException(
          "candidate " + k + " of a " + type + " with " + candidateCount() + " candidates");
    }
    addSlots(batch, 0, sharedCount);
    addSlots(batch, candidateOffsets[k], candidateOffsets[k + 1]);
  }

  private void addSlots(SparseBatch batch, int from, int to) {
    for (int s = from; s < to; s++) {
      if (numeric[s]) {
        batch.addNumeric(indices[s], values[s]);
      } else {
        batch.add(indices[s], values[s]);
      }
    }
  }

  /** The id this event's prediction is keyed by: request, impression or example id. */
  public String primaryId() {
    return switch (type) {
      case REQUEST -> requestId;
      case IMPRESSION, CLICK -> impressionId;
      case EXAMPLE -> id;
    };
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Event e)) {
      return false;
    }
    return type == e.type
        && ts == e.ts
        && Objects.equals(model, e.model)
        && Objects.equals(requestId, e.requestId)
        && Objects.equals(impressionId, e.impressionId)
        && Objects.equals(id, e.id)
        && Objects.equals(itemId, e.itemId)
        && position == e.position
        && Double.compare(propensity, e.propensity) == 0
        && Double.compare(label, e.label) == 0
        && Double.compare(value, e.value) == 0
        && Arrays.equals(indices, e.indices)
        && Arrays.equals(values, e.values)
        && Arrays.equals(numeric, e.numeric)
        && sharedCount == e.sharedCount
        && Arrays.equals(candidateItemIds, e.candidateItemIds)
        && Arrays.equals(candidateOffsets, e.candidateOffsets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, ts, model, requestId, impressionId, id, Arrays.hashCode(indices));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Event{").append(type).append(" ts=").append(ts);
    b.append(" model=").append(model);
    if (requestId != null) {
      b.append(" requestId=").append(requestId);
    }
    if (impressionId != null) {
      b.append(" impressionId=").append(impressionId);
    }
    if (id != null) {
      b.append(" id=").append(id);
    }
    if (itemId != null) {
      b.append(" itemId=").append(itemId);
    }
    if (position != NO_POSITION) {
      b.append(" position=").append(position);
    }
    if (!Double.isNaN(propensity)) {
      b.append(" propensity=").append(propensity);
    }
    if (!Double.isNaN(label)) {
      b.append(" label=").append(label);
    }
    if (!Double.isNaN(value)) {
      b.append(" value=").append(value);
    }
    b.append(" features=").append(featureCount());
    if (candidateItemIds != null) {
      b.append(" candidates=").append(Arrays.toString(candidateItemIds));
    }
    return b.append('}').toString();
  }
}
