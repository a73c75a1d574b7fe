package dev.flywheel.simulator;

/**
 * One ranking request drawn from a {@link World}: who asks, in which context, and which candidate
 * items the application retrieved. A pure function of the world's seed and {@link #index}.
 *
 * @param index the request's sequence number (0-based); ids and every draw derive from it
 * @param user index of the user
 * @param hour hour of day, 0–23 (a context feature)
 * @param device index into {@link World#DEVICES} (a context feature)
 * @param candidates item indices, distinct, in retrieval order (the order carries no signal)
 * @param phase 0 before the drift point, 1 from it on
 */
public record Request(long index, int user, int hour, int device, int[] candidates, int phase) {}
