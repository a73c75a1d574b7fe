package dev.flywheel.jobs.events;

import dev.flywheel.jobs.config.JobSettings;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/** Event time of decoded events: {@link Event#ts}, with the job's out-of-orderness and idleness. */
public final class EventWatermarks {
  private EventWatermarks() {}

  /**
   * Bounded out-of-orderness watermarks on {@link Event#ts}; a split idle for the idleness option
   * stops holding the watermark back (zero turns this off).
   */
  public static WatermarkStrategy<Event> strategy(JobSettings settings) {
    WatermarkStrategy<Event> strategy =
        WatermarkStrategy.<Event>forBoundedOutOfOrderness(settings.watermarkOutOfOrderness())
            .withTimestampAssigner((event, recordTs) -> event.ts);
    if (!settings.watermarkIdleness().isZero()) {
      strategy = strategy.withIdleness(settings.watermarkIdleness());
    }
    return strategy;
  }
}
