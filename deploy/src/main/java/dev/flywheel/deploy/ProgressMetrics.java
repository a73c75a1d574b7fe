package dev.flywheel.deploy;

import java.util.regex.Pattern;

/**
 * Which Flink metrics fill the progress line. Each is a pattern over the metric ids the REST API
 * lists per job vertex ({@code /jobs/:id/vertices/:vid/subtasks/metrics}), such as {@code
 * Source__Kafka_events.numRecordsIn} or {@code Trainer.flywheel.modelVersion}: a plain name matches
 * an id equal to it or ending in {@code .name}; {@code *} matches any characters.
 *
 * @param eventsIn counter of events read (summed over subtasks and vertices; shown as a rate)
 * @param examplesTrained counter of examples learned (summed)
 * @param modelVersion gauge of the serving model's version (maximum)
 * @param logLoss gauge of progressive log loss (average over subtasks)
 * @param dlqRecords counter of events sent to the DLQ (summed)
 */
public record ProgressMetrics(
    String eventsIn,
    String examplesTrained,
    String modelVersion,
    String logLoss,
    String dlqRecords) {

  /** Records read by every source operator (Flink's own metric). */
  public static final String SOURCE_RECORDS_IN = "Source__*.numRecordsIn";

  /** Examples the trainer has learned from; a counter the pipeline registers. */
  public static final String EXAMPLES_TRAINED = "flywheel.examplesTrained";

  /** Version of the model in use; a gauge the pipeline registers. */
  public static final String MODEL_VERSION = "flywheel.modelVersion";

  /** Progressive-validation log loss; a gauge the pipeline registers. */
  public static final String LOG_LOSS = "flywheel.progressiveLogLoss";

  /** Events written to the DLQ; a counter the pipeline registers. */
  public static final String DLQ_RECORDS = "flywheel.dlqRecords";

  /** The pipeline's metrics; the identity job has only the first, the rest show as "-". */
  public static final ProgressMetrics PIPELINE =
      new ProgressMetrics(
          SOURCE_RECORDS_IN, EXAMPLES_TRAINED, MODEL_VERSION, LOG_LOSS, DLQ_RECORDS);

  /** Whether metric id {@code id} matches {@code pattern} (see the class comment). */
  public static boolean matches(String pattern, String id) {
    if (pattern.indexOf('*') < 0) {
      return id.equals(pattern) || id.endsWith("." + pattern);
    }
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.matches("(.*\\.)?" + regex, id);
  }
}
