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
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
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
 *   <li>{@link #CHECKPOINTED} (operator union list state): the served models themselves, written by
 *       subtask 0 only ({@link ServedModel}, streamed by {@link ServedModelSerializer}); the others
 *       add nothing. Checkpoints are aligned, so at the barrier every subtask has applied exactly
 *       the trainer's updates before the trainer's barrier: subtask 0's models are everyone's. On
 *       restore every subtask, at any parallelism, reads the whole union list and serves its
 *       models.
 * </ul>
 *
 * <p>A checkpoint costs subtask 0 no copy on the checkpoint's synchronous phase: the models go into
 * the state by reference and are <em>frozen</em> (the asynchronous phase streams them while the
 * scorer serves on); the first delta for a frozen model is applied to a copy, which replaces it in
 * service. So subtask 0 copies each changed model at most once per checkpoint interval, and the
 * other subtasks never.
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

  /** The served models, one copy per job: union list state written by subtask 0 only. */
  public static final ListStateDescriptor<ServedModel> CHECKPOINTED =
      new ListStateDescriptor<>("served-model-copies", ServedModelSerializer.INSTANCE);

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

  /** Models handed to a checkpoint (subtask 0): never changed again, a delta goes to a copy. */
  private transient Set<Model> frozen;

  private transient ListState<ServedModel> checkpointed;
  private transient boolean writesCheckpoint;

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
    writesCheckpoint = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    live = new HashMap<>();
    frozen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ServedModel s : checkpointed.get()) {
      live.putIfAbsent(s.modelId(), s.model());
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
    if (!writesCheckpoint) {
      checkpointed.clear();
      return;
    }
    List<ServedModel> models = new ArrayList<>(live.size());
    for (Map.Entry<String, Model> e : live.entrySet()) {
      frozen.add(e.getValue());
      models.add(new ServedModel(e.getKey(), e.getValue()));
    }
    checkpointed.update(models);
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
    long start = System.nanoTime();
    Model model = live.get(event.model);
    ScorerMetrics.Served served = metrics.served(event.model);
    if (model == null) {
      if (fresh == null) {
        fresh = settings.newModel();
      }
      model = fresh;
    } else if (served.version != model.version()) {
      ModelUpdate header = ctx.getBroadcastState(SERVED).get(event.model);
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
    p.scoredAt = ctx.currentProcessingTime();
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
    }
  }

  private void apply(ModelUpdate update, Context ctx) throws Exception {
    Model current = live.get(update.modelId);
    try {
      if (update.kind == ModelUpdate.Kind.SNAPSHOT) {
        serve(update.modelId, current, ModelCodec.readSnapshot(update.bytes));
      } else if (current != null && current.version() == update.baseVersion) {
        if (frozen.contains(current)) {
          // a checkpoint may still be writing it: serve a copy from now on
          Model next = current.copy();
          ModelCodec.applyDelta(next, update.bytes); // validates first: a bad delta changes nothing
          serve(update.modelId, current, next);
        } else {
          ModelCodec.applyDelta(current, update.bytes);
        }
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

  private void serve(String modelId, Model previous, Model next) {
    if (previous != null) {
      frozen.remove(previous);
    }
    live.put(modelId, next);
  }

  /** The model served for {@code modelId}, or null (for tests). */
  Model served(String modelId) {
    return live.get(modelId);
  }
}
