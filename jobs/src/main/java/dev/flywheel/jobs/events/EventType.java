package dev.flywheel.jobs.events;

/** The {@code "type"} of an event; its JSON name is the lower-case name. */
public enum EventType {
  /** A ranking request: shared (user + context) features and candidates to score. */
  REQUEST("request"),
  /** An item shown to a user, with every feature used to score it. */
  IMPRESSION("impression"),
  /** A click on an impression. */
  CLICK("click"),
  /** A self-contained labelled example (test-then-train). */
  EXAMPLE("example");

  private final String json;

  EventType(String json) {
    this.json = json;
  }

  /** The name used in JSON. */
  public String json() {
    return json;
  }
}
