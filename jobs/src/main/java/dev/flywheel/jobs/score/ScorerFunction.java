package dev.flywheel.jobs.score;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.train.ModelSerializer;
import dev.flywheel.jobs.updates.ChunkAssembler;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.model.Model;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.io.ModelCodec;
import dev.flywheel.model.io.ModelFormatException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The scorer: requests, impressions and examples on the main input, {@link ModelUpdate} chunks on
 * the broadcast input; every prediction carries the version of the model that made it.
 *
 * <h2>State</h2>
 *
 * Every parallel instance receives every chunk in the same order per model id and applies it the
 * same way, so all instances serve the same models and hold the same broadcast state:
 *
 * <ul>
 *   <li>{@link #SERVED} (broadcast): the header (versions, newest event time; no bytes) of the
 *       publication each model came from, for the freshness gauge;
 *   <li>{@link #PENDING} (broadcast): the chunks of each incomplete publication, so a checkpoint
 *       taken between two chunks of one publication loses neither;
 *   <li>{@link #HELD} (operator list state, per subtask): the events held after a restore (below).
 * </ul>
 *
 * <p><b>The models themselves are not checkpointed.</b> A served model is at most the trainer's
 * model at the same checkpoint, and the trainer publishes a reset snapshot of its restored model
 * first after a restart, so a restored scorer gets its models back from the update stream. Writing
 * them instead cost subtask 0 a 71 MB copy in every checkpoint (seconds of asynchronous writing on
 * a small machine, the latency tail: docs/bench/pipeline.md, "Fourth round") and a copy of the
 * model after each checkpoint. After a restore, every model id of {@link #SERVED} is
 * <em>awaited</em>: its events are held, in arrival order, until the reset snapshot for it is
 * applied, then scored with it before anything else of that id; at most {@code
 * flywheel.scorer.restore-hold.max-events} events and {@code flywheel.scorer.restore-hold.timeout}
 * after the restore, beyond which every held event is scored with what is served then (version 0
 * for a model still missing, counted). Checkpoints of the previous version, which carried subtask
 * 0's models in {@link #CHECKPOINTED}, still restore them and serve them at once.
 *
 * <h2>Updates</h2>
 *
 * A snapshot replaces the served model. A delta applies only when its base version equals the
 * served version; otherwise (a missed or dropped publication) it is ignored and counted, and so is
 * every delta after it until the next snapshot. A publication that fails to decode is counted and
 * ignored. A model id that no publication has named yet is scored with the configuration's freshly
 * initialised model (version 0), shared by all such ids. In the job the scorer gets no catch-up
 * snapshots ({@link ModelUpdate#catchUp}; it follows every delta), only the trainer's reset
 * snapshot after a (re)start and the deltas.
 *
 * <h2>Records</h2>
 *
 * A request yields one prediction with its candidates ranked by descending score; an impression or
 * an example yields one prediction with its score; clicks are ignored and counted. Scoring reuses
 * one {@link SparseBatch} and score buffer: per record only the emitted {@link Prediction} (and a
 * request's ranked arrays) are allocated.
 */
public class ScorerFunction extends BroadcastProcessFunction<Event, ModelUpdate, Prediction>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  /**
   * The served models as checkpoints of the previous version carried them (union list state written
   * by subtask 0): read on restore, never written again.
   */
  public static final ListStateDescriptor<ServedModel> CHECKPOINTED =
      new ListStateDescriptor<>("served-model-copies", ServedModelSerializer.INSTANCE);

  /** Events held after a restore until their model's reset snapshot arrives (per subtask). */
  public static final ListStateDescriptor<Event> HELD =
      new ListStateDescriptor<>("held-events", TypeInformation.of(Event.class));

  /**
   * The broadcast state of an earlier version (the snapshot and deltas of each served model, per
   * subtask): cleared when a savepoint that has it is restored.
   */
  static final MapStateDescriptor<String, Long> LEGACY_PAYLOADS =
      new MapStateDescriptor<>(
          "served-model-payloads", StringSerializer.INSTANCE, ServedPayloadsSerializer.INSTANCE);

  /** The broadcast state of a still earlier version (each served model, per subtask): cleared. */
  static final MapStateDescriptor<String, Model> LEGACY_MODELS =
      new MapStateDescriptor<>(
          "served-models", StringSerializer.INSTANCE, ModelSerializer.INSTANCE);

  /** Header of the publication each served model came from ({@code bytes} null). */
  public static final MapStateDescriptor<String, ModelUpdate> SERVED =
      new MapStateDescriptor<>(
          "served-publications", Types.STRING, TypeInformation.of(ModelUpdate.class));

  /** Chunks of the incomplete publication per model id, in index order. */
  public static final MapStateDescriptor<String, List<ModelUpdate>> PENDING =
      new MapStateDescriptor<>(
          "pending-chunks", Types.STRING, Types.LIST(TypeInformation.of(ModelUpdate.class)));

  /** Largest publication accepted: a model of 2^28 rows is far beyond this job's options. */
  public static final int MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - 64;

  private final JobSettings settings;

  /** The version-0 model for ids no publication named yet; created on first use. */
  private transient Model fresh;

  /** The served models by id. */
  private transient Map<String, Model> live;

  private transient ListState<ServedModel> checkpointed;
  private transient ListState<Event> heldState;

  /** Events held since a restore, in arrival order. */
  private transient List<Event> held;

  /** Model ids served at the restored checkpoint whose reset snapshot has not arrived yet. */
  private transient Set<String> awaiting;

  /** {@link System#nanoTime()} after which held events are scored with version 0. */
  private transient long holdDeadline;

  /** The main input's read-only view of {@link #SERVED}. */
  private transient ReadOnlyBroadcastState<String, ModelUpdate> servedView;

  private transient SparseBatch batch;
  private transient double[] scores;
  private transient Ranking ranking;
  private transient ChunkAssembler assembler;
  private transient ScorerMetrics metrics;

  /**
   * @param settings the model configuration (for the version-0 model)
   */
  public ScorerFunction(JobSettings settings) {
    this.settings = settings;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    OperatorStateStore store = context.getOperatorStateStore();
    checkpointed = store.getUnionListState(CHECKPOINTED);
    live = new HashMap<>();
    for (ServedModel s : checkpointed.get()) {
      live.putIfAbsent(s.modelId(), s.model()); // a checkpoint of the previous version
    }
    heldState = store.getListState(HELD);
    held = new ArrayList<>();
    heldState.get().forEach(held::add);
    awaiting = new HashSet<>();
    if (context.isRestored() && settings.restoreHoldMaxEvents() > 0) {
      // the models served at the checkpoint come back with the trainer's reset snapshot
      for (Map.Entry<String, ModelUpdate> e : store.getBroadcastState(SERVED).entries()) {
        if (!live.containsKey(e.getKey())) {
          awaiting.add(e.getKey());
        }
      }
      for (Event e : held) {
        if (!live.containsKey(e.model)) {
          awaiting.add(e.model);
        }
      }
      holdDeadline = System.nanoTime() + settings.restoreHoldTimeout().toNanos();
    }
    // a savepoint of an earlier version: its per-subtask model state would otherwise be carried
    // into every checkpoint (Flink writes every operator state it restored)
    Set<String> restored = store.getRegisteredBroadcastStateNames();
    if (restored.contains(LEGACY_PAYLOADS.getName())) {
      store.getBroadcastState(LEGACY_PAYLOADS).clear();
    }
    if (restored.contains(LEGACY_MODELS.getName())) {
      store.getBroadcastState(LEGACY_MODELS).clear();
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    checkpointed.clear(); // models are not checkpointed: the trainer's reset snapshot restores them
    heldState.update(held);
  }

  @Override
  public void open(OpenContext openContext) {
    batch = new SparseBatch(16, 32);
    scores = new double[16];
    ranking = new Ranking();
    metrics = new ScorerMetrics(getRuntimeContext().getMetricGroup());
  }

  /** This subtask's metrics (for tests). */
  ScorerMetrics metrics() {
    return metrics;
  }

  @Override
  public void processElement(Event event, ReadOnlyContext ctx, Collector<Prediction> out)
      throws Exception {
    if (event.type == EventType.CLICK) {
      metrics.eventsIgnored.inc();
      return;
    }
    if (servedView == null) {
      servedView = ctx.getBroadcastState(SERVED); // a view of the one state: looked up once
    }
    if (!awaiting.isEmpty()) {
      if (System.nanoTime() - holdDeadline >= 0) {
        releaseAll(servedView, ctx.currentProcessingTime(), out);
      } else if (awaiting.contains(event.model)) {
        if (held.size() < settings.restoreHoldMaxEvents()) {
          held.add(event); // from the network: a fresh instance nobody else keeps
          metrics.held(held.size());
          return;
        }
        releaseAll(servedView, ctx.currentProcessingTime(), out);
      }
    }
    emit(event, servedView, ctx.currentProcessingTime(), out);
  }

  /**
   * Gives up waiting: scores every held event with what is served now (version 0 for a model whose
   * reset snapshot has not come) and stops holding.
   */
  private void releaseAll(
      ReadOnlyBroadcastState<String, ModelUpdate> served, long now, Collector<Prediction> out)
      throws Exception {
    awaiting.clear();
    for (Event e : held) {
      if (!live.containsKey(e.model)) {
        metrics.heldScoredWithoutModel.inc();
      }
      emit(e, served, now, out);
    }
    held.clear();
    metrics.held(0);
  }

  /** Scores the held events of {@code modelId}, whose model has just come, in arrival order. */
  private void release(
      String modelId,
      ReadOnlyBroadcastState<String, ModelUpdate> served,
      long now,
      Collector<Prediction> out)
      throws Exception {
    awaiting.remove(modelId);
    List<Event> still = new ArrayList<>();
    for (Event e : held) {
      if (e.model.equals(modelId)) {
        emit(e, served, now, out);
      } else {
        still.add(e);
      }
    }
    held = still;
    metrics.held(held.size());
  }

  /** Scores {@code event} with the model served for it and emits the prediction. */
  private void emit(
      Event event,
      ReadOnlyBroadcastState<String, ModelUpdate> servedState,
      long now,
      Collector<Prediction> out)
      throws Exception {
    long start = System.nanoTime();
    Model model = live.get(event.model);
    ScorerMetrics.Served served = metrics.served(event.model);
    if (model == null) {
      if (fresh == null) {
        fresh = settings.newModel();
      }
      model = fresh;
    } else if (served.version != model.version()) {
      ModelUpdate header = servedState.get(event.model);
      served.newestEventTime = header == null ? 0 : header.newestEventTime;
    }
    metrics.serving(served, model.version());

    Prediction p = new Prediction();
    p.type = event.type;
    p.model = event.model;
    p.modelVersion = model.version();
    p.requestId = event.requestId;
    p.impressionId = event.impressionId;
    p.id = event.id;
    p.itemId = event.itemId;
    p.eventTs = event.ts;
    p.scoredAt = now;
    batch.clear();
    if (event.type == EventType.REQUEST) {
      int n = event.candidateCount();
      for (int k = 0; k < n; k++) {
        event.addCandidateFeatures(batch, k);
        batch.endExample(0);
      }
      score(model, n);
      int[] order = ranking.rank(scores, n);
      p.rankedItemIds = new String[n];
      p.rankedScores = new double[n];
      for (int r = 0; r < n; r++) {
        p.rankedItemIds[r] = event.candidateItemIds[order[r]];
        p.rankedScores[r] = scores[order[r]];
      }
    } else {
      event.addFeatures(batch);
      batch.endExample(0);
      score(model, 1);
      p.score = scores[0];
    }
    out.collect(p);
    metrics.predictions.inc();
    metrics.latencyUs.update((System.nanoTime() - start) / 1_000);
  }

  private void score(Model model, int n) {
    if (scores.length < n) {
      scores = new double[Math.max(n, scores.length * 2)];
    }
    if (n > 0) {
      model.score(batch, scores);
    }
  }

  @Override
  public void processBroadcastElement(ModelUpdate chunk, Context ctx, Collector<Prediction> out)
      throws Exception {
    BroadcastState<String, List<ModelUpdate>> pending = ctx.getBroadcastState(PENDING);
    if (assembler == null) {
      assembler = new ChunkAssembler(MAX_PAYLOAD_BYTES);
      for (Map.Entry<String, List<ModelUpdate>> e : pending.entries()) {
        for (ModelUpdate c : e.getValue()) {
          assembler.offer(c);
        }
      }
    }
    ModelUpdate whole = assembler.offer(chunk);
    metrics.chunkSetsDropped(assembler.droppedSets());
    if (chunk != null && chunk.modelId != null) {
      List<ModelUpdate> held = assembler.pendingChunks(chunk.modelId);
      if (held.isEmpty()) {
        pending.remove(chunk.modelId);
      } else {
        pending.put(chunk.modelId, held);
      }
    }
    if (whole != null) {
      apply(whole, ctx);
      if (awaiting.contains(whole.modelId) && live.containsKey(whole.modelId)) {
        release(whole.modelId, ctx.getBroadcastState(SERVED), ctx.currentProcessingTime(), out);
      }
    }
    if (!awaiting.isEmpty() && System.nanoTime() - holdDeadline >= 0) {
      releaseAll(ctx.getBroadcastState(SERVED), ctx.currentProcessingTime(), out);
    }
  }

  private void apply(ModelUpdate update, Context ctx) throws Exception {
    Model current = live.get(update.modelId);
    try {
      if (update.kind == ModelUpdate.Kind.SNAPSHOT) {
        live.put(update.modelId, ModelCodec.readSnapshot(update.bytes));
      } else if (current != null && current.version() == update.baseVersion) {
        ModelCodec.applyDelta(
            current, update.bytes); // validates first: a bad delta changes nothing
      } else {
        metrics.updatesIgnored.inc();
        return;
      }
    } catch (ModelFormatException e) {
      metrics.updatesInvalid.inc();
      return;
    }
    ModelUpdate header = update.withoutBytes();
    ctx.getBroadcastState(SERVED).put(update.modelId, header);
    metrics.updatesApplied.inc();
  }

  /** The model served for {@code modelId}, or null (for tests). */
  Model served(String modelId) {
    return live.get(modelId);
  }
}
