package dev.flywheel.jobs.join;

import dev.flywheel.jobs.events.Event;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys impressions and clicks by impression id: the key of the {@link LabelJoinOperator}. */
public final class ImpressionIdSelector implements KeySelector<Event, String> {
  private static final long serialVersionUID = 1L;

  @Override
  public String getKey(Event event) {
    return event.impressionId;
  }
}
