package dev.flywheel.jobs.events;

/** Why a record went to the dead-letter topic. Written by name, never by ordinal. */
public enum DlqReason {
  /** Not a JSON object: syntax error, invalid UTF-8, truncated, empty, or trailing content. */
  MALFORMED_JSON,
  /** {@code "v"} is not 1. */
  UNSUPPORTED_VERSION,
  /** {@code "type"} is not one of request, impression, click, example. */
  UNKNOWN_TYPE,
  /** A field the event type requires is absent (or null). */
  MISSING_FIELD,
  /** A field has the wrong JSON type or an out-of-range value. */
  INVALID_FIELD,
  /** A number is NaN, infinite, or overflows a double. */
  NON_FINITE_NUMBER,
  /** The record, its feature count or its candidate count exceeds a bound. */
  TOO_LARGE,
  /** A bug in the decoder: it should never happen (tests assert it does not). */
  DECODER_ERROR
}
