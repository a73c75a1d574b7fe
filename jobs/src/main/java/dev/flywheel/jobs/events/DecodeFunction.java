package dev.flywheel.jobs.events;

import dev.flywheel.jobs.config.JobSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes raw Kafka records into {@link Event}s; a record that breaks the contract goes to the
 * {@link #DEAD_LETTERS} side output with its reason and origin, never failing the job.
 *
 * <p>Metrics, under the group {@code flywheel}: counter {@code eventsIn} per {@code type} (request,
 * impression, click, example) and counter {@code deadLetters} per {@code reason} ({@link DlqReason}
 * names).
 */
public class DecodeFunction extends ProcessFunction<RawRecord, Event> {
  private static final long serialVersionUID = 1L;

  /** Side output of records that could not be decoded. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  private final DecoderConfig config;
  private final int maxOriginalBytes;

  private transient EventDecoder decoder;
  private transient Counter[] eventsIn;
  private transient Counter[] deadLetters;

  /**
   * @param config the decoder's hashing, bounds and label rule
   * @param maxOriginalBytes most bytes of a bad record copied into its dead letter
   */
  public DecodeFunction(DecoderConfig config, int maxOriginalBytes) {
    this.config = config;
    this.maxOriginalBytes = maxOriginalBytes;
  }

  /** The decode function the job's settings describe. */
  public static DecodeFunction of(JobSettings settings) {
    return new DecodeFunction(settings.decoderConfig(), settings.dlqMaxOriginalBytes());
  }

  @Override
  public void open(OpenContext openContext) {
    decoder = new EventDecoder(config);
    MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("flywheel");
    EventType[] types = EventType.values();
    eventsIn = new Counter[types.length];
    for (EventType t : types) {
      eventsIn[t.ordinal()] = group.addGroup("type", t.json()).counter("eventsIn");
    }
    DlqReason[] reasons = DlqReason.values();
    deadLetters = new Counter[reasons.length];
    for (DlqReason r : reasons) {
      deadLetters[r.ordinal()] = group.addGroup("reason", r.name()).counter("deadLetters");
    }
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<Event> out) {
    Event event = decoder.decode(record.value);
    if (event != null) {
      eventsIn[event.type.ordinal()].inc();
      out.collect(event);
    } else {
      DecodeFailure failure = decoder.failure();
      deadLetters[failure.reason().ordinal()].inc();
      ctx.output(DEAD_LETTERS, DeadLetter.of(record, failure, maxOriginalBytes));
    }
  }

  /** Events decoded so far of {@code type} (for tests). */
  long eventsIn(EventType type) {
    return eventsIn[type.ordinal()].getCount();
  }

  /** Dead letters so far with {@code reason} (for tests). */
  long deadLetters(DlqReason reason) {
    return deadLetters[reason.ordinal()].getCount();
  }
}
