package dev.flywheel.simulator;

/**
 * A prediction for a request as read from the {@code predictions} topic: the candidates ranked by
 * the model, best first. Built by {@link PredictionParser}.
 *
 * @param requestId the request it answers
 * @param model model id
 * @param modelVersion version of the model that scored (0 = no model published yet)
 * @param itemIds candidate item ids, best first
 * @param scores scores parallel to {@link #itemIds} (NaN where the prediction carried none)
 */
public record Ranking(
    String requestId, String model, long modelVersion, String[] itemIds, double[] scores) {}
