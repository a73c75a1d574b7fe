package dev.flywheel.simulator;

/**
 * The items a policy chose to show, best position first.
 *
 * @param items item indices, position 0 first
 * @param propensities per position, the probability that the policy put this item in this position
 *     given the request, its prediction and the positions before it
 * @param scores per position, the model's predicted click probability for the item, or NaN when the
 *     policy had no prediction for it
 * @param fallback true if a model policy had no prediction and showed a random slate instead
 */
public record Slate(int[] items, double[] propensities, double[] scores, boolean fallback) {}
