package dev.flywheel.simulator;

/**
 * What the user did with a slate: per position, whether they clicked and after how long.
 *
 * @param clicked per position, whether the item shown there was clicked
 * @param delaySeconds per position, the click delay in seconds (drawn for every position, used only
 *     where {@link #clicked} is true)
 */
public record Outcome(boolean[] clicked, double[] delaySeconds) {

  /** The number of clicks in the slate. */
  public int clicks() {
    int n = 0;
    for (boolean c : clicked) {
      if (c) {
        n++;
      }
    }
    return n;
  }
}
