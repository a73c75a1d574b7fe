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
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ScorerFunctionTest {

  private static final String M = "ctr";
  private static final JobSettings SETTINGS = Fixtures.settings();

  private static BroadcastOperatorTestHarness<Event, ModelUpdate, Prediction> harness(
      OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new BroadcastOperatorTestHarness<>(
            new CoBroadcastWithNonKeyedOperator<>(
                new ScorerFunction(SETTINGS),
                List.of(ScorerFunction.MODELS, ScorerFunction.SERVED, ScorerFunction.PENDING)),
            1,
            1,
            0);
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
  void snapshotRestoreKeepsTheServedModelAndAHalfReceivedPublication() throws Exception {
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

    var b = harness(snap);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      events.add(example("e" + i, i % 16, 16 + i % 7, 32 + i % 5));
    }
    Prediction restored = scoreOne(b, events.get(0));
    assertThat(restored.modelVersion).as("a restart scores with the restored model").isEqualTo(5);
    assertThat(restored).isEqualTo(scoreOne(a, events.get(0)));

    for (var h : List.of(a, b)) {
      broadcast(h, next.subList(1, next.size()));
    }
    for (Event e : events) {
      Prediction pa = scoreOne(a, e);
      Prediction pb = scoreOne(b, e);
      assertThat(pb).isEqualTo(pa);
      assertThat(pb.modelVersion).isEqualTo(7);
      assertThat(pb.score).isEqualTo(score(trainer, e));
    }
    a.close();
    b.close();
  }

  @Test
  void theStateHoldsPayloadsWhichACheckpointCopiesByReference() throws Exception {
    var h = harness(null);
    Model trainer = trained(3, 7);
    broadcast(h, snapshot(trainer, 100));
    train(trainer, 2, 8);
    broadcast(h, delta(trainer, 200));
    ServedPayloads payloads = h.getBroadcastState(ScorerFunction.MODELS).get(M);
    assertThat(payloads.deltaCount()).isEqualTo(1);
    assertThat(ServedPayloadsSerializer.INSTANCE.isImmutableType()).isTrue();
    assertThat(ServedPayloadsSerializer.INSTANCE.copy(payloads)).isSameAs(payloads);
    assertThat(ModelCodec.writeSnapshot(payloads.decode()))
        .as("the payloads rebuild the trainer's model bit for bit")
        .isEqualTo(ModelCodec.writeSnapshot(trainer));
    h.close();
  }

  @Test
  void deltasThatOutgrowTheSnapshotAreFoldedIntoANewOne() throws Exception {
    var a = harness(null);
    Model trainer = trained(3, 7);
    broadcast(a, snapshot(trainer, 100));
    int snapshotBytes = a.getBroadcastState(ScorerFunction.MODELS).get(M).snapshot().length;
    long sent = 0;
    int deltas = 0;
    while (sent <= 2L * snapshotBytes) {
      train(trainer, 1, 100 + deltas);
      List<ModelUpdate> d = delta(trainer, 200 + deltas);
      sent += d.get(0).totalLength;
      broadcast(a, d);
      deltas++;
    }
    ServedPayloads payloads = a.getBroadcastState(ScorerFunction.MODELS).get(M);
    assertThat(payloads.deltaBytes()).isLessThanOrEqualTo(payloads.snapshot().length);
    assertThat(payloads.deltaCount()).isLessThan(deltas);
    assertThat(ModelCodec.writeSnapshot(payloads.decode()))
        .isEqualTo(ModelCodec.writeSnapshot(trainer));

    var b = harness(a.snapshot(1, 1));
    Event e = example("x", 1, 17, 33);
    Prediction restored = scoreOne(b, e);
    assertThat(restored.modelVersion).isEqualTo(trainer.version());
    assertThat(restored.score).isEqualTo(score(trainer, e));
    a.close();
    b.close();
  }

  @Test
  void servedPayloadsSerializerKeepsTheContract() throws Exception {
    Model m = trained(2, 3);
    byte[] snap = ModelCodec.writeSnapshot(m);
    m.markPublished();
    train(m, 1, 4);
    byte[] d1 = ModelCodec.writeDelta(m);
    SerializerContract.check(
        ServedPayloadsSerializer.INSTANCE,
        List.of(
            ServedPayloads.ofSnapshot(snap),
            ServedPayloads.ofSnapshot(snap).withDelta(d1),
            ServedPayloads.ofSnapshot(new byte[0])),
        (x, y) -> {});
  }
}
