package dev.flywheel.jobs.events;

import dev.flywheel.jobs.config.JobSettings;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>An event naming a model id outside the job's allow-list ({@code flywheel.model.ids}) is a dead
 * letter too ({@link DlqReason#UNKNOWN_MODEL}): every model id costs a full model in the trainer
 * and in every scorer subtask, so ids must not be created by whatever a producer writes.
 *
 * <p>Metrics, under the group {@code flywheel}: counter {@code eventsIn} per {@code type} (request,
 * impression, click, example), counter {@code deadLetters} per {@code reason} ({@link DlqReason}
 * names) and counter {@value #DLQ_RECORDS}, every dead letter (what the runner's progress line
 * shows).
 */
public class DecodeFunction extends ProcessFunction<RawRecord, Event> {
  private static final long serialVersionUID = 1L;

  /** Side output of records that could not be decoded. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  /** Name of the counter of all dead letters, under the group {@code flywheel}. */
  public static final String DLQ_RECORDS = "dlqRecords";

  private final DecoderConfig config;
  private final int maxOriginalBytes;

  /** Accepted model ids, or null for any. */
  private final Set<String> modelIds;

  private transient EventDecoder decoder;
  private transient Counter[] eventsIn;
  private transient Counter[] deadLetters;
  private transient Counter dlqRecords;
  private transient String allowedIds;

  /**
   * A decode function that accepts any model id (tests; the job uses {@link #of}).
   *
   * @param config the decoder's hashing, bounds and label rule
   * @param maxOriginalBytes most bytes of a bad record copied into its dead letter
   */
  public DecodeFunction(DecoderConfig config, int maxOriginalBytes) {
    this(config, maxOriginalBytes, null);
  }

  /**
   * @param config the decoder's hashing, bounds and label rule
   * @param maxOriginalBytes most bytes of a bad record copied into its dead letter
   * @param modelIds the model ids events may name; null accepts any
   */
  public DecodeFunction(DecoderConfig config, int maxOriginalBytes, Set<String> modelIds) {
    this.config = config;
    this.maxOriginalBytes = maxOriginalBytes;
    this.modelIds = modelIds == null ? null : Set.copyOf(modelIds);
  }

  /** The decode function the job's settings describe (with its model-id allow-list). */
  public static DecodeFunction of(JobSettings settings) {
    return new DecodeFunction(
        settings.decoderConfig(), settings.dlqMaxOriginalBytes(), settings.modelIds().orElse(null));
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
    dlqRecords = group.counter(DLQ_RECORDS);
    allowedIds = modelIds == null ? "*" : String.join(",", new TreeSet<>(modelIds));
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<Event> out) {
    Event event = decoder.decode(record.value);
    if (event != null
        && (modelIds == null || event.type == EventType.CLICK || modelIds.contains(event.model))) {
      eventsIn[event.type.ordinal()].inc();
      out.collect(event);
      return;
    }
    DecodeFailure failure =
        event == null
            ? decoder.failure()
            : new DecodeFailure(
                DlqReason.UNKNOWN_MODEL,
                "model '" + event.model + "' is not in flywheel.model.ids (" + allowedIds + ")");
    deadLetters[failure.reason().ordinal()].inc();
    dlqRecords.inc();
    ctx.output(DEAD_LETTERS, DeadLetter.of(record, failure, maxOriginalBytes));
  }

  /** Events decoded so far of {@code type} (for tests). */
  long eventsIn(EventType type) {
    return eventsIn[type.ordinal()].getCount();
  }

  /** Dead letters so far, every reason (for tests). */
  long dlqRecords() {
    return dlqRecords.getCount();
  }

  /** Dead letters so far with {@code reason} (for tests). */
  long deadLetters(DlqReason reason) {
    return deadLetters[reason.ordinal()].getCount();
  }
}
