package dev.flywheel.simulator;

/**
 * The application's business logic: which of a request's candidates to show, in which order.
 *
 * <p>Implementations draw their randomness from {@link World#policyRandom(long)} for the request's
 * index, so a policy's choices reproduce exactly for a given seed.
 */
public interface Policy {

  /**
   * Chooses the slate for a request.
   *
   * @param request the request (input, not modified)
   * @param prediction the model's ranking for it, or null if none arrived in time
   * @param k number of items to show, 1 to the number of candidates
   * @return the slate, {@code k} items long
   */
  Slate choose(Request request, Ranking prediction, int k);

  /** A short name for reports and CSV headers ({@code random}, {@code oracle}, {@code model}). */
  String name();
}
