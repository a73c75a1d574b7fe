package dev.flywheel.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.testing.UpdateConsumer;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.ModelUpdateFormat;
import dev.flywheel.model.Model;
import dev.flywheel.model.io.ModelCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.memory.MemCheckpointStreamFactory;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFinalizer;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class TrainerFunctionTest {

  private static final String M = "ctr";

  private static KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate>
      harness(JobSettings settings, OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate>(
            new KeyedProcessOperator<>(new TrainerFunction(settings)), x -> x.model, Types.STRING);
    Fixtures.disableGenericTypes(h.getExecutionConfig());
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  private static Model stateModel(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h, String key)
      throws Exception {
    @SuppressWarnings("unchecked")
    KeyedProcessOperator<String, LabeledExample, ModelUpdate> op =
        (KeyedProcessOperator<String, LabeledExample, ModelUpdate>) h.getOperator();
    op.setCurrentKey(key);
    ValueState<Model> state =
        op.getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            TrainerFunction.modelStateDescriptor());
    return state.value();
  }

  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h,
      List<LabeledExample> examples)
      throws Exception {
    for (LabeledExample e : examples) {
      h.processElement(e, e.ts);
    }
  }

  private static List<ModelUpdate> drain(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h) {
    List<ModelUpdate> out = new ArrayList<>(h.extractOutputValues());
    h.getOutput().clear();
    return out;
  }

  /** The chunks emitted for the model-updates topic (the side output) since the last call. */
  private static List<ModelUpdate> drainTopic(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h) {
    List<ModelUpdate> out = new ArrayList<>();
    var queue = h.getSideOutput(TrainerFunction.TOPIC);
    if (queue != null) {
      queue.forEach(r -> out.add(r.getValue()));
      queue.clear();
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static TrainerFunction function(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h) {
    return (TrainerFunction)
        ((KeyedProcessOperator<String, LabeledExample, ModelUpdate>) h.getOperator())
            .getUserFunction();
  }

  /** Starts a checkpoint as a task does: the synchronous part only, the writing still to run. */
  private static OperatorSnapshotFutures startCheckpoint(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h, long id)
      throws Exception {
    return h.getOperator()
        .snapshotState(
            id,
            id,
            CheckpointOptions.forCheckpointWithDefaultLocation(),
            new MemCheckpointStreamFactory(Integer.MAX_VALUE));
  }

  /** Runs a started checkpoint's asynchronous part: what a restore gets. */
  private static OperatorSubtaskState finish(OperatorSnapshotFutures started) throws Exception {
    return OperatorSnapshotFinalizer.create(started).getJobManagerOwnedState();
  }

  @Test
  void theModelACompletedCheckpointFrozeTakesTheNextCopyOnWriteCopy() throws Exception {
    JobSettings settings = Fixtures.settings();
    List<LabeledExample> examples = Fixtures.examples(M, 16, 5);
    var h = harness(settings, null);
    TrainerFunction fn = function(h);
    h.setProcessingTime(0);
    feed(h, examples.subList(0, 8));
    Model first = fn.modelInState(M);

    OperatorSnapshotFutures ck1 = startCheckpoint(h, 1);
    feed(h, examples.subList(8, 12)); // a batch: the heap backend copies the frozen model
    Model second = fn.modelInState(M);
    assertThat(second).isNotSameAs(first);
    assertThat(second.hasSpare()).as("checkpoint 1 is not complete").isFalse();
    finish(ck1);
    h.notifyOfCompletedCheckpoint(1);
    assertThat(second.hasSpare()).isTrue();
    assertThat(fn.metrics().sparesOffered()).isEqualTo(1);

    byte[] atCheckpoint2 = ModelCodec.writeSnapshot(second);
    OperatorSnapshotFutures ck2 = startCheckpoint(h, 2);
    feed(h, examples.subList(12, 16));
    assertThat(fn.modelInState(M)).as("the copy went into checkpoint 1's model").isSameAs(first);
    OperatorSubtaskState snapshot2 = finish(ck2);

    var restored = harness(settings, snapshot2);
    assertThat(ModelCodec.writeSnapshot(stateModel(restored, M)))
        .as("checkpoint 2 holds the model as it was when it started")
        .isEqualTo(atCheckpoint2);
    var control = harness(settings, null);
    control.setProcessingTime(0);
    feed(control, examples);
    assertThat(ModelCodec.writeSnapshot(fn.modelInState(M)))
        .as("training went on as without reuse")
        .isEqualTo(ModelCodec.writeSnapshot(stateModel(control, M)));
    h.close();
    restored.close();
    control.close();
  }

  @Test
  void aModelAnotherRunningCheckpointFrozeIsNotReused() throws Exception {
    JobSettings settings = Fixtures.settings();
    List<LabeledExample> examples = Fixtures.examples(M, 16, 6);
    var h = harness(settings, null);
    TrainerFunction fn = function(h);
    h.setProcessingTime(0);
    feed(h, examples.subList(0, 8));
    byte[] frozen = ModelCodec.writeSnapshot(fn.modelInState(M));

    OperatorSnapshotFutures ck1 = startCheckpoint(h, 1);
    OperatorSnapshotFutures ck2 = startCheckpoint(h, 2); // idle between: both froze one model
    feed(h, examples.subList(8, 12));
    finish(ck1);
    h.notifyOfCompletedCheckpoint(1);
    assertThat(fn.modelInState(M).hasSpare()).as("checkpoint 2 may still be writing it").isFalse();

    OperatorSnapshotFutures ck3 = startCheckpoint(h, 3);
    feed(h, examples.subList(12, 16));
    var restored = harness(settings, finish(ck2));
    assertThat(ModelCodec.writeSnapshot(stateModel(restored, M))).isEqualTo(frozen);
    finish(ck3);
    h.getOperator().notifyCheckpointAborted(3);
    assertThat(fn.metrics().sparesOffered()).isZero();
    h.close();
    restored.close();
  }

  @Test
  void trainsFullBatchesAtOnceAndHoldsThePartialOne() throws Exception {
    var h = harness(Fixtures.settings(), null);
    h.setProcessingTime(0);
    feed(h, Fixtures.examples(M, 10, 1));
    Model model = stateModel(h, M);
    assertThat(model.version()).as("two full batches of 4").isEqualTo(2);
    assertThat(model.examplesSeen()).isEqualTo(8);
    assertThat(drain(h)).as("nothing is published before the publish interval").isEmpty();
    h.close();
  }

  @Test
  void theMaxWaitTimerFlushesAPartialBatch() throws Exception {
    var h = harness(Fixtures.settings(), null);
    h.setProcessingTime(0);
    feed(h, Fixtures.examples(M, 3, 2));
    h.setProcessingTime(99);
    assertThat(stateModel(h, M)).as("no model before the first batch").isNull();
    h.setProcessingTime(100);
    Model model = stateModel(h, M);
    assertThat(model.version()).isEqualTo(1);
    assertThat(model.examplesSeen()).isEqualTo(3);
    assertThat(h.numProcessingTimeTimers()).as("only the publish timer is left").isEqualTo(1);
    h.setProcessingTime(1100);
    assertThat(drain(h)).isNotEmpty();
    assertThat(h.numProcessingTimeTimers()).as("the next publish timer, idle or not").isEqualTo(1);
    h.setProcessingTime(5000);
    assertThat(drain(h)).as("an idle model publishes nothing").isEmpty();
    h.close();
  }

  @Test
  void aRestoredTrainerPublishesItsResetSnapshotWithoutNewExamples() throws Exception {
    JobSettings settings = Fixtures.settings();
    var a = harness(settings, null);
    a.setProcessingTime(0);
    feed(a, Fixtures.examples(M, 8, 3));
    a.setProcessingTime(1000);
    assertThat(drain(a)).isNotEmpty();
    a.setProcessingTime(3000); // idle since
    drain(a);
    OperatorSubtaskState snapshot = a.snapshot(1, 3000);

    var b = harness(settings, snapshot);
    b.setProcessingTime(3000);
    b.setProcessingTime(3000 + settings.publishInterval().toMillis());
    List<ModelUpdate> out = drain(b);
    assertThat(out).as("no example arrived after the restore").isNotEmpty();
    assertThat(out.get(0).kind).isEqualTo(ModelUpdate.Kind.SNAPSHOT);
    assertThat(out.get(0).catchUp).isFalse();
    assertThat(out.get(0).version).isEqualTo(stateModel(a, M).version());
    a.close();
    b.close();
  }

  /** One publication as the test sees it: kind, version, base version, catch-up. */
  private record Pub(ModelUpdate.Kind kind, long version, long base, boolean catchUp) {
    static Pub of(ModelUpdate u) {
      return new Pub(u.kind, u.version, u.baseVersion, u.catchUp);
    }

    static Pub snapshot(long v, boolean catchUp) {
      return new Pub(ModelUpdate.Kind.SNAPSHOT, v, v, catchUp);
    }

    static Pub delta(long v, long base) {
      return new Pub(ModelUpdate.Kind.DELTA, v, base, false);
    }
  }

  @Test
  void publishesAResetSnapshotThenDeltasAndACatchUpSnapshotAfterEveryNDeltas() throws Exception {
    var h = harness(Fixtures.settings(), null); // a snapshot every 2 deltas
    List<LabeledExample> data = Fixtures.examples(M, 48, 3);
    UpdateConsumer all = new UpdateConsumer();
    UpdateConsumer kafka = new UpdateConsumer();
    UpdateConsumer scorer = new UpdateConsumer();
    List<Pub> published = new ArrayList<>();
    long t = 0;
    for (int round = 0; round < 6; round++) {
      h.setProcessingTime(t);
      feed(h, data.subList(round * 8, round * 8 + 8));
      t += 1000;
      h.setProcessingTime(t);
      List<ModelUpdate> chunks = drainTopic(h);
      assertThat(chunks).as("round %d publishes", round).isNotEmpty();
      assertThat(chunks).allSatisfy(c -> assertThat(c.bytes.length).isLessThanOrEqualTo(1024));
      int before = all.publications.size();
      all.acceptAll(chunks);
      for (ModelUpdate c : chunks) {
        // the Kafka value format does not carry the flag: that consumer sees plain snapshots
        ModelUpdate read = ModelUpdateFormat.read(ModelUpdateFormat.write(c));
        assertThat(read.catchUp).isFalse();
        kafka.accept(read);
      }
      List<ModelUpdate> toScorer = drain(h);
      assertThat(toScorer)
          .as("the scorer's output never has a catch-up snapshot")
          .noneMatch(c -> c.catchUp);
      scorer.acceptAll(toScorer);
      assertThat(all.publications.size() - before)
          .as("every chunk of round %d belongs to a publication completed in order", round)
          .isPositive();
      all.publications.stream().skip(before).forEach(p -> published.add(Pub.of(p)));
      byte[] trainer = ModelCodec.writeSnapshot(stateModel(h, M));
      assertThat(all.publications.get(all.publications.size() - 1).newestEventTime)
          .isEqualTo(1000 + round * 8 + 7);
      for (ModelUpdate p : all.publications.subList(before, all.publications.size())) {
        if (p.catchUp) {
          assertThat(p.bytes)
              .as("a catch-up snapshot is the model after the delta it follows")
              .isEqualTo(trainer);
        }
      }
      for (UpdateConsumer c : List.of(all, kafka, scorer)) {
        assertThat(c.modelBytes())
            .as("a consumer's model equals the trainer's after round %d", round)
            .isEqualTo(trainer);
      }
    }
    assertThat(published)
        .containsExactly(
            Pub.snapshot(2, false),
            Pub.delta(4, 2),
            Pub.delta(6, 4),
            Pub.snapshot(6, true),
            Pub.delta(8, 6),
            Pub.delta(10, 8),
            Pub.snapshot(10, true),
            Pub.delta(12, 10));
    assertThat(all.ignored).isZero();
    assertThat(kafka.ignored).isZero();
    assertThat(scorer.ignored).isZero();
    assertThat(scorer.publications)
        .as("the scorer's output gets the reset snapshot and every delta, no catch-up")
        .extracting(Pub::of)
        .containsExactly(
            Pub.snapshot(2, false),
            Pub.delta(4, 2),
            Pub.delta(6, 4),
            Pub.delta(8, 6),
            Pub.delta(10, 8),
            Pub.delta(12, 10));

    h.setProcessingTime(t + 5000);
    assertThat(drain(h)).as("an unchanged model is not republished").isEmpty();
    assertThat(drainTopic(h)).isEmpty();
    h.close();
  }

  /**
   * 40,000 B/s with chunks of 1 KiB: the bucket holds 4,000 B, then a chunk leaves every ~26 ms.
   */
  private static JobSettings paced() {
    return Fixtures.settings("--flywheel.model-updates.max-bytes-per-second", "40000");
  }

  /** Moves processing time to {@code to} in 10 ms steps, collecting the topic's chunks. */
  private static long advance(
      KeyedOneInputStreamOperatorTestHarness<String, LabeledExample, ModelUpdate> h,
      long from,
      long to,
      List<ModelUpdate> topic)
      throws Exception {
    for (long t = from + 10; t <= to; t += 10) {
      h.setProcessingTime(t);
      topic.addAll(drainTopic(h));
    }
    return to;
  }

  @Test
  void theTopicGetsPublicationsPacedAndInOrderWhileTheScorerGetsThemAtOnce() throws Exception {
    var h = harness(paced(), null);
    List<LabeledExample> data = Fixtures.examples(M, 16, 21);
    h.setProcessingTime(0);
    feed(h, data.subList(0, 8));
    h.setProcessingTime(1000); // publish: the reset snapshot
    List<ModelUpdate> scorerChunks = new ArrayList<>(drain(h));
    int snapshotChunks = scorerChunks.size();
    assertThat(snapshotChunks).as("the test needs a snapshot of several chunks").isGreaterThan(5);
    assertThat(scorerChunks.get(snapshotChunks - 1).totalLength)
        .as("and one under the pacer's 4 s bound")
        .isLessThan(160_000);
    List<ModelUpdate> topic = new ArrayList<>(drainTopic(h));
    assertThat(topic).as("a full bucket lets four chunks go").hasSize(4);

    feed(h, data.subList(8, 16));
    long t = advance(h, 1000, 2000, topic); // the delta is published at 2000
    scorerChunks.addAll(drain(h));
    assertThat(scorerChunks)
        .as("the scorer got the delta at once")
        .hasSizeGreaterThan(snapshotChunks);
    assertThat(topic.size()).as("4 chunks, then 40,000 B in a second").isBetween(38, 48);
    assertThat(h.numProcessingTimeTimers())
        .as("publish and pace timers only")
        .isLessThanOrEqualTo(3);
    advance(h, t, 1000 + snapshotChunks * 200L, topic);
    assertThat(topic).hasSameSizeAs(scorerChunks);
    assertThat(topic).as("same chunks, same order").isEqualTo(scorerChunks);
    UpdateConsumer fromTopic = new UpdateConsumer().acceptAll(topic);
    assertThat(fromTopic.ignored).isZero();
    assertThat(fromTopic.publications)
        .extracting(p -> p.kind)
        .containsExactly(ModelUpdate.Kind.SNAPSHOT, ModelUpdate.Kind.DELTA);
    assertThat(fromTopic.modelBytes()).isEqualTo(ModelCodec.writeSnapshot(stateModel(h, M)));
    h.close();
  }

  @Test
  void aRestoreDropsTheUnsentChunksAndItsResetSnapshotSupersedesThem() throws Exception {
    JobSettings settings = paced();
    var a = harness(settings, null);
    a.setProcessingTime(0);
    feed(a, Fixtures.examples(M, 8, 22));
    a.setProcessingTime(1000);
    drain(a);
    a.setProcessingTime(1200);
    List<ModelUpdate> topic = new ArrayList<>(drainTopic(a));
    assertThat(topic).as("part of the reset snapshot went out").hasSizeBetween(8, 16);
    OperatorSubtaskState snapshot = a.snapshot(1, 1200);
    a.close();

    var b = harness(settings, snapshot);
    advance(b, 1200, 10_000, topic);
    UpdateConsumer consumer = new UpdateConsumer().acceptAll(topic);
    assertThat(consumer.publications)
        .as("only the restored trainer's reset snapshot completes")
        .hasSize(1);
    assertThat(consumer.modelBytes()).isEqualTo(ModelCodec.writeSnapshot(stateModel(b, M)));
    b.close();
  }

  @Test
  void aCatchUpSnapshotAloneBringsALateConsumerToTheTrainersModel() throws Exception {
    var h = harness(Fixtures.settings(), null);
    List<LabeledExample> data = Fixtures.examples(M, 40, 5);
    List<ModelUpdate> chunks = new ArrayList<>();
    long t = 0;
    for (int round = 0; round < 5; round++) {
      h.setProcessingTime(t);
      feed(h, data.subList(round * 8, round * 8 + 8));
      t += 1000;
      h.setProcessingTime(t);
      chunks.addAll(drainTopic(h));
    }
    int firstCatchUp = 0;
    while (!chunks.get(firstCatchUp).catchUp) {
      firstCatchUp++;
    }
    assertThat(chunks.get(firstCatchUp - 1).kind)
        .as("a catch-up snapshot's chunks follow its delta's")
        .isEqualTo(ModelUpdate.Kind.DELTA);
    assertThat(chunks.get(firstCatchUp - 1).version).isEqualTo(chunks.get(firstCatchUp).version);
    UpdateConsumer late = new UpdateConsumer();
    for (ModelUpdate c : chunks.subList(firstCatchUp, chunks.size())) {
      late.accept(ModelUpdateFormat.read(ModelUpdateFormat.write(c)));
    }
    assertThat(late.ignored).isZero();
    assertThat(late.modelBytes()).isEqualTo(ModelCodec.writeSnapshot(stateModel(h, M)));
    h.close();
  }

  @Test
  void snapshotRestoreContinuesIdentically() throws Exception {
    JobSettings settings = Fixtures.settings();
    List<LabeledExample> data = Fixtures.examples(M, 60, 4);
    var a = harness(settings, null);
    a.setProcessingTime(0);
    feed(a, data.subList(0, 10));
    a.setProcessingTime(1000);
    UpdateConsumer consumerA = new UpdateConsumer().acceptAll(drain(a));
    feed(a, data.subList(10, 15)); // one full batch, one example pending, timers registered
    OperatorSubtaskState snapshot = a.snapshot(1, 1000);

    var b = harness(settings, snapshot);
    b.setProcessingTime(1000);
    UpdateConsumer consumerB = new UpdateConsumer();
    for (var h : List.of(a, b)) {
      UpdateConsumer consumer = h == a ? consumerA : consumerB;
      for (int round = 0; round < 3; round++) {
        feed(h, data.subList(15 + round * 15, 30 + round * 15));
        h.setProcessingTime(2000 + round * 1000);
        consumer.acceptAll(drain(h));
      }
    }
    assertThat(ModelCodec.writeSnapshot(stateModel(b, M)))
        .isEqualTo(ModelCodec.writeSnapshot(stateModel(a, M)));
    assertThat(stateModel(b, M).version()).isEqualTo(stateModel(a, M).version()).isGreaterThan(5);
    assertThat(consumerB.publications.get(0).kind)
        .as("the first publication after a restore is a snapshot")
        .isEqualTo(ModelUpdate.Kind.SNAPSHOT);
    // catch-up snapshots count deltas from the last snapshot, which the restore resets
    List<Long> versionsA = new ArrayList<>();
    consumerA.publications.stream()
        .skip(1)
        .filter(p -> !p.catchUp)
        .forEach(p -> versionsA.add(p.version));
    assertThat(consumerB.publications.stream().filter(p -> !p.catchUp))
        .extracting(p -> p.version)
        .isEqualTo(versionsA);
    assertThat(consumerB.modelBytes()).isEqualTo(consumerA.modelBytes());
    a.close();
    b.close();
  }

  @Test
  void nonFiniteOrInvalidInputsNeverMakeTheModelNaN() throws Exception {
    var h = harness(Fixtures.settings(), null);
    h.setProcessingTime(0);
    List<LabeledExample> data = new ArrayList<>(Fixtures.examples(M, 12, 5));
    LabeledExample nanValue = Fixtures.examples(M, 1, 6).get(0);
    nanValue.values = new double[] {Double.NaN, 1, 1};
    LabeledExample infLabel = Fixtures.examples(M, 1, 7).get(0);
    infLabel.label = Double.POSITIVE_INFINITY;
    LabeledExample badLabel = Fixtures.examples(M, 1, 8).get(0);
    badLabel.label = 3;
    LabeledExample negWeight = Fixtures.examples(M, 1, 9).get(0);
    negWeight.weight = -1;
    LabeledExample outOfRange = Fixtures.examples(M, 1, 10).get(0);
    outOfRange.indices = new int[] {0, 1, 1 << 20};
    data.addAll(3, List.of(nanValue, infLabel, badLabel, negWeight, outOfRange));
    // a huge (finite) value: its batch's gradient overflows, so the model skips that batch
    List<LabeledExample> huge = Fixtures.examples(M, 4, 11);
    for (LabeledExample e : huge) {
      e.values = new double[] {1e300, 1e300, 1e300};
    }
    data.addAll(huge);
    data.addAll(Fixtures.examples(M, 4, 12));
    feed(h, data);

    Model model = stateModel(h, M);
    assertThat(model.state().allFinite()).isTrue();
    assertThat(model.examplesSeen())
        .as("the five invalid examples were dropped, valid batches trained")
        .isGreaterThanOrEqualTo(12)
        .isLessThanOrEqualTo(16);
    assertThat(model.skippedBatches() + model.version()).isEqualTo(5);
    h.setProcessingTime(1000);
    UpdateConsumer consumer = new UpdateConsumer().acceptAll(drain(h));
    assertThat(consumer.model().state().allFinite()).isTrue();
    h.close();
  }

  @Test
  void modelIdsTrainIndependently() throws Exception {
    var h = harness(Fixtures.settings(), null);
    h.setProcessingTime(0);
    feed(h, Fixtures.examples("a", 8, 13));
    feed(h, Fixtures.examples("b", 4, 14));
    assertThat(stateModel(h, "a").version()).isEqualTo(2);
    assertThat(stateModel(h, "b").version()).isEqualTo(1);
    h.setProcessingTime(1000);
    List<ModelUpdate> out = drain(h);
    assertThat(out).extracting(u -> u.modelId).contains("a", "b");
    h.close();
  }

  @Test
  void metricsCountWhatHappened() throws Exception {
    var h = harness(Fixtures.settings(), null);
    h.setProcessingTime(0);
    List<LabeledExample> data = new ArrayList<>(Fixtures.examples(M, 12, 15));
    LabeledExample bad = Fixtures.examples(M, 1, 16).get(0);
    bad.label = Double.NaN;
    data.add(5, bad);
    feed(h, data);
    h.setProcessingTime(1000);
    @SuppressWarnings("unchecked")
    TrainerFunction fn =
        (TrainerFunction)
            ((KeyedProcessOperator<String, LabeledExample, ModelUpdate>) h.getOperator())
                .getUserFunction();
    TrainerMetrics metrics = fn.metrics();
    assertThat(metrics.examplesTrained()).isEqualTo(12);
    assertThat(metrics.examplesRejected()).isEqualTo(1);
    assertThat(metrics.batchesSkipped()).isZero();
    assertThat(metrics.updatesPublished()).isEqualTo(1);
    assertThat(metrics.modelVersion()).isEqualTo(3);
    assertThat(metrics.logLoss()).isBetween(0.05, 2.0);
    TrainerMetrics.PerModel m = metrics.model(M);
    assertThat(m.examplesTrained.getCount()).isEqualTo(12);
    assertThat(m.total.count()).isEqualTo(12);
    assertThat(m.logLossRecent()).isEqualTo(m.total.logLoss());
    assertThat(m.calibration()).isPositive();
    h.close();
  }
}
