package dev.flywheel.simulator;

/**
 * What a simulator run did.
 *
 * @param policy the policy played
 * @param requests requests sent
 * @param impressions impressions sent
 * @param clicks clicks drawn (sent or, if the run stopped before their delay, dropped)
 * @param clicksDropped clicks not sent because the run ended first
 * @param fallbacks requests whose prediction did not arrive in time (random slate shown)
 * @param latePredictions predictions that arrived after their request fell back, or for unknown
 *     requests
 * @param malformedPredictions prediction records that did not parse
 * @param modelVersion highest model version seen (−1 if none)
 * @param sendErrors records the producer failed to send
 * @param randomCtr CTR of the random policy on the same requests, computed offline
 * @param oracleCtr CTR of the oracle on the same requests, computed offline
 */
public record RunSummary(
    String policy,
    long requests,
    long impressions,
    long clicks,
    long clicksDropped,
    long fallbacks,
    long latePredictions,
    long malformedPredictions,
    long modelVersion,
    long sendErrors,
    double randomCtr,
    double oracleCtr) {

  /** Clicks per impression of the policy played. */
  public double ctr() {
    return impressions == 0 ? Double.NaN : (double) clicks / impressions;
  }
}
