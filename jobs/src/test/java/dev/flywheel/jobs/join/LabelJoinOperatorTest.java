package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventSerializer;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.types.KeyStringSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LabelJoinOperatorTest {
  private static final long WINDOW = 10_000;
  private static final long CLICK_WAIT = 3_000;
  private static final long ALLOWANCE = 5_000;

  private final List<KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample>> opened =
      new ArrayList<>();

  @AfterEach
  void closeHarnesses() throws Exception {
    for (var h : opened) {
      h.close();
    }
  }

  private static LabelJoinOperator join(long allowance) {
    return new LabelJoinOperator(
        Duration.ofMillis(WINDOW),
        Duration.ofMillis(CLICK_WAIT),
        Duration.ofMillis(allowance),
        Duration.ofHours(1),
        1_000);
  }

  private KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> harness(
      LabelJoinOperator fn, OperatorSubtaskState restore) throws Exception {
    return harness(fn, restore, Types.STRING, 1, 1, 0);
  }

  /** Subtask {@code index} of {@code parallelism}, keyed with {@code keyType}. */
  private KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> harness(
      LabelJoinOperator fn,
      OperatorSubtaskState restore,
      TypeInformation<String> keyType,
      int maxParallelism,
      int parallelism,
      int index)
      throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            fn, new ImpressionIdSelector(), keyType, maxParallelism, parallelism, index);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    h.setup();
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    opened.add(h);
    return h;
  }

  static Event impression(String id, long ts) {
    Event e = new Event();
    e.type = EventType.IMPRESSION;
    e.ts = ts;
    e.model = "default";
    e.impressionId = id;
    e.requestId = "r-" + id;
    e.itemId = "item";
    e.position = 0;
    e.indices = new int[] {id.hashCode() & 1023, 7};
    e.values = new double[] {1.0, 2.5};
    e.numeric = new boolean[] {false, true};
    e.sharedCount = 2;
    return e;
  }

  static Event click(String id, long ts) {
    Event e = new Event();
    e.type = EventType.CLICK;
    e.ts = ts;
    e.model = "default";
    e.impressionId = id;
    e.indices = new int[0];
    e.values = new double[0];
    e.numeric = new boolean[0];
    return e;
  }

  private static void send(
      KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> h, Event e)
      throws Exception {
    h.processElement(e, e.ts);
  }

  private static List<Event> late(
      KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> h) {
    var side = h.getSideOutput(LabelJoinOperator.LATE_CLICKS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  private static void assertEmpty(
      KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> h) {
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).as("waiting entries").isZero();
    assertThat(h.numKeyedStateEntries()).as("keyed state entries").isZero();
    assertThat(h.numEventTimeTimers()).as("event-time timers").isZero();
  }

  @Test
  void clickWithinTheWindowEmitsAPositiveAtOnce() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    assertThat(h.extractOutputValues()).isEmpty();
    assertThat(fn.pending()).isEqualTo(1);
    send(h, click("a", 4_000));
    List<LabeledExample> out = h.extractOutputValues();
    assertThat(out).hasSize(1);
    LabeledExample x = out.get(0);
    assertThat(x.label).isEqualTo(1.0);
    assertThat(x.id).isEqualTo("a");
    assertThat(x.ts).isEqualTo(4_000);
    assertThat(x.model).isEqualTo("default");
    assertThat(x.indices).containsExactly("a".hashCode() & 1023, 7);
    assertThat(x.numeric).containsExactly(false, true);
    assertThat(fn.positives()).isEqualTo(1);
    assertThat(fn.pending()).isZero();

    // no keyed state or timer is left; the outcome is remembered until window + allowance
    assertEmpty(h);
    assertThat(fn.remembered()).isEqualTo(1);
    h.processWatermark(1_000 + WINDOW + ALLOWANCE - 1);
    send(h, click("a", 5_000));
    assertThat(fn.duplicates()).isEqualTo(1);
    assertThat(fn.pending()).isZero();
    h.processWatermark(1_000 + WINDOW + ALLOWANCE);
    send(h, click("a", 6_000)); // forgotten: now it looks like a click before its impression
    assertThat(fn.remembered()).isZero();
    assertThat(fn.pending()).isEqualTo(1);
    assertThat(fn.duplicates()).isEqualTo(1);
    assertThat(h.extractOutputValues()).hasSize(1); // no negative after a positive
  }

  @Test
  void theWindowEndsInANegativeByWatermark() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    h.processWatermark(1_000 + WINDOW - 1);
    assertThat(h.extractOutputValues()).isEmpty();
    h.processWatermark(1_000 + WINDOW);
    List<LabeledExample> out = h.extractOutputValues();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).label).isEqualTo(0.0);
    assertThat(out.get(0).ts).isEqualTo(1_000 + WINDOW);
    assertThat(fn.negatives()).isEqualTo(1);
    assertThat(fn.pending()).isZero();
    h.processWatermark(1_000 + WINDOW + ALLOWANCE);
    assertEmpty(h);
  }

  @Test
  void aClickAfterTheNegativeIsLateNotLost() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    h.processWatermark(1_000 + WINDOW);
    Event lateClick = click("a", 5_000); // inside the window by event time, but after the label
    send(h, lateClick);
    assertThat(late(h)).containsExactly(lateClick);
    assertThat(fn.lateClicks()).isEqualTo(1);
    assertThat(h.extractOutputValues()).extracting(x -> x.label).containsExactly(0.0);
    h.processWatermark(1_000 + WINDOW + ALLOWANCE);
    assertEmpty(h);
  }

  @Test
  void aClickOutsideTheWindowIsLateAndTheImpressionStillEndsNegative() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    Event outside = click("a", 1_000 + WINDOW); // the window is [T, T + window)
    send(h, outside);
    assertThat(late(h)).containsExactly(outside);
    assertThat(h.extractOutputValues()).isEmpty();
    h.processWatermark(1_000 + WINDOW);
    assertThat(h.extractOutputValues()).extracting(x -> x.label).containsExactly(0.0);
    assertThat(fn.lateClicks()).isEqualTo(1);
  }

  @Test
  void aClickBeforeItsImpressionWaitsForIt() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, click("a", 2_000));
    assertThat(fn.pending()).isEqualTo(1);
    h.processWatermark(2_000 + CLICK_WAIT - 1);
    send(h, impression("a", 1_500));
    List<LabeledExample> out = h.extractOutputValues();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).label).isEqualTo(1.0);
    assertThat(out.get(0).ts).isEqualTo(2_000);
    assertThat(fn.orphanClicks()).isZero();
    assertThat(fn.pending()).isZero();
    h.processWatermark(1_500 + WINDOW + ALLOWANCE);
    assertEmpty(h);
  }

  @Test
  void aClickWhoseImpressionNeverComesIsAnOrphan() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, click("a", 2_000));
    h.processWatermark(2_000 + CLICK_WAIT - 1);
    assertThat(fn.orphanClicks()).isZero();
    h.processWatermark(2_000 + CLICK_WAIT);
    assertThat(fn.orphanClicks()).isEqualTo(1);
    assertThat(fn.pending()).isZero();
    assertThat(h.extractOutputValues()).isEmpty();
    assertEmpty(h);
  }

  @Test
  void anEarlyClickOutsideTheLaterImpressionsWindowIsLate() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    Event early = click("a", 1_000 + WINDOW + 1);
    send(h, early);
    send(h, impression("a", 1_000));
    assertThat(late(h)).containsExactly(early);
    assertThat(h.extractOutputValues()).isEmpty();
    assertThat(fn.pending()).isEqualTo(1); // the impression now waits
    h.processWatermark(1_000 + WINDOW);
    assertThat(h.extractOutputValues()).extracting(x -> x.label).containsExactly(0.0);
  }

  @Test
  void duplicatesAreIdempotent() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    send(h, impression("a", 1_000));
    send(h, click("a", 3_000));
    send(h, click("a", 3_000));
    send(h, impression("a", 1_000));
    send(h, click("b", 3_000));
    send(h, click("b", 3_100));
    send(h, impression("b", 2_000));
    send(h, impression("b", 2_000));
    h.processWatermark(100_000);
    assertThat(h.extractOutputValues())
        .extracting(x -> x.id + ":" + x.label)
        .containsExactly("a:1.0", "b:1.0");
    assertThat(fn.duplicates()).isEqualTo(5);
    assertThat(fn.positives()).isEqualTo(2);
    assertThat(fn.negatives()).isZero();
    assertThat(late(h)).isEmpty();
    assertEmpty(h);
  }

  @Test
  void withoutAllowanceEverythingIsClearedOnResolution() throws Exception {
    LabelJoinOperator fn = join(0);
    var h = harness(fn, null);
    send(h, impression("neg", 1_000));
    h.processWatermark(1_000 + WINDOW);
    assertThat(h.extractOutputValues()).hasSize(1);
    assertEmpty(h); // the negative is emitted and the key forgotten in the same step
    send(h, impression("pos", 20_000));
    send(h, click("pos", 21_000));
    h.processWatermark(20_000 + WINDOW); // a positive is remembered to the window's end
    assertEmpty(h);
    assertThat(h.extractOutputValues()).extracting(x -> x.label).containsExactly(0.0, 1.0);
  }

  @Test
  void beyondMaxPendingNewKeysAreShed() throws Exception {
    LabelJoinOperator fn =
        new LabelJoinOperator(
            Duration.ofMillis(WINDOW),
            Duration.ofMillis(CLICK_WAIT),
            Duration.ofMillis(0),
            Duration.ofHours(1),
            2);
    var h = harness(fn, null);
    send(h, impression("a", 1_000));
    send(h, click("b", 1_000));
    send(h, impression("c", 1_000)); // shed
    send(h, click("d", 1_000)); // shed
    assertThat(fn.shed()).isEqualTo(2);
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).isEqualTo(2);
    send(h, click("a", 2_000)); // resolving a key frees a place
    send(h, impression("e", 1_000));
    assertThat(fn.shed()).isEqualTo(2);
    assertThat(fn.pending()).isEqualTo(2);
    h.processWatermark(100_000);
    assertThat(h.extractOutputValues())
        .extracting(x -> x.id + ":" + x.label)
        .containsExactly("a:1.0", "e:0.0");
    assertEmpty(h);
  }

  private static LabelJoinOperator boundedJoin(long allowance, Duration ttl, long maxPending) {
    return new LabelJoinOperator(
        Duration.ofMillis(WINDOW),
        Duration.ofMillis(CLICK_WAIT),
        Duration.ofMillis(allowance),
        ttl,
        maxPending);
  }

  @Test
  void withoutATtlAClickForAnUnknownImpressionStillEndsWithItsWait() throws Exception {
    var h = harness(boundedJoin(ALLOWANCE, Duration.ZERO, 1_000), null);
    send(h, click("ghost", 1_000));
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).isEqualTo(1);
    h.processWatermark(1_000 + CLICK_WAIT - 1);
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).isEqualTo(1);
    h.processWatermark(1_000 + CLICK_WAIT);
    assertThat(h.extractOutputValues()).isEmpty();
    assertEmpty(h);
  }

  @Test
  void rememberedOutcomesAreBoundedEvenIfEventTimeStalls() throws Exception {
    LabelJoinOperator fn = boundedJoin(ALLOWANCE, Duration.ZERO, 2);
    var h = harness(fn, null);
    // the watermark never moves: every impression is resolved by its click alone
    for (String id : List.of("a", "b", "c", "d")) {
      send(h, impression(id, 1_000));
      send(h, click(id, 2_000));
    }
    assertThat(h.extractOutputValues()).extracting(x -> x.id).containsExactly("a", "b", "c", "d");
    assertThat(fn.pending()).isZero();
    assertThat(fn.remembered()).isEqualTo(2); // a and b; c and d were forgotten at once
    assertThat(fn.forgottenEarly()).isEqualTo(2);
    assertEmpty(h); // remembered outside keyed state
    send(h, click("a", 3_000)); // remembered: a duplicate
    assertThat(fn.duplicates()).isEqualTo(1);
    send(h, click("c", 3_000)); // forgotten: waits as an early click
    assertThat(fn.pending()).isEqualTo(1);
    h.processWatermark(1_000 + WINDOW + ALLOWANCE);
    assertThat(fn.orphanClicks()).isEqualTo(1); // its wait ended: the timer also expires a and b
    assertThat(fn.remembered()).isZero();
    assertEmpty(h);
  }

  @Test
  void theRememberedCountSurvivesARestore() throws Exception {
    LabelJoinOperator fn = boundedJoin(ALLOWANCE, Duration.ZERO, 2);
    var h = harness(fn, null);
    for (String id : List.of("a", "b")) {
      send(h, impression(id, 1_000));
      send(h, click(id, 2_000));
    }
    OperatorSubtaskState snapshot = h.snapshot(1, 1);
    LabelJoinOperator restoredFn = boundedJoin(ALLOWANCE, Duration.ZERO, 2);
    var restored = harness(restoredFn, snapshot);
    assertThat(restoredFn.remembered()).isEqualTo(2);
    send(restored, click("b", 3_000)); // still known after the restore
    assertThat(restoredFn.duplicates()).isEqualTo(1);
    send(restored, impression("c", 1_000));
    send(restored, click("c", 2_000));
    assertThat(restoredFn.forgottenEarly()).isEqualTo(1);
    restored.processWatermark(1_000 + WINDOW + ALLOWANCE);
    send(restored, impression("d", 1_000 + WINDOW + ALLOWANCE));
    assertThat(restoredFn.remembered()).isZero();
    assertThat(restoredFn.pending()).isEqualTo(1);
  }

  @Test
  void rememberedOutcomesFollowTheirKeyGroupsWhenTheJoinIsRescaled() throws Exception {
    int maxParallelism = 128;
    LabelJoinOperator fn = join(ALLOWANCE);
    var one = harness(fn, null, Types.STRING, maxParallelism, 1, 0);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String id = "imp-" + i;
      ids.add(id);
      send(one, impression(id, 1_000));
      if (i % 2 == 0) {
        send(one, click(id, 2_000)); // even ids positive, odd ids negative at the window's end
      }
    }
    one.processWatermark(1_000 + WINDOW);
    assertThat(fn.remembered()).isEqualTo(200);
    OperatorSubtaskState snapshot = one.snapshot(1, 1);

    List<LabelJoinOperator> fns = new ArrayList<>();
    List<KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample>> two =
        new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      LabelJoinOperator f = join(ALLOWANCE);
      var h =
          harness(
              f,
              AbstractStreamOperatorTestHarness.repartitionOperatorState(
                  snapshot, maxParallelism, 1, 2, subtask),
              Types.STRING,
              maxParallelism,
              2,
              subtask);
      fns.add(f);
      two.add(h);
    }
    assertThat(fns.get(0).remembered() + fns.get(1).remembered()).isEqualTo(200);
    assertThat(fns.get(0).remembered()).isBetween(50L, 150L); // split, not copied
    for (String id : ids) {
      int owner = KeyGroupRangeAssignment.assignKeyToParallelOperator(id, maxParallelism, 2);
      send(two.get(owner), click(id, 3_000));
    }
    long late = 0;
    long dups = 0;
    for (int subtask = 0; subtask < 2; subtask++) {
      late += late(two.get(subtask)).size();
      dups += fns.get(subtask).duplicates();
      assertThat(fns.get(subtask).pending()).as("nothing mistaken for an early click").isZero();
    }
    assertThat(late).isEqualTo(100);
    assertThat(dups).isEqualTo(100);
  }

  @Test
  void anOptionalTtlStillDropsStateWhoseTimersCannotFire() throws Exception {
    var h = harness(boundedJoin(ALLOWANCE, Duration.ofMinutes(1), 1_000), null);
    h.setProcessingTime(0);
    send(h, impression("a", 1_000));
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).isEqualTo(1);
    h.setProcessingTime(Duration.ofMinutes(2).toMillis()); // the sweep drops it
    assertThat(((LabelJoinOperator) h.getOperator()).pending()).isZero();
    h.processWatermark(1_000 + WINDOW); // no negative
    assertThat(h.extractOutputValues()).isEmpty();
  }

  @Test
  void otherEventTypesAreIgnored() throws Exception {
    LabelJoinOperator fn = join(ALLOWANCE);
    var h = harness(fn, null);
    Event example = impression("x", 1_000);
    example.type = EventType.EXAMPLE;
    assertThat(LabelJoinOperator.isJoinInput(example)).isFalse();
    assertThat(LabelJoinOperator.isJoinInput(click("x", 1))).isTrue();
    send(h, example);
    h.processWatermark(100_000);
    assertThat(h.extractOutputValues()).isEmpty();
    assertEmpty(h);
  }

  /** A seeded stream of impressions, clicks (early, on time, late, duplicate) and watermarks. */
  private static List<Object> stream(long seed) {
    Random random = new Random(seed);
    List<Object> steps = new ArrayList<>();
    long now = 0;
    for (int i = 0; i < 300; i++) {
      now += random.nextInt(400);
      String id = "imp-" + random.nextInt(120); // ids repeat: duplicates and reuse after expiry
      long ts = now - random.nextInt(2_000);
      double r = random.nextDouble();
      if (r < 0.5) {
        steps.add(impression(id, ts));
      } else {
        steps.add(click(id, ts + random.nextInt(15_000) - 2_000));
      }
      if (random.nextInt(10) == 0) {
        steps.add(now - 3_000); // a watermark
      }
    }
    steps.add(Long.MAX_VALUE);
    return steps;
  }

  private static void play(
      KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample> h, List<Object> steps)
      throws Exception {
    for (Object step : steps) {
      if (step instanceof Event e) {
        send(h, e);
      } else {
        h.processWatermark((Long) step);
      }
    }
  }

  @Test
  void snapshotRestoreIntoAFreshHarnessGivesIdenticalOutputs() throws Exception {
    List<Object> steps = stream(7L);
    int cut = steps.size() / 2;

    LabelJoinOperator straightFn = join(ALLOWANCE);
    var straight = harness(straightFn, null);
    play(straight, steps);
    List<LabeledExample> expected = straight.extractOutputValues();
    List<Event> expectedLate = late(straight);
    assertThat(expected).extracting(x -> x.label).contains(0.0, 1.0); // both outcomes exercised
    assertThat(expectedLate).isNotEmpty();

    LabelJoinOperator firstFn = join(ALLOWANCE);
    var first = harness(firstFn, null);
    play(first, steps.subList(0, cut));
    OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
    List<LabeledExample> actual = new ArrayList<>(first.extractOutputValues());
    List<Event> actualLate = new ArrayList<>(late(first));
    long pendingAtCut = firstFn.pending();

    LabelJoinOperator secondFn = join(ALLOWANCE);
    var second = harness(secondFn, snapshot);
    assertThat(secondFn.pending()).isEqualTo(pendingAtCut);
    play(second, steps.subList(cut, steps.size()));
    actual.addAll(second.extractOutputValues());
    actualLate.addAll(late(second));

    assertThat(actual).containsExactlyElementsOf(expected);
    assertThat(actualLate).containsExactlyElementsOf(expectedLate);
    assertThat(secondFn.pending()).isEqualTo(straightFn.pending()).isZero();
    assertEmpty(second);
    assertEmpty(straight);
  }

  /**
   * A checkpoint of the earlier version, which kept a {@link JoinState} and an event-time timer per
   * impression id (written by that version's test harness, keyed by {@link KeyStringSerializer},
   * max parallelism 128; see src/test/resources/join/README.md): impressions a and c waiting, b
   * labelled positive, an early click on d waiting, watermark 2,000.
   */
  @Test
  void aCheckpointOfTheKeyedVersionRestoresIntoTheOperatorsOwnState() throws Exception {
    var h = restoreTheReadmeScenarioAndPlayItsRest("/join/label-join-keyed-v1.snapshot");
    assertEmpty(h); // the earlier version's timers fired into nothing
  }

  /**
   * A checkpoint of the version that kept its entries in union operator state (up to c1b8179), with
   * the same input as the keyed version's above: every entry restores, and the union states are
   * left empty.
   */
  @Test
  void aCheckpointOfTheUnionStateVersionRestores() throws Exception {
    var h = restoreTheReadmeScenarioAndPlayItsRest("/join/label-join-union-v2.snapshot");
    assertEmpty(h);

    // the next checkpoint holds the remembered ids by key group in keyed state, no union state
    OperatorSubtaskState next = h.snapshot(2, 2);
    assertThat(next.getManagedOperatorState())
        .flatMap(s -> s.getStateNameToPartitionOffsets().values())
        .allMatch(meta -> meta.getOffsets().length == 0);
    assertThat(next.getManagedKeyedState()).isNotEmpty();
    LabelJoinOperator again = readmeJoin();
    var h2 = harness(again, next, KeyStringSerializer.TYPE_INFO, 128, 1, 0);
    assertThat(again.remembered()).isEqualTo(4);
    assertThat(again.pending()).isZero();
    assertThat(h2.numKeyedStateEntries()).as("read and cleared").isZero();
  }

  /**
   * A checkpoint of session 8's version (byte arrays by key group in keyed state, encoded on the
   * task thread), with the same input: every entry restores, those states are left empty, and the
   * next checkpoint holds the parts of this version.
   */
  @Test
  void aCheckpointOfTheKeyedBytesVersionRestores() throws Exception {
    var h = restoreTheReadmeScenarioAndPlayItsRest("/join/label-join-keyed-v3.snapshot");
    assertEmpty(h);

    OperatorSubtaskState next = h.snapshot(2, 2);
    LabelJoinOperator again = readmeJoin();
    var h2 = harness(again, next, KeyStringSerializer.TYPE_INFO, 128, 1, 0);
    assertThat(again.remembered()).isEqualTo(4);
    assertThat(again.pending()).isZero();
    assertThat(h2.numKeyedStateEntries()).as("read and cleared").isZero();
  }

  /** The settings of the README's snapshots (src/test/resources/join/README.md). */
  private static LabelJoinOperator readmeJoin() {
    return new LabelJoinOperator(
        Duration.ofMillis(WINDOW),
        Duration.ofMillis(CLICK_WAIT),
        Duration.ofMillis(ALLOWANCE),
        Duration.ZERO,
        1_000);
  }

  /**
   * Restores {@code resource} (the README's scenario up to its snapshot), checks what waits, plays
   * the rest and checks the outputs the keyed version itself gave.
   */
  private KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample>
      restoreTheReadmeScenarioAndPlayItsRest(String resource) throws Exception {
    OperatorSubtaskState snapshot =
        OperatorSnapshotUtil.readStateHandle(
            Path.of(getClass().getResource(resource).toURI()).toString());
    LabelJoinOperator op = readmeJoin();
    var h = harness(op, snapshot, KeyStringSerializer.TYPE_INFO, 128, 1, 0);
    assertThat(op.pending()).as("a, c and d's click").isEqualTo(3);
    assertThat(op.remembered()).as("b").isEqualTo(1);
    assertThat(h.numKeyedStateEntries()).isZero();
    send(h, click("a", 4_000));
    send(h, impression("d", 3_100));
    send(h, click("b", 5_000));
    h.processWatermark(11_600);
    Event lateClick = click("c", 12_000);
    send(h, lateClick);
    assertThat(h.extractOutputValues())
        .extracting(x -> x.id + ":" + x.label + "@" + x.ts)
        .containsExactly("a:1.0@4000", "d:1.0@3100", "c:0.0@11500");
    assertThat(late(h)).containsExactly(lateClick);
    assertThat(op.duplicates()).isEqualTo(1);
    assertThat(op.remembered()).isEqualTo(4);
    return h;
  }

  @Test
  void waitingImpressionsFollowTheirKeyGroupsWhenTheJoinIsRescaled() throws Exception {
    int maxParallelism = 128;
    LabelJoinOperator op = join(ALLOWANCE);
    var one = harness(op, null, Types.STRING, maxParallelism, 1, 0);
    for (int i = 0; i < 200; i++) {
      send(one, impression("imp-" + i, 1_000 + i));
    }
    send(one, click("early", 1_000));
    OperatorSubtaskState snapshot = one.snapshot(1, 1);

    List<LabelJoinOperator> ops = new ArrayList<>();
    List<KeyedOneInputStreamOperatorTestHarness<String, Event, LabeledExample>> two =
        new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      LabelJoinOperator o = join(ALLOWANCE);
      two.add(
          harness(
              o,
              AbstractStreamOperatorTestHarness.repartitionOperatorState(
                  snapshot, maxParallelism, 1, 2, subtask),
              Types.STRING,
              maxParallelism,
              2,
              subtask));
      ops.add(o);
    }
    assertThat(ops.get(0).pending() + ops.get(1).pending()).isEqualTo(201);
    assertThat(ops.get(0).pending()).isBetween(50L, 150L); // split, not copied
    int early = KeyGroupRangeAssignment.assignKeyToParallelOperator("early", maxParallelism, 2);
    send(two.get(early), impression("early", 900)); // the early click waited across the rescale
    List<String> out = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      two.get(subtask).processWatermark(1_000 + WINDOW + 199);
      two.get(subtask).extractOutputValues().forEach(x -> out.add(x.id + ":" + x.label));
      assertThat(ops.get(subtask).pending()).isZero();
      // each subtask emits its negatives by deadline
      assertThat(
              two.get(subtask).extractOutputValues().stream()
                  .filter(x -> x.label == 0.0)
                  .map(x -> x.ts)
                  .toList())
          .isSorted();
    }
    assertThat(out).hasSize(201).contains("early:1.0", "imp-0:0.0", "imp-199:0.0");
  }

  @Test
  void joinStateHasItsOwnSerializerWithoutKryo() throws Exception {
    TypeInformation<JoinState> info = TypeInformation.of(JoinState.class);
    assertThat(info.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(JoinStateSerializer.class);
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    TypeSerializer<JoinState> serializer = info.createSerializer(config);
    JoinState s = new JoinState();
    s.phase = JoinState.WAITING_FOR_CLICK;
    Event held = impression("a", 1_000);
    s.impression = JoinStateSerializer.encode(held);
    s.impressionTs = 1_000;
    s.timer = 11_000;
    DataOutputSerializer out = new DataOutputSerializer(128);
    serializer.serialize(s, out);
    JoinState copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(copy.impression).isEqualTo(s.impression);
    assertThat(JoinStateSerializer.decode(copy.impression, new DataInputDeserializer()))
        .isEqualTo(held);

    // the bytes are those of the layout that held the impression as an event (checkpoints of
    // earlier versions restore): phase, presence, the event, no click, the two times
    DataOutputSerializer layout = new DataOutputSerializer(128);
    layout.writeInt(s.phase);
    layout.writeBoolean(true);
    EventSerializer.INSTANCE.serialize(held, layout);
    layout.writeBoolean(false);
    layout.writeLong(s.impressionTs);
    layout.writeLong(s.timer);
    assertThat(out.getCopyOfBuffer()).isEqualTo(layout.getCopyOfBuffer());
    assertThat(copy.click).isNull();
    assertThat(copy.phase).isEqualTo(s.phase);
    assertThat(copy.timer).isEqualTo(s.timer);
  }
}
