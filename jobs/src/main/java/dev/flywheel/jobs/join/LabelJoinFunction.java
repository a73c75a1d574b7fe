package dev.flywheel.jobs.join;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.LabeledExample;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Joins impressions with clicks into labelled examples, in event time, keyed by impression id
 * ({@link ImpressionIdSelector}). Semantics (docs/join.md):
 *
 * <ul>
 *   <li>An impression at time {@code T} waits for a click until {@code T + window}. The first click
 *       with time {@code < T + window} emits a positive at once (label time: the click's, or {@code
 *       T} if the click is stamped earlier); the event-time timer at {@code T + window} emits a
 *       negative (label time {@code T + window}).
 *   <li>A click that arrives before its impression waits until the watermark passes its time plus
 *       {@code clickWait}; then it is counted as an orphan and dropped.
 *   <li>A click on an impression already labelled negative, or with a time outside the window, is a
 *       late click: counted and sent to {@link #LATE_CLICKS}, never silently lost.
 *   <li>Duplicate impressions and clicks are ignored (counted).
 *   <li>At most {@code maxPending} impressions and early clicks wait per subtask; beyond that new
 *       ones are shed (counted), so state cannot grow without limit even if the watermark stalls.
 *   <li>Once an impression id is labelled, its keyed state and timers are cleared; its outcome
 *       (positive or negative, no features) is remembered until {@code T + window +
 *       lateClickAllowance} in {@link RememberedOutcomes}: a 64-bit fingerprint in primitive
 *       arrays, checkpointed as union operator state and split by key group on restore, instead of
 *       a keyed entry and a timer per id. At most {@code maxPending} labelled ids are remembered
 *       per subtask; beyond that a newly labelled id is forgotten at once (counted), so memory
 *       stays bounded even if event time stalls.
 *   <li>Every key's state ends with its own event-time timer, and keys are bounded, so no state TTL
 *       is needed. An optional processing-time TTL ({@code stateTtl} positive) can still be added
 *       as a safety net; it costs CPU on every state access (incremental cleanup), and a key it
 *       drops is not subtracted from the counts below.
 * </ul>
 *
 * <p>Metrics, group {@code flywheel.join}: counters {@code positives}, {@code negatives}, {@code
 * lateClicks}, {@code orphanClicks}, {@code duplicates}, {@code shed}, {@code forgottenEarly}
 * (labelled ids not remembered because of the bound); gauges {@code pending} (impressions and early
 * clicks waiting on this subtask; exact except after a rescale, when the subtasks' sum is) and
 * {@code remembered} (labelled ids held, exact; ids whose time is up leave at the subtask's next
 * record or timer).
 */
public class LabelJoinFunction extends KeyedProcessFunction<String, Event, LabeledExample>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  /** Side output of late clicks (after the negative was emitted, or outside the window). */
  public static final OutputTag<Event> LATE_CLICKS =
      new OutputTag<>("late-clicks", TypeInformation.of(Event.class));

  private final long windowMs;
  private final long clickWaitMs;
  private final long lateAllowanceMs;
  private final Duration stateTtl;
  private final long maxPending;

  private transient ValueState<JoinState> state;
  private transient ListState<Long> pendingState;
  private transient ListState<Long> rememberedState;
  private transient ListState<byte[]> outcomesState;
  private transient RememberedOutcomes outcomes;
  private transient long pending;

  /** Ids remembered in keyed state, as checkpoints of earlier versions did (they drain away). */
  private transient long legacyRemembered;

  private transient Counter positives;
  private transient Counter negatives;
  private transient Counter lateClicks;
  private transient Counter orphanClicks;
  private transient Counter duplicates;
  private transient Counter shed;
  private transient Counter forgottenEarly;
  private transient long forgottenOnRestore;
  private transient DataOutputSerializer encoder;
  private transient DataInputDeserializer decoder;

  /**
   * @param window attribution window: how long after an impression a click counts
   * @param clickWait how long a click that came first waits for its impression
   * @param lateClickAllowance how long after the window a labelled impression is remembered
   * @param stateTtl processing-time TTL of the state, an optional safety net (at least the sum of
   *     the above), or zero for none
   * @param maxPending most impressions and early clicks held by one subtask (more are shed), and
   *     most labelled ids remembered by one subtask (more are forgotten at once)
   */
  public LabelJoinFunction(
      Duration window,
      Duration clickWait,
      Duration lateClickAllowance,
      Duration stateTtl,
      long maxPending) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, got " + maxPending);
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, got " + window);
    }
    if (clickWait.isNegative() || lateClickAllowance.isNegative()) {
      throw new IllegalArgumentException(
          "clickWait and lateClickAllowance must be >= 0, got "
              + clickWait
              + " and "
              + lateClickAllowance);
    }
    this.windowMs = window.toMillis();
    this.clickWaitMs = clickWait.toMillis();
    this.lateAllowanceMs = lateClickAllowance.toMillis();
    this.stateTtl = stateTtl;
    this.maxPending = maxPending;
  }

  /** The join the job's settings describe. */
  public static LabelJoinFunction of(JobSettings settings) {
    return new LabelJoinFunction(
        settings.attributionWindow(),
        settings.clickWait(),
        settings.lateClickAllowance(),
        settings.joinStateTtl(),
        settings.joinMaxPending());
  }

  /** Whether {@code event} goes to the join: impressions and clicks (filter before keying). */
  public static boolean isJoinInput(Event event) {
    return event.type == EventType.IMPRESSION || event.type == EventType.CLICK;
  }

  @Override
  public void open(OpenContext openContext) {
    ValueStateDescriptor<JoinState> descriptor =
        new ValueStateDescriptor<>("join", TypeInformation.of(JoinState.class));
    if (stateTtl.compareTo(Duration.ZERO) > 0) {
      descriptor.enableTimeToLive(
          StateTtlConfig.newBuilder(stateTtl)
              .updateTtlOnCreateAndWrite()
              .neverReturnExpired()
              .build());
    }
    state = getRuntimeContext().getState(descriptor);
    encoder = new DataOutputSerializer(256);
    decoder = new DataInputDeserializer();
    MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("flywheel").addGroup("join");
    positives = group.counter("positives");
    negatives = group.counter("negatives");
    lateClicks = group.counter("lateClicks");
    orphanClicks = group.counter("orphanClicks");
    duplicates = group.counter("duplicates");
    shed = group.counter("shed");
    forgottenEarly = group.counter("forgottenEarly");
    group.gauge("pending", () -> pending);
    group.gauge("remembered", this::remembered);
    forgottenEarly.inc(forgottenOnRestore);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    pendingState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("join-pending", Types.LONG));
    rememberedState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("join-remembered", Types.LONG));
    pending = 0;
    for (Long p : pendingState.get()) {
      pending += p;
    }
    legacyRemembered = 0;
    for (Long r : rememberedState.get()) {
      legacyRemembered += r;
    }
    outcomesState =
        context
            .getOperatorStateStore()
            .getUnionListState(
                new ListStateDescriptor<>(
                    "join-remembered-ids", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    outcomes = new RememberedOutcomes((int) Math.min(maxPending, Integer.MAX_VALUE));
    if (context.isRestored()) {
      // union state: every subtask reads every subtask's ids and keeps those of its key groups
      TaskInfo task = getRuntimeContext().getTaskInfo();
      int maxParallelism = task.getMaxNumberOfParallelSubtasks();
      KeyGroupRange own =
          KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
              maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
      int dropped =
          outcomes.restore(
              outcomesState.get(),
              hash ->
                  own.contains(
                      KeyGroupRangeAssignment.computeKeyGroupForKeyHash(hash, maxParallelism)));
      forgottenOnRestore = dropped;
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    pendingState.update(List.of(pending));
    rememberedState.update(List.of(legacyRemembered));
    outcomesState.update(List.of(outcomes.snapshot()));
  }

  @Override
  public void processElement(Event event, Context ctx, Collector<LabeledExample> out)
      throws Exception {
    outcomes.expire(ctx.timerService().currentWatermark());
    if (event.type == EventType.IMPRESSION) {
      onImpression(event, ctx, out);
    } else if (event.type == EventType.CLICK) {
      onClick(event, ctx, out);
    }
    // other types are not routed here; if one is, it is ignored
  }

  private void onImpression(Event impression, Context ctx, Collector<LabeledExample> out)
      throws Exception {
    JoinState s = state.value();
    if (s == null) {
      long watermark = ctx.timerService().currentWatermark();
      if (outcomes.outcome(RememberedOutcomes.fingerprint(ctx.getCurrentKey()), watermark)
          != RememberedOutcomes.NONE) {
        duplicates.inc(); // labelled already
        return;
      }
      if (pending >= maxPending) {
        shed.inc(); // over the bound: not held, never labelled
        return;
      }
      s = new JoinState();
      hold(s, impression, ctx);
      pending++;
      state.update(s);
      return;
    }
    if (s.phase != JoinState.WAITING_FOR_IMPRESSION) {
      duplicates.inc(); // waiting or resolved: an impression id is labelled once
      return;
    }
    Event click = s.click;
    ctx.timerService().deleteEventTimeTimer(s.timer);
    s.click = null;
    if (click.ts < impression.ts + windowMs) {
      out.collect(
          LabeledExample.fromImpression(impression, 1.0, Math.max(click.ts, impression.ts)));
      positives.inc();
      s.impressionTs = impression.ts;
      resolve(s, JoinState.RESOLVED_POSITIVE, ctx);
    } else {
      late(click, ctx); // the click is outside this impression's window
      hold(s, impression, ctx);
      state.update(s);
    }
  }

  private void onClick(Event click, Context ctx, Collector<LabeledExample> out) throws Exception {
    JoinState s = state.value();
    if (s == null) {
      long watermark = ctx.timerService().currentWatermark();
      int outcome =
          outcomes.outcome(RememberedOutcomes.fingerprint(ctx.getCurrentKey()), watermark);
      if (outcome == RememberedOutcomes.POSITIVE) {
        duplicates.inc(); // a second click on a positive
        return;
      }
      if (outcome == RememberedOutcomes.NEGATIVE) {
        late(click, ctx); // after the negative
        return;
      }
      if (pending >= maxPending) {
        shed.inc();
        return;
      }
      s = new JoinState();
      s.phase = JoinState.WAITING_FOR_IMPRESSION;
      s.click = click;
      s.timer = click.ts + clickWaitMs;
      ctx.timerService().registerEventTimeTimer(s.timer);
      pending++;
      state.update(s);
      return;
    }
    switch (s.phase) {
      case JoinState.WAITING_FOR_CLICK -> {
        if (click.ts < s.impressionTs + windowMs) {
          ctx.timerService().deleteEventTimeTimer(s.timer);
          out.collect(
              LabeledExample.fromImpression(held(s), 1.0, Math.max(click.ts, s.impressionTs)));
          positives.inc();
          resolve(s, JoinState.RESOLVED_POSITIVE, ctx);
        } else {
          late(click, ctx); // outside the window: the impression stays and becomes a negative
        }
      }
      case JoinState.RESOLVED_NEGATIVE -> late(click, ctx);
      default -> duplicates.inc(); // a second click, waiting or already counted
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabeledExample> out)
      throws Exception {
    outcomes.expire(ctx.timerService().currentWatermark());
    JoinState s = state.value();
    if (s == null || s.timer != timestamp) {
      return; // state expired by TTL, or a stale timer
    }
    switch (s.phase) {
      case JoinState.WAITING_FOR_CLICK -> {
        out.collect(LabeledExample.fromImpression(held(s), 0.0, timestamp));
        negatives.inc();
        resolve(s, JoinState.RESOLVED_NEGATIVE, ctx);
      }
      case JoinState.WAITING_FOR_IMPRESSION -> {
        orphanClicks.inc();
        pending--;
        state.clear();
      }
      default -> {
        // an outcome remembered in keyed state by an earlier version: it has expired
        if (legacyRemembered > 0) {
          legacyRemembered--;
        }
        state.clear();
      }
    }
  }

  /** Holds {@code impression} until its window ends. */
  private void hold(JoinState s, Event impression, Context ctx) {
    s.phase = JoinState.WAITING_FOR_CLICK;
    s.impression = JoinStateSerializer.encode(impression, encoder);
    s.impressionTs = impression.ts;
    s.timer = impression.ts + windowMs;
    ctx.timerService().registerEventTimeTimer(s.timer);
  }

  /**
   * Marks the key labelled: the impression is dropped, the outcome remembered until the window plus
   * the allowance is over (forgotten at once if that is already behind the watermark, or if {@code
   * maxPending} outcomes are remembered already).
   */
  private void resolve(JoinState s, int phase, Context ctx) throws Exception {
    pending--;
    state.clear(); // the key's timer has fired or was deleted: nothing of it is left in Flink
    long forgetAt = s.impressionTs + windowMs + lateAllowanceMs;
    long watermark = ctx.timerService().currentWatermark();
    if (forgetAt <= watermark) {
      return;
    }
    long fingerprint = RememberedOutcomes.fingerprint(ctx.getCurrentKey());
    if (!outcomes.remember(fingerprint, phase, forgetAt, watermark)) {
      forgottenEarly.inc(); // over the bound: a later duplicate or late click is not recognised
    }
  }

  /** The impression {@code s} holds, decoded. */
  private Event held(JoinState s) {
    return JoinStateSerializer.decode(s.impression, decoder);
  }

  private void late(Event click, Context ctx) {
    lateClicks.inc();
    ctx.output(LATE_CLICKS, click);
  }

  long positives() {
    return positives.getCount();
  }

  long negatives() {
    return negatives.getCount();
  }

  long lateClicks() {
    return lateClicks.getCount();
  }

  long orphanClicks() {
    return orphanClicks.getCount();
  }

  long duplicates() {
    return duplicates.getCount();
  }

  long shed() {
    return shed.getCount();
  }

  long pending() {
    return pending;
  }

  long remembered() {
    return outcomes.size() + legacyRemembered;
  }

  long forgottenEarly() {
    return forgottenEarly.getCount();
  }
}
