package dev.flywheel.jobs.events;

/**
 * Why an event could not be decoded.
 *
 * @param reason the machine-readable reason (the DLQ metric's label)
 * @param detail a human-readable detail naming the field at fault
 */
public record DecodeFailure(DlqReason reason, String detail) {}
