package dev.flywheel.jobs.events;

import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A prediction, as the scorer emits it and {@link PredictionJson} writes it to the {@code
 * predictions} topic. Serialized by {@link PredictionSerializer} (through {@code @TypeInfo}; no
 * reflection, no Kryo).
 *
 * <p>For a request: {@link #requestId} and the candidates ranked by descending score in {@link
 * #rankedItemIds} / {@link #rankedScores}; {@link #score} is NaN. For an impression: {@link
 * #impressionId}, {@link #requestId}, {@link #itemId} and {@link #score}. For an example: {@link
 * #id} and {@link #score}.
 */
@TypeInfo(PredictionSerializer.Factory.class)
public class Prediction {
  /** The type of the event scored: REQUEST, IMPRESSION or EXAMPLE. */
  public EventType type;

  public String model;

  /** Version of the model that scored (0 if no model had been published yet). */
  public long modelVersion;

  public String requestId;
  public String impressionId;
  public String id;
  public String itemId;

  /** Probability of a click (log loss) or predicted value (squared loss); NaN for requests. */
  public double score = Double.NaN;

  /** A request's candidate item ids, best first; null for other types. */
  public String[] rankedItemIds;

  /** Scores parallel to {@link #rankedItemIds}; null for other types. */
  public double[] rankedScores;

  /** Event time of the scored event (epoch ms). */
  public long eventTs;

  /** Wall-clock time the prediction was made (epoch ms). */
  public long scoredAt;

  public Prediction() {}

  /** The Kafka key of this prediction: the id of the event it answers. */
  public String key() {
    if (type == null) {
      return id;
    }
    return switch (type) {
      case REQUEST -> requestId;
      case IMPRESSION, CLICK -> impressionId;
      case EXAMPLE -> id;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction p
        && type == p.type
        && Objects.equals(model, p.model)
        && modelVersion == p.modelVersion
        && Objects.equals(requestId, p.requestId)
        && Objects.equals(impressionId, p.impressionId)
        && Objects.equals(id, p.id)
        && Objects.equals(itemId, p.itemId)
        && Double.compare(score, p.score) == 0
        && Arrays.equals(rankedItemIds, p.rankedItemIds)
        && Arrays.equals(rankedScores, p.rankedScores)
        && eventTs == p.eventTs
        && scoredAt == p.scoredAt;
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, model, modelVersion, key(), eventTs);
  }

  @Override
  public String toString() {
    return "Prediction{"
        + type
        + " "
        + model
        + "@"
        + modelVersion
        + " key="
        + key()
        + (rankedItemIds == null ? " score=" + score : " ranked=" + Arrays.toString(rankedItemIds))
        + "}";
  }
}
