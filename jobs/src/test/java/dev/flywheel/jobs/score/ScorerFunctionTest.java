package dev.flywheel.jobs.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.testing.Fixtures;
import dev.flywheel.jobs.types.SerializerContract;
import dev.flywheel.jobs.updates.Chunker;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.model.Model;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.io.ModelCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class ScorerFunctionTest {

  private static final String M = "ctr";
  private static final JobSettings SETTINGS = Fixtures.settings();
  private static final int MAX_PARALLELISM = 128;

  private static BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> harness(
      OperatorSubtaskState restoreFrom) throws Exception {
    return harness(restoreFrom, 1, 0);
  }

  /** Subtask {@code index} of {@code parallelism}, restored from {@code restoreFrom} if given. */
  private static BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> harness(
      OperatorSubtaskState restoreFrom, int parallelism, int index) throws Exception {
    return harness(new ScorerFunction(SETTINGS), restoreFrom, parallelism, index);
  }

  private static BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> harness(
      BroadcastProcessFunction<Event, ModelUpdate, Prediction> function,
      OperatorSubtaskState restoreFrom,
      int parallelism,
      int index)
      throws Exception {
    var h =
        new BroadcastOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(
                function, List.of(ScorerFunction.SERVED, ScorerFunction.PENDING)),
            MAX_PARALLELISM,
            parallelism,
            index);
    Fixtures.disableGenericTypes(h.getExecutionConfig());
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  /** A model trained on {@code batches} batches of 4 synthetic examples. */
  private static Model trained(int batches, long seed) {
    Model model = new Model(SETTINGS.modelConfig());
    train(model, batches, seed);
    return model;
  }

  private static void train(Model model, int batches, long seed) {
    List<LabeledExample> data = Fixtures.examples(M, batches * 4, seed);
    SparseBatch batch = new SparseBatch(4, 3);
    for (int b = 0; b < batches; b++) {
      batch.clear();
      for (int i = 0; i < 4; i++) {
        data.get(b * 4 + i).addTo(batch);
      }
      model.train(batch, null);
    }
  }

  private static List<ModelUpdate> snapshot(Model model, long eventTime) {
    ModelUpdate meta = new ModelUpdate();
    meta.modelId = M;
    meta.kind = ModelUpdate.Kind.SNAPSHOT;
    meta.version = model.version();
    meta.baseVersion = model.version();
    meta.newestEventTime = eventTime;
    List<ModelUpdate> chunks = Chunker.split(meta, ModelCodec.writeSnapshot(model), 1024);
    model.markPublished();
    return chunks;
  }

  private static List<ModelUpdate> delta(Model model, long eventTime) {
    ModelUpdate meta = new ModelUpdate();
    meta.modelId = M;
    meta.kind = ModelUpdate.Kind.DELTA;
    meta.version = model.version();
    meta.baseVersion = model.publishedVersion();
    meta.newestEventTime = eventTime;
    List<ModelUpdate> chunks = Chunker.split(meta, ModelCodec.writeDelta(model), 1024);
    model.markPublished();
    return chunks;
  }

  private static Event example(String id, int... indices) {
    Event e = new Event();
    e.type = EventType.EXAMPLE;
    e.model = M;
    e.id = id;
    e.ts = 5;
    e.label = 1;
    e.indices = indices;
    e.values = new double[indices.length];
    Arrays.fill(e.values, 1.0);
    e.numeric = new boolean[indices.length];
    e.sharedCount = indices.length;
    return e;
  }

  private static Event request(String id, int shared, int... candidateIndex) {
    Event e = example(id, shared);
    e.type = EventType.REQUEST;
    e.id = null;
    e.requestId = id;
    int n = candidateIndex.length;
    e.indices = new int[1 + n];
    e.indices[0] = shared;
    System.arraycopy(candidateIndex, 0, e.indices, 1, n);
    e.values = new double[1 + n];
    Arrays.fill(e.values, 1.0);
    e.numeric = new boolean[1 + n];
    e.sharedCount = 1;
    e.candidateItemIds = new String[n];
    e.candidateOffsets = new int[n + 1];
    for (int k = 0; k < n; k++) {
      e.candidateItemIds[k] = "item" + k;
      e.candidateOffsets[k] = 1 + k;
    }
    e.candidateOffsets[n] = 1 + n;
    e.label = Double.NaN;
    return e;
  }

  private static double score(Model model, Event e) {
    SparseBatch batch = new SparseBatch(1, 4);
    e.addFeatures(batch);
    batch.endExample(0);
    return model.scoreOne(batch, 0);
  }

  private static void broadcast(
      BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> h, List<ModelUpdate> chunks)
      throws Exception {
    for (ModelUpdate c : chunks) {
      h.processBroadcastElement(c, 0);
    }
  }

  private static Prediction scoreOne(
      BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> h, Event e) throws Exception {
    h.getOutput().clear();
    h.processElement(e, e.ts);
    List<Prediction> out = h.extractOutputValues();
    assertThat(out).hasSize(1);
    h.getOutput().clear();
    return out.get(0);
  }

  @Test
  void anUnseenModelIdIsScoredByTheFreshModelAtVersionZero() throws Exception {
    var h = harness(null);
    Event e = example("e1", 1, 17, 33);
    Prediction p = scoreOne(h, e);
    assertThat(p.modelVersion).isZero();
    assertThat(p.type).isEqualTo(EventType.EXAMPLE);
    assertThat(p.id).isEqualTo("e1");
    assertThat(p.score).isEqualTo(score(SETTINGS.newModel(), e));
    h.close();
  }

  @Test
  void aSnapshotReplacesAMatchingDeltaAppliesAStaleDeltaIsIgnoredUntilTheNextSnapshot()
      throws Exception {
    var h = harness(null);
    Event e = example("e", 2, 18, 34);
    Model trainer = trained(3, 1);
    broadcast(h, snapshot(trainer, 100));
    Prediction p = scoreOne(h, e);
    assertThat(p.modelVersion).isEqualTo(3);
    assertThat(p.score).isEqualTo(score(trainer, e));

    train(trainer, 2, 2);
    broadcast(h, delta(trainer, 200));
    p = scoreOne(h, e);
    assertThat(p.modelVersion).isEqualTo(5);
    assertThat(p.score).isEqualTo(score(trainer, e));

    train(trainer, 1, 3);
    delta(trainer, 300); // lost: the scorer never sees version 6
    train(trainer, 1, 4);
    broadcast(h, delta(trainer, 400));
    assertThat(scoreOne(h, e).modelVersion).as("a delta onto 6 is ignored at 5").isEqualTo(5);
    train(trainer, 1, 5);
    broadcast(h, delta(trainer, 500));
    assertThat(scoreOne(h, e).modelVersion).isEqualTo(5);

    broadcast(h, snapshot(trainer, 600));
    p = scoreOne(h, e);
    assertThat(p.modelVersion).isEqualTo(8);
    assertThat(p.score).isEqualTo(score(trainer, e));
    ScorerMetrics metrics =
        ((ScorerFunction)
                ((CoBroadcastWithNonKeyedOperator<Event, ModelUpdate, Prediction>)
                        h.getTwoInputOperator())
                    .getUserFunction())
            .metrics();
    assertThat(metrics.updatesApplied.getCount()).isEqualTo(3);
    assertThat(metrics.updatesIgnored.getCount()).isEqualTo(2);
    assertThat(metrics.updatesInvalid.getCount()).isZero();
    assertThat(metrics.predictions.getCount()).isEqualTo(5);
    assertThat(metrics.latencyUs.getCount()).isEqualTo(5);
    h.close();
  }

  @Test
  void aRequestIsRankedByDescendingScoreAndClicksYieldNothing() throws Exception {
    var h = harness(null);
    Model trainer = trained(20, 6);
    broadcast(h, snapshot(trainer, 100));
    Event r = request("r1", 16, 0, 5, 2, 4, 1, 3);
    Prediction p = scoreOne(h, r);
    assertThat(p.requestId).isEqualTo("r1");
    assertThat(p.modelVersion).isEqualTo(20);
    assertThat(p.rankedItemIds).hasSize(6).doesNotHaveDuplicates();
    for (int i = 1; i < 6; i++) {
      assertThat(p.rankedScores[i]).isLessThanOrEqualTo(p.rankedScores[i - 1]);
    }
    for (int k = 0; k < 6; k++) {
      Event alone = example("x", 16, r.indices[1 + k]);
      int rank = Arrays.asList(p.rankedItemIds).indexOf("item" + k);
      assertThat(p.rankedScores[rank]).isEqualTo(score(trainer, alone));
    }
    assertThat(p.rankedScores[0]).isGreaterThan(p.rankedScores[5]);

    Event click = new Event();
    click.type = EventType.CLICK;
    click.model = M;
    click.impressionId = "i1";
    h.processElement(click, 1);
    assertThat(h.extractOutputValues()).isEmpty();
    h.close();
  }

  @Test
  void aRestoredScorerHoldsItsEventsUntilTheResetSnapshotThenScoresThemInOrder() throws Exception {
    var a = harness(null);
    Model trainer = trained(3, 7);
    broadcast(a, snapshot(trainer, 100));
    train(trainer, 2, 8);
    broadcast(a, delta(trainer, 200));
    train(trainer, 2, 9);
    List<ModelUpdate> next = delta(trainer, 300);
    assertThat(next.size()).as("the delta spans several chunks").isGreaterThan(1);
    broadcast(a, next.subList(0, 1));
    OperatorSubtaskState snap = a.snapshot(1, 1);
    assertThat(snap.getStateSize())
        .as("no model in the checkpoint")
        .isLessThan(ModelCodec.snapshotSize(SETTINGS.modelConfig()) / 2);

    var b = harness(snap);
    List<Event> events = events(8);
    for (Event e : events) {
      b.processElement(e, e.ts);
    }
    assertThat(b.extractOutputValues()).as("held until the model is back").isEmpty();
    assertThat(function(b).metrics().held()).isEqualTo(events.size());
    broadcast(b, next.subList(1, next.size())); // completes a delta without a base: ignored
    assertThat(b.extractOutputValues()).isEmpty();

    broadcast(a, next.subList(1, next.size()));
    // the restarted trainer's reset snapshot: the model at the checkpoint or newer
    broadcast(b, snapshot(trainer, 300));
    List<Prediction> released = b.extractOutputValues();
    assertThat(released).hasSize(events.size());
    for (int i = 0; i < events.size(); i++) {
      Prediction expected = scoreOne(a, events.get(i));
      Prediction got = released.get(i);
      assertThat(got.modelVersion).isEqualTo(7);
      assertThat(got.id).isEqualTo(expected.id);
      assertThat(Double.valueOf(got.score)).isEqualTo(Double.valueOf(expected.score)); // NaN too
      assertThat(got.rankedScores).isEqualTo(expected.rankedScores);
    }
    assertThat(function(b).metrics().held()).isZero();
    b.getOutput().clear();
    Prediction after = scoreOne(b, events.get(0));
    assertThat(after.modelVersion).isEqualTo(7);
    assertThat(after.score).isEqualTo(score(trainer, events.get(0)));
    a.close();
    b.close();
  }

  @Test
  void heldEventsSurviveACheckpointTakenWhileHolding() throws Exception {
    var a = harness(null);
    Model trainer = trained(3, 7);
    broadcast(a, snapshot(trainer, 100));
    var b = harness(a.snapshot(1, 1));
    List<Event> events = events(4);
    for (Event e : events.subList(0, 2)) {
      b.processElement(e, e.ts);
    }
    var c = harness(b.snapshot(2, 2)); // restored again before the model came back
    for (Event e : events.subList(2, events.size())) {
      c.processElement(e, e.ts);
    }
    assertThat(c.extractOutputValues()).isEmpty();
    broadcast(c, snapshot(trainer, 100));
    assertThat(c.extractOutputValues())
        .extracting(p -> p.id == null ? p.requestId : p.id)
        .containsExactly("e0", "e1", "e2", "e3", "r");
    a.close();
    b.close();
    c.close();
  }

  @Test
  void theHoldIsBoundedByEventsAndByTime() throws Exception {
    var a = harness(null);
    Model trainer = trained(3, 7);
    broadcast(a, snapshot(trainer, 100));
    OperatorSubtaskState snap = a.snapshot(1, 1);
    List<Event> events = events(4);

    JobSettings few = Fixtures.settings("--flywheel.scorer.restore-hold.max-events", "2");
    var b = harness(new ScorerFunction(few), snap, 1, 0);
    b.processElement(events.get(0), 5);
    b.processElement(events.get(1), 5);
    assertThat(b.extractOutputValues()).isEmpty();
    b.processElement(events.get(2), 5); // the third: everything goes, with version 0
    assertThat(b.extractOutputValues()).extracting(p -> p.modelVersion).containsExactly(0L, 0L, 0L);
    assertThat(function(b).metrics().heldScoredWithoutModel.getCount()).isEqualTo(2);
    b.getOutput().clear();
    b.processElement(events.get(3), 5);
    assertThat(b.extractOutputValues()).as("no longer holding").hasSize(1);

    JobSettings none = Fixtures.settings("--flywheel.scorer.restore-hold.timeout", "0s");
    var c = harness(new ScorerFunction(none), snap, 1, 0);
    c.processElement(events.get(0), 5);
    assertThat(c.extractOutputValues()).as("the timeout has passed").hasSize(1);

    JobSettings off = Fixtures.settings("--flywheel.scorer.restore-hold.max-events", "0");
    var d = harness(new ScorerFunction(off), snap, 1, 0);
    d.processElement(events.get(0), 5);
    assertThat(d.extractOutputValues()).extracting(p -> p.modelVersion).containsExactly(0L);
    for (var h : List.of(a, b, c, d)) {
      h.close();
    }
  }

  private static ScorerFunction function(
      BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> h) {
    return (ScorerFunction)
        ((CoBroadcastWithNonKeyedOperator<Event, ModelUpdate, Prediction>) h.getTwoInputOperator())
            .getUserFunction();
  }

  /** What the harness's operator holds in the union list state right now. */
  private static List<ServedModel> unionState(
      BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> h) throws Exception {
    List<ServedModel> out = new ArrayList<>();
    h.getOperator()
        .getOperatorStateBackend()
        .getUnionListState(ScorerFunction.CHECKPOINTED)
        .get()
        .forEach(out::add);
    return out;
  }

  private static List<Event> events(int n) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(example("e" + i, i % 16, 16 + i % 7, 32 + i % 5));
    }
    events.add(request("r", 3, 17, 18, 19, 40));
    return events;
  }

  @Test
  void noSubtaskCheckpointsAModelAndEveryParallelismHoldsUntilTheResetSnapshot() throws Exception {
    Model trainer = trained(3, 11);
    List<ModelUpdate> first = snapshot(trainer, 100);
    train(trainer, 2, 12);
    List<ModelUpdate> second = delta(trainer, 200);
    train(trainer, 2, 13);
    List<ModelUpdate> third = delta(trainer, 300);
    var s0 = harness(null, 2, 0);
    var s1 = harness(null, 2, 1);
    for (var h : List.of(s0, s1)) {
      broadcast(h, first);
      broadcast(h, second);
      broadcast(h, third.subList(0, 1)); // half a publication: broadcast state, per subtask
    }
    OperatorSubtaskState snap0 = s0.snapshot(1, 1);
    OperatorSubtaskState snap1 = s1.snapshot(1, 1);
    for (OperatorSubtaskState snap : List.of(snap0, snap1)) {
      assertThat(snap.getStateSize())
          .as("no model bytes, only the broadcast headers and chunks")
          .isLessThan(ModelCodec.snapshotSize(SETTINGS.modelConfig()) / 2);
    }
    assertThat(unionState(s0)).isEmpty();
    OperatorSubtaskState whole = AbstractStreamOperatorTestHarness.repackageState(snap0, snap1);
    List<ModelUpdate> reset = snapshot(trainer, 300); // the restarted trainer's first publication

    List<Event> events = events(12);
    for (int parallelism : new int[] {2, 3, 1}) {
      for (int index = 0; index < parallelism; index++) {
        var r =
            harness(
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    whole, MAX_PARALLELISM, 2, parallelism, index),
                parallelism,
                index);
        for (Event e : events) {
          r.processElement(e, e.ts);
        }
        assertThat(r.extractOutputValues())
            .as("subtask %d of %d holds its events", index, parallelism)
            .isEmpty();
        broadcast(r, third.subList(1, third.size())); // no base: ignored
        broadcast(r, reset);
        List<Prediction> out = r.extractOutputValues();
        assertThat(out).hasSize(events.size());
        for (int i = 0; i < events.size() - 1; i++) {
          assertThat(out.get(i).modelVersion).isEqualTo(7);
          assertThat(out.get(i).score).isEqualTo(score(trainer, events.get(i)));
        }
        r.close();
      }
    }
    s0.close();
    s1.close();
  }

  @Test
  void aCheckpointWritesNoModelAndDeltasApplyInPlace() throws Exception {
    var a = harness(null);
    Model trainer = trained(3, 7);
    broadcast(a, snapshot(trainer, 100));
    Model served = function(a).served(M);
    a.snapshot(1, 1);
    assertThat(unionState(a)).isEmpty();
    train(trainer, 2, 8);
    broadcast(a, delta(trainer, 200));
    assertThat(function(a).served(M)).as("no copy after a checkpoint").isSameAs(served);
    assertThat(ModelCodec.writeSnapshot(served)).isEqualTo(ModelCodec.writeSnapshot(trainer));
    a.close();
  }

  @Test
  void aCheckpointOfThePreviousLayoutServesItsModelAtOnce() throws Exception {
    Model model = trained(3, 7);
    var old = harness(new PreviousScorer(model), null, 1, 0);
    old.processBroadcastElement(snapshot(trained(3, 7), 100).get(0), 0);
    OperatorSubtaskState checkpoint = old.snapshot(1, 1);
    old.close();
    assertThat(checkpoint.getStateSize())
        .isGreaterThan(ModelCodec.snapshotSize(SETTINGS.modelConfig()));

    var h = harness(checkpoint);
    Event e = example("e", 2, 18, 34);
    Prediction p = scoreOne(h, e);
    assertThat(p.modelVersion).as("served at once, not held").isEqualTo(3);
    assertThat(p.score).isEqualTo(score(model, e));
    assertThat(h.snapshot(2, 2).getStateSize())
        .as("and not written again")
        .isLessThan(ModelCodec.snapshotSize(SETTINGS.modelConfig()) / 2);
    h.close();
  }

  /** The previous version's layout: subtask 0 writes its model into the union list state. */
  private static final class PreviousScorer
      extends BroadcastProcessFunction<Event, ModelUpdate, Prediction>
      implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final transient Model model;
    private transient ListState<ServedModel> state;

    PreviousScorer(Model model) {
      this.model = model;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      state = context.getOperatorStateStore().getUnionListState(ScorerFunction.CHECKPOINTED);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      state.update(List.of(new ServedModel(M, model)));
    }

    @Override
    public void processElement(Event e, ReadOnlyContext ctx, Collector<Prediction> out) {}

    @Override
    public void processBroadcastElement(ModelUpdate u, Context ctx, Collector<Prediction> out)
        throws Exception {
      ModelUpdate header = u.withoutBytes();
      header.version = model.version();
      ctx.getBroadcastState(ScorerFunction.SERVED).put(M, header);
    }
  }

  @Test
  void aSavepointOfTheFormerStateRestoresWithoutAModelUntilTheNextResetSnapshot() throws Exception {
    var old =
        new BroadcastOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(
                new FormerScorer(),
                List.of(
                    ScorerFunction.LEGACY_PAYLOADS,
                    ScorerFunction.LEGACY_MODELS,
                    ScorerFunction.SERVED,
                    ScorerFunction.PENDING)),
            MAX_PARALLELISM,
            1,
            0);
    Fixtures.disableGenericTypes(old.getExecutionConfig());
    old.open();
    Model trainer = trained(3, 7);
    broadcast(old, snapshot(trainer, 100));
    assertThat(old.getBroadcastState(ScorerFunction.LEGACY_PAYLOADS).get(M)).isEqualTo(42L);
    OperatorSubtaskState savepoint = old.snapshot(1, 1);
    old.close();

    var h = harness(savepoint);
    Event e = example("e", 2, 18, 34);
    assertThat(scoreOne(h, e).modelVersion)
        .as("no served model until the trainer's reset snapshot (nothing named it served)")
        .isZero();
    assertThat(h.getBroadcastState(ScorerFunction.LEGACY_PAYLOADS).entries()).isEmpty();
    assertThat(h.getBroadcastState(ScorerFunction.LEGACY_MODELS).entries()).isEmpty();
    train(trainer, 2, 8);
    broadcast(h, delta(trainer, 200));
    assertThat(scoreOne(h, e).modelVersion).as("a delta has no base to apply onto").isZero();
    broadcast(h, snapshot(trainer, 300));
    Prediction p = scoreOne(h, e);
    assertThat(p.modelVersion).isEqualTo(5);
    assertThat(p.score).isEqualTo(score(trainer, e));
    assertThat(h.snapshot(2, 2).getStateSize())
        .as("the former state is not carried into new checkpoints")
        .isLessThan(2 * ModelCodec.snapshotSize(SETTINGS.modelConfig()));
    h.close();
  }

  /** The previous scorer's state layout: payloads and model per subtask in broadcast state. */
  private static final class FormerScorer
      extends BroadcastProcessFunction<Event, ModelUpdate, Prediction> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Event e, ReadOnlyContext ctx, Collector<Prediction> out) {}

    @Override
    public void processBroadcastElement(ModelUpdate u, Context ctx, Collector<Prediction> out)
        throws Exception {
      ctx.getBroadcastState(ScorerFunction.LEGACY_PAYLOADS).put(u.modelId, 42L);
      ctx.getBroadcastState(ScorerFunction.LEGACY_MODELS).put(u.modelId, trained(1, 1));
    }
  }

  @Test
  void servedModelSerializerKeepsTheContract() throws Exception {
    SerializerContract.check(
        ServedModelSerializer.INSTANCE,
        List.of(new ServedModel(M, trained(2, 3)), new ServedModel("ümlaut", trained(0, 1))),
        (x, y) -> {});
  }

  @Test
  void theLegacyPayloadsSerializerSkipsTheFormerLayout() throws Exception {
    Model m = trained(2, 3);
    byte[] snap = ModelCodec.writeSnapshot(m);
    m.markPublished();
    train(m, 1, 4);
    byte[] d1 = ModelCodec.writeDelta(m);
    DataOutputSerializer out = new DataOutputSerializer(1024);
    for (int r = 0; r < 2; r++) {
      out.writeInt(snap.length);
      out.write(snap);
      out.writeInt(r);
      for (int i = 0; i < r; i++) {
        out.writeInt(d1.length);
        out.write(d1);
      }
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    assertThat(ServedPayloadsSerializer.INSTANCE.deserialize(in)).isEqualTo((long) snap.length);
    assertThat(ServedPayloadsSerializer.INSTANCE.deserialize(in))
        .isEqualTo((long) snap.length + d1.length);
    assertThat(in.available()).isZero();
  }
}
