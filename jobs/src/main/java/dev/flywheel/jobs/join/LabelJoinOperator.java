package dev.flywheel.jobs.join;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.LabeledExample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Joins impressions with clicks into labelled examples, in event time, on a stream keyed by
 * impression id ({@link ImpressionIdSelector}). Semantics (docs/join.md):
 *
 * <ul>
 *   <li>An impression at time {@code T} waits for a click until {@code T + window}. The first click
 *       with time {@code < T + window} emits a positive at once (label time: the click's, or {@code
 *       T} if the click is stamped earlier); the first watermark at or after {@code T + window}
 *       emits a negative (label and record time {@code T + window}).
 *   <li>A click that arrives before its impression waits until the watermark passes its time plus
 *       {@code clickWait}; then it is counted as an orphan and dropped.
 *   <li>A click on an impression already labelled negative, or with a time outside the window, is a
 *       late click: counted and sent to {@link #LATE_CLICKS}, never silently lost.
 *   <li>Duplicate impressions and clicks are ignored (counted).
 *   <li>At most {@code maxPending} impressions and early clicks wait per subtask; beyond that new
 *       ones are shed (counted), so state cannot grow without limit even if the watermark stalls.
 *   <li>Once an impression id is labelled, its outcome (positive or negative, no features) is
 *       remembered until {@code T + window + lateClickAllowance} in {@link RememberedOutcomes}. At
 *       most {@code maxPending} labelled ids are remembered per subtask; beyond that a newly
 *       labelled id is forgotten at once (counted).
 *   <li>An optional processing-time TTL ({@code stateTtl} positive) drops an entry that waited that
 *       long (from its arrival, or from the restore), a safety net for a watermark that never
 *       comes; nothing is emitted for it.
 * </ul>
 *
 * <h2>State</h2>
 *
 * The waiting impressions and clicks are this operator's own ({@link PendingJoins}: an index, a
 * deadline queue and an entry log in primitive arrays, the held bytes in slabs outside the young
 * generation), not a keyed value and an event-time timer per id: Flink's timer heaps and keyed
 * state lookups had 39 % of the join's samples and 9 % of all in a profile of the end-to-end
 * benchmark (docs/join.md). They are checkpointed as one {@link KeyGroupPart} per key group in
 * keyed state, under a key of that group ({@link KeyGroupKeys}), so a rescale moves them with their
 * key groups and a restore reads only the subtask's own. The task thread only freezes the state
 * ({@link FrozenJoin}); the parts are encoded when the backend serializes them, in the asynchronous
 * part of a heap-state checkpoint. The input is still keyed, for the partitioning. Checkpoints of
 * the three earlier versions restore: byte arrays by key group encoded on the task thread (session
 * 8), the union operator state of the version before (every subtask keeps the entries of its key
 * groups), and the keyed entries of the first version (a {@link JoinState} and a timer per key),
 * which are moved into the operator's own state while their timers fire into nothing.
 *
 * <p>Metrics ({@link JoinMetrics}), group {@code flywheel.join}: counters {@code positives}, {@code
 * negatives}, {@code lateClicks}, {@code orphanClicks}, {@code duplicates}, {@code shed}, {@code
 * forgottenEarly} (labelled ids not remembered because of the bound); gauges {@code pending}
 * (impressions and early clicks waiting on this subtask, exact) and {@code remembered} (labelled
 * ids held, exact; ids whose time is up leave at the subtask's next record or watermark).
 */
public class LabelJoinOperator extends AbstractStreamOperator<LabeledExample>
    implements OneInputStreamOperator<Event, LabeledExample>, Triggerable<String, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  /** Side output of late clicks (after the negative was emitted, or outside the window). */
  public static final OutputTag<Event> LATE_CLICKS =
      new OutputTag<>("late-clicks", TypeInformation.of(Event.class));

  /** Keyed state of the earlier version: restored, moved into {@link PendingJoins}, cleared. */
  static final String LEGACY_KEYED_STATE = "join";

  /** The earlier version's timer service (its timers are restored and fire into nothing). */
  static final String LEGACY_TIMERS = "user-timers";

  /** Keyed state: the waiting entries of one key group, under {@link KeyGroupKeys}' key. */
  static final String WAITING_BY_KEY_GROUP = "join-waiting-parts";

  /** Keyed state: the remembered ids of one key group, under {@link KeyGroupKeys}' key. */
  static final String REMEMBERED_BY_KEY_GROUP = "join-remembered-parts";

  /** Session 8's keyed byte arrays by key group (read on restore, then cleared). */
  static final String BYTES_WAITING_BY_KEY_GROUP = "join-waiting-by-key-group";

  static final String BYTES_REMEMBERED_BY_KEY_GROUP = "join-remembered-by-key-group";

  private final long windowMs;
  private final long clickWaitMs;
  private final long lateAllowanceMs;
  private final Duration stateTtl;
  private final long maxPending;

  private transient PendingJoins pending;
  private transient RememberedOutcomes outcomes;

  /** Union state of the version before session 8 (read on restore, then left empty). */
  private transient ListState<byte[]> waitingState;

  private transient ListState<byte[]> outcomesState;

  /** This subtask's waiting entries and remembered ids, one value per key group: see below. */
  private transient ValueState<KeyGroupPart> waitingByGroup;

  private transient ValueState<KeyGroupPart> rememberedByGroup;

  /** Session 8's values by key group, encoded on the task thread (read on restore, cleared). */
  private transient ValueState<byte[]> waitingBytesByGroup;

  private transient ValueState<byte[]> rememberedBytesByGroup;
  private transient KeyGroupRange ownGroups;
  private transient KeyGroupKeys groupKeys;
  private transient int maxParallelism;
  private transient long watermark;
  private transient boolean restoredLegacyTimers;
  private transient long forgottenOnRestore;

  private transient TimestampedCollector<LabeledExample> collector;
  private transient DataInputDeserializer decoder;
  private transient long ttlMs;

  private transient JoinMetrics metrics;

  /**
   * @param window attribution window: how long after an impression a click counts
   * @param clickWait how long a click that came first waits for its impression
   * @param lateClickAllowance how long after the window a labelled impression is remembered
   * @param stateTtl processing-time TTL of a waiting entry, an optional safety net (at least the
   *     sum of the above), or zero for none
   * @param maxPending most impressions and early clicks held by one subtask (more are shed), and
   *     most labelled ids remembered by one subtask (more are forgotten at once)
   */
  public LabelJoinOperator(
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
  public static LabelJoinOperator of(JobSettings settings) {
    return new LabelJoinOperator(
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
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    watermark = Long.MIN_VALUE;
    decoder = new DataInputDeserializer();
    pending = new PendingJoins();
    outcomes = new RememberedOutcomes((int) Math.min(maxPending, Integer.MAX_VALUE));
    OperatorStateStore store = context.getOperatorStateStore();
    waitingState =
        store.getUnionListState(
            new ListStateDescriptor<>(
                "join-waiting", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    outcomesState =
        store.getUnionListState(
            new ListStateDescriptor<>(
                "join-remembered-ids", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    // counts of the earlier version's keyed entries: their entries are counted exactly below
    store.getListState(new ListStateDescriptor<>("join-pending", Types.LONG)).clear();
    store.getListState(new ListStateDescriptor<>("join-remembered", Types.LONG)).clear();
    waitingByGroup =
        getPartitionedState(
            new ValueStateDescriptor<>(WAITING_BY_KEY_GROUP, KeyGroupPartSerializer.INSTANCE));
    rememberedByGroup =
        getPartitionedState(
            new ValueStateDescriptor<>(REMEMBERED_BY_KEY_GROUP, KeyGroupPartSerializer.INSTANCE));
    waitingBytesByGroup =
        getPartitionedState(
            new ValueStateDescriptor<>(
                BYTES_WAITING_BY_KEY_GROUP, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    rememberedBytesByGroup =
        getPartitionedState(
            new ValueStateDescriptor<>(
                BYTES_REMEMBERED_BY_KEY_GROUP,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    TaskInfo task = getRuntimeContext().getTaskInfo();
    maxParallelism = task.getMaxNumberOfParallelSubtasks();
    KeyGroupRange own =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
            maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
    ownGroups = own;
    groupKeys = new KeyGroupKeys(own, maxParallelism);
    if (!context.isRestored()) {
      return;
    }
    // A checkpoint of this version or of session 8's: one value per key group of this subtask,
    // restored by Flink with the keyed state (so a rescale moves it), read and cleared here. One
    // of the version before: union state, every subtask's entries, of which each keeps those of
    // its key groups.
    List<byte[]> waitingParts = new ArrayList<>();
    List<byte[]> rememberedParts = new ArrayList<>();
    waitingState.get().forEach(waitingParts::add);
    outcomesState.get().forEach(rememberedParts::add);
    waitingState.clear();
    outcomesState.clear();
    for (int g = own.getStartKeyGroup(); g <= own.getEndKeyGroup(); g++) {
      setCurrentKey(groupKeys.key(g));
      take(waitingByGroup, waitingParts);
      take(rememberedByGroup, rememberedParts);
      takeBytes(waitingBytesByGroup, waitingParts);
      takeBytes(rememberedBytesByGroup, rememberedParts);
    }
    pending.restore(
        waitingParts,
        key -> own.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism)));
    forgottenOnRestore =
        outcomes.restore(
            rememberedParts,
            hash ->
                own.contains(
                    KeyGroupRangeAssignment.computeKeyGroupForKeyHash(hash, maxParallelism)));
    forgottenOnRestore += moveLegacyKeyedState();
    restoredLegacyTimers = true;
  }

  private static void take(ValueState<KeyGroupPart> state, List<byte[]> into) throws IOException {
    KeyGroupPart part = state.value();
    if (part != null) {
      byte[] bytes = part.bytes();
      if (bytes.length > 0) {
        into.add(bytes);
      }
      state.clear();
    }
  }

  private static void takeBytes(ValueState<byte[]> state, List<byte[]> into) throws IOException {
    byte[] bytes = state.value();
    if (bytes != null) {
      into.add(bytes);
      state.clear();
    }
  }

  /**
   * Moves the earlier version's keyed entries of this subtask into {@link #pending} and {@link
   * #outcomes} and clears them; returns how many labelled ids did not fit the bound.
   */
  private int moveLegacyKeyedState() throws Exception {
    KeyedStateBackend<String> backend = getKeyedStateBackend();
    ValueState<JoinState> legacy =
        backend.getPartitionedState(
            VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, legacyDescriptor());
    List<String> keys = new ArrayList<>();
    try (Stream<String> all = backend.getKeys(LEGACY_KEYED_STATE, VoidNamespace.INSTANCE)) {
      all.forEach(keys::add);
    }
    int forgotten = 0;
    for (String key : keys) {
      backend.setCurrentKey(key);
      JoinState s = legacy.value();
      if (s == null) {
        continue;
      }
      long fp = RememberedOutcomes.fingerprint(key);
      switch (s.phase) {
        case JoinState.WAITING_FOR_CLICK -> {
          Event impression = JoinStateSerializer.decode(s.impression, decoder);
          pending.holdImpression(
              key,
              fp,
              s.impressionTs,
              s.timer,
              Long.MAX_VALUE,
              LabeledExample.fromImpression(impression, 0.0, impression.ts));
        }
        case JoinState.WAITING_FOR_IMPRESSION ->
            pending.holdClick(key, fp, s.click, s.timer, Long.MAX_VALUE);
        default -> {
          // an outcome remembered in keyed state by a still earlier version, until its timer
          if (!outcomes.remember(fp, s.phase, s.timer, Long.MIN_VALUE)) {
            forgotten++;
          }
        }
      }
      legacy.clear();
    }
    return forgotten;
  }

  /** The earlier version's keyed state, with its optional TTL (which changes its layout). */
  private ValueStateDescriptor<JoinState> legacyDescriptor() {
    ValueStateDescriptor<JoinState> descriptor =
        new ValueStateDescriptor<>(LEGACY_KEYED_STATE, TypeInformation.of(JoinState.class));
    if (stateTtl.compareTo(Duration.ZERO) > 0) {
      descriptor.enableTimeToLive(
          StateTtlConfig.newBuilder(stateTtl)
              .updateTtlOnCreateAndWrite()
              .neverReturnExpired()
              .build());
    }
    return descriptor;
  }

  @Override
  public void open() throws Exception {
    super.open();
    collector = new TimestampedCollector<>(output);
    ttlMs = stateTtl.compareTo(Duration.ZERO) > 0 ? stateTtl.toMillis() : 0;
    if (restoredLegacyTimers) {
      // the earlier version's timers: restored with the keyed state, they fire into onEventTime
      getInternalTimerService(LEGACY_TIMERS, VoidNamespaceSerializer.INSTANCE, this);
    }
    if (ttlMs > 0) {
      long now = getProcessingTimeService().getCurrentProcessingTime();
      long expiresAt = now + ttlMs;
      pending.expireAllAt(expiresAt); // restored entries' TTL counts from now
      scheduleSweep(now);
    }
    metrics = new JoinMetrics(getMetricGroup(), () -> (long) pending.size(), this::remembered);
    metrics.forgottenEarly.inc(forgottenOnRestore);
  }

  private void scheduleSweep(long now) {
    getProcessingTimeService()
        .registerTimer(
            now + ttlMs,
            time -> {
              pending.removeExpired(time);
              scheduleSweep(time);
            });
  }

  /**
   * Writes the waiting entries and remembered ids into keyed state, one {@link KeyGroupPart} of
   * each per key group of this subtask, under {@link KeyGroupKeys}' key for that group. The task
   * thread only freezes them ({@link FrozenJoin}: a copy of the entries' references and of the
   * rings' arrays); the parts are encoded when the state backend serializes them, for heap state in
   * the checkpoint's asynchronous part. Encoding them here, as session 8 did, held the join for
   * 0.4–0.8 s at every checkpoint at 55,000 events/s, and backpressure stopped the scorer's input
   * with it.
   *
   * <p>Keyed, not union operator state, as before session 8: Flink 2.2.1 reads operator state back
   * one system call per byte ({@code CompressibleFSDataInputStream} overrides only {@code read()}),
   * and with union state every subtask reads every subtask's arrays: the join took about 15 s to
   * restore a minute of the simulator's traffic (docs/join.md). Keyed state is read in bulk, each
   * subtask reads only its key groups, and a rescale moves them.
   */
  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    int first = ownGroups.getStartKeyGroup();
    int groups = ownGroups.getNumberOfKeyGroups();
    int maxP = maxParallelism;
    FrozenJoin frozen =
        new FrozenJoin(
            pending.freeze(),
            outcomes.freeze(),
            hash -> KeyGroupRangeAssignment.computeKeyGroupForKeyHash(hash, maxP) - first,
            groups);
    Object current = getCurrentKey();
    for (int g = 0; g < groups; g++) {
      setCurrentKey(groupKeys.key(first + g));
      waitingByGroup.update(KeyGroupPart.waiting(frozen, g));
      rememberedByGroup.update(KeyGroupPart.remembered(frozen, g));
    }
    if (current != null) {
      setCurrentKey(current);
    }
  }

  @Override
  public void processElement(StreamRecord<Event> element) throws Exception {
    outcomes.expire(watermark);
    Event event = element.getValue();
    collector.setTimestamp(element);
    if (event.type == EventType.IMPRESSION) {
      onImpression(event, element);
    } else if (event.type == EventType.CLICK) {
      onClick(event, element);
    }
    // other types are not routed here; if one is, it is ignored
  }

  /**
   * The entry waiting under {@code fp}, or {@link PendingJoins#NONE} (also if its TTL is over: then
   * it is dropped).
   */
  private long waiting(long fp) {
    long h = pending.find(fp);
    if (h != PendingJoins.NONE
        && ttlMs > 0
        && getProcessingTimeService().getCurrentProcessingTime() >= pending.expiresAt(h)) {
      pending.remove(h);
      return PendingJoins.NONE;
    }
    return h;
  }

  private void onImpression(Event impression, StreamRecord<Event> element) {
    String key = impression.impressionId;
    long fp = RememberedOutcomes.fingerprint(key);
    long h = waiting(fp);
    if (h == PendingJoins.NONE) {
      if (outcomes.outcome(fp, watermark) != RememberedOutcomes.NONE) {
        metrics.duplicates.inc(); // labelled already
        return;
      }
      if (pending.size() >= maxPending) {
        metrics.shed.inc(); // over the bound: not held, never labelled
        return;
      }
      hold(key, fp, impression);
      return;
    }
    if (pending.phase(h) != JoinState.WAITING_FOR_IMPRESSION) {
      metrics.duplicates.inc(); // waiting: an impression id is labelled once
      return;
    }
    long clickTs = pending.ts(h);
    if (clickTs < impression.ts + windowMs) {
      pending.remove(h);
      collector.collect(
          LabeledExample.fromImpression(impression, 1.0, Math.max(clickTs, impression.ts)));
      metrics.positives.inc();
      resolve(fp, impression.ts, JoinState.RESOLVED_POSITIVE);
    } else {
      late(pending.click(h), element); // the click is outside this impression's window
      pending.remove(h);
      hold(key, fp, impression);
    }
  }

  private void onClick(Event click, StreamRecord<Event> element) {
    String key = click.impressionId;
    long fp = RememberedOutcomes.fingerprint(key);
    long h = waiting(fp);
    if (h == PendingJoins.NONE) {
      int outcome = outcomes.outcome(fp, watermark);
      if (outcome == RememberedOutcomes.POSITIVE) {
        metrics.duplicates.inc(); // a second click on a positive
        return;
      }
      if (outcome == RememberedOutcomes.NEGATIVE) {
        late(click, element); // after the negative
        return;
      }
      if (pending.size() >= maxPending) {
        metrics.shed.inc();
        return;
      }
      pending.holdClick(key, fp, click, click.ts + clickWaitMs, expiresAt());
      return;
    }
    if (pending.phase(h) != JoinState.WAITING_FOR_CLICK) {
      metrics.duplicates.inc(); // a second click while the first waits
      return;
    }
    long impressionTs = pending.ts(h);
    if (click.ts < impressionTs + windowMs) {
      collector.collect(pending.example(h, 1.0, Math.max(click.ts, impressionTs)));
      pending.remove(h);
      metrics.positives.inc();
      resolve(fp, impressionTs, JoinState.RESOLVED_POSITIVE);
    } else {
      late(click, element); // outside the window: the impression stays and becomes a negative
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    watermark = Math.max(watermark, mark.getTimestamp());
    outcomes.expire(watermark);
    long now = ttlMs > 0 ? getProcessingTimeService().getCurrentProcessingTime() : 0;
    long h;
    while ((h = pending.pollDue(watermark)) != PendingJoins.NONE) {
      if (ttlMs > 0 && now >= pending.expiresAt(h)) {
        continue; // dropped by the TTL
      }
      if (pending.phase(h) == JoinState.WAITING_FOR_CLICK) {
        long deadline = pending.deadline(h);
        collector.setAbsoluteTimestamp(deadline);
        collector.collect(pending.example(h, 0.0, deadline));
        metrics.negatives.inc();
        resolve(pending.fingerprint(h), pending.ts(h), JoinState.RESOLVED_NEGATIVE);
      } else {
        metrics.orphanClicks.inc();
      }
    }
    super.processWatermark(mark); // the earlier version's timers, then downstream
  }

  /** A timer of the earlier version: its key's entry was moved into {@link #pending}. */
  @Override
  public void onEventTime(InternalTimer<String, VoidNamespace> timer) {}

  @Override
  public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {}

  /** Holds {@code impression} until its window ends. */
  private void hold(String key, long fp, Event impression) {
    pending.holdImpression(
        key,
        fp,
        impression.ts,
        impression.ts + windowMs,
        expiresAt(),
        LabeledExample.fromImpression(impression, 0.0, impression.ts));
  }

  /** When a TTL would drop an entry held now ({@link Long#MAX_VALUE}: never). */
  private long expiresAt() {
    return ttlMs > 0
        ? getProcessingTimeService().getCurrentProcessingTime() + ttlMs
        : Long.MAX_VALUE;
  }

  /**
   * Remembers the id's outcome until the window plus the allowance is over (forgotten at once if
   * that is already behind the watermark, or if {@code maxPending} outcomes are remembered).
   */
  private void resolve(long fp, long impressionTs, int phase) {
    long forgetAt = impressionTs + windowMs + lateAllowanceMs;
    if (forgetAt <= watermark) {
      return;
    }
    if (!outcomes.remember(fp, phase, forgetAt, watermark)) {
      // over the bound: a later duplicate or late click is not recognised
      metrics.forgottenEarly.inc();
    }
  }

  private void late(Event click, StreamRecord<Event> element) {
    metrics.lateClicks.inc();
    output.collect(LATE_CLICKS, new StreamRecord<>(click, element.getTimestamp()));
  }

  long positives() {
    return metrics.positives.getCount();
  }

  long negatives() {
    return metrics.negatives.getCount();
  }

  long lateClicks() {
    return metrics.lateClicks.getCount();
  }

  long orphanClicks() {
    return metrics.orphanClicks.getCount();
  }

  long duplicates() {
    return metrics.duplicates.getCount();
  }

  long shed() {
    return metrics.shed.getCount();
  }

  long pending() {
    return pending.size();
  }

  long remembered() {
    return outcomes.size();
  }

  long forgottenEarly() {
    return metrics.forgottenEarly.getCount();
  }
}
