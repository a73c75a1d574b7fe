package dev.flywheel.jobs.train;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.updates.Chunker;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.PublicationPacer;
import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.io.ModelCodec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The trainer, keyed by model id: gathers labelled examples into mini-batches, trains the model
 * test-then-train, and publishes {@link ModelUpdate}s.
 *
 * <h2>State (all keyed by model id)</h2>
 *
 * <ul>
 *   <li>{@code model}: the {@link Model} with its optimiser slots and scaler, serialized by {@link
 *       ModelSerializer} (model-core's format; no Kryo). Read from state on every batch and
 *       publication, never cached in a field, so a restore always continues from the checkpoint.
 *   <li>{@code pending}: the examples of the batch being gathered, so a checkpoint loses none.
 *   <li>{@code progress}: {@link TrainerProgress} (pending count, timers, publication counters).
 * </ul>
 *
 * <h2>Timers (processing time)</h2>
 *
 * The first example of a batch registers a flush timer at {@code now + max wait}; a batch that
 * reaches {@code batch size} trains at once and deletes it. The first batch trained after a
 * publication registers a publish timer at {@code now + publish interval}; when it fires, the model
 * is published if it changed: a {@link ModelUpdate.Kind#SNAPSHOT} (the <em>reset snapshot</em>) the
 * first time this subtask publishes the model since it (re)started, a {@link
 * ModelUpdate.Kind#DELTA} otherwise. After every {@code full snapshot every} deltas the delta is
 * followed, in the same call and so by consecutive chunks, by a <em>catch-up snapshot</em> of the
 * same version ({@link ModelUpdate#catchUp}): the model after that delta, for consumers of the
 * topic that start late or lost a record. Forcing a snapshot after a restart matters: the model's
 * touched-row set is not checkpointed, and versions replayed after a failure may differ from
 * versions published before it.
 *
 * <h2>Outputs</h2>
 *
 * The main output is the job's scorer's: the reset snapshot and every delta, at once. The side
 * output {@link #TOPIC} is the model-updates topic's: every publication, catch-up snapshots
 * included, in the same order, paced per model id by a {@link PublicationPacer} (a pace timer of
 * the model id's key lets the next chunks go), so a whole-model snapshot does not hold this thread
 * and the pipeline behind it for half a second. The pacer's queue is not state: after a restore the
 * reset snapshot supersedes a publication left half sent.
 *
 * <h2>Records</h2>
 *
 * An example whose label, weight or a feature value is not finite, whose weight is negative, or
 * whose label is outside [0, 1] under log loss is dropped and counted ({@code examplesRejected}),
 * so one bad record never costs its whole batch. The model itself skips a batch whose loss or
 * gradient is not finite ({@code batchesSkipped}), so its parameters never hold NaN.
 *
 * <p>Per record, the function allocates nothing itself: the {@link SparseBatch} and the prediction
 * buffer are reused; only Flink's state handling (the pending list) touches memory.
 *
 * <h2>Checkpoints</h2>
 *
 * With the heap state backend a checkpoint keeps the model object it froze and the first access
 * after it copies the model ({@link ModelSerializer#copy}, copy-on-write): by default about 70 MB
 * of new large arrays at every checkpoint, which the collector then has to find dead again
 * (docs/bench/pipeline.md, "Tenth round"). So the function remembers which model object each
 * checkpoint froze ({@link #snapshotState}); once a checkpoint is complete, its frozen model, if it
 * is neither the one in state now nor frozen by a checkpoint still running, is offered to the model
 * in state as the spare its next copy fills ({@link Model#offerSpare}). Two models' arrays then
 * take turns, and a checkpoint allocates no model. Nothing of this is state.
 */
public class TrainerFunction extends KeyedProcessFunction<String, LabeledExample, ModelUpdate>
    implements CheckpointedFunction, CheckpointListener {
  private static final long serialVersionUID = 1L;

  /** Name of the model value state. */
  public static final String MODEL_STATE = "model";

  /** Name of the pending-examples list state. */
  public static final String PENDING_STATE = "pending";

  /** Name of the progress value state. */
  public static final String PROGRESS_STATE = "progress";

  /**
   * The side output for the model-updates topic: every publication (reset snapshots, deltas and
   * catch-up snapshots), in order, each publication's chunks consecutive, paced by {@code
   * flywheel.model-updates.max-bytes-per-second}. The main output is the scorer's: reset snapshots
   * and deltas only, at once.
   */
  public static final OutputTag<ModelUpdate> TOPIC =
      new OutputTag<>("model-updates-topic", TypeInformation.of(ModelUpdate.class));

  private final JobSettings settings;

  private transient ModelConfig config;
  private transient boolean logistic;
  private transient int batchSize;
  private transient long maxWaitMs;
  private transient long publishIntervalMs;
  private transient ValueState<Model> modelState;
  private transient ListState<LabeledExample> pendingState;
  private transient ValueState<TrainerProgress> progressState;
  private transient SparseBatch batch;
  private transient double[] predictions;
  private transient TrainerMetrics metrics;
  private transient Set<String> publishedSinceOpen;
  private transient Map<String, Pacing> pacing;

  /** Per model id, the model object in state: the last one read from it or written to it. */
  private transient Map<String, Model> inState;

  /** Per checkpoint still running, the model objects it froze, by model id. */
  private transient TreeMap<Long, Map<String, Model>> frozen;

  /** One model id's queue for the topic and the pace timer registered for it. */
  private static final class Pacing {
    final PublicationPacer pacer;
    long timer = PublicationPacer.IDLE;

    Pacing(PublicationPacer pacer) {
      this.pacer = pacer;
    }
  }

  /**
   * @param settings batch size, max wait, publish interval, snapshot period, chunk size and the
   *     model configuration
   */
  public TrainerFunction(JobSettings settings) {
    this.settings = settings;
  }

  /** The descriptor of the model state (for tests and state tools). */
  public static ValueStateDescriptor<Model> modelStateDescriptor() {
    return new ValueStateDescriptor<>(MODEL_STATE, ModelSerializer.INSTANCE);
  }

  @Override
  public void open(OpenContext openContext) {
    config = settings.modelConfig();
    logistic = config.loss() == ModelConfig.LossType.LOGISTIC;
    batchSize = settings.batchSize();
    maxWaitMs = settings.trainerMaxWait().toMillis();
    publishIntervalMs = settings.publishInterval().toMillis();
    modelState = getRuntimeContext().getState(modelStateDescriptor());
    pendingState =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>(PENDING_STATE, TypeInformation.of(LabeledExample.class)));
    progressState =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    PROGRESS_STATE, TypeInformation.of(TrainerProgress.class)));
    batch = new SparseBatch(batchSize, 32);
    predictions = new double[batchSize];
    metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup());
    publishedSinceOpen = new HashSet<>();
    pacing = new HashMap<>();
    inState = new HashMap<>();
    frozen = new TreeMap<>();
  }

  /** Nothing to restore: the model is keyed state; the spare bookkeeping starts empty. */
  @Override
  public void initializeState(FunctionInitializationContext context) {}

  /**
   * Called on the task thread before the keyed state is snapshotted: the models in state now are
   * the ones this checkpoint freezes.
   */
  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    if (!inState.isEmpty()) {
      frozen.put(context.getCheckpointId(), new HashMap<>(inState));
    }
  }

  /**
   * The checkpoint's asynchronous part has finished everywhere: a model it froze that is neither in
   * state now nor frozen by a later checkpoint still running is read by nothing any more, and
   * becomes the spare of the model in state.
   */
  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    Map<String, Model> done = frozen.remove(checkpointId);
    // earlier ones were aborted or subsumed: forgotten, never reused (their writes may still run)
    frozen.headMap(checkpointId).clear();
    if (done == null) {
      return;
    }
    for (Map.Entry<String, Model> e : done.entrySet()) {
      Model old = e.getValue();
      Model current = inState.get(e.getKey());
      if (current != null && current != old && !current.hasSpare() && !stillFrozen(old)) {
        current.offerSpare(old);
        metrics.spareOffered();
      }
    }
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) {
    frozen.remove(checkpointId);
  }

  private boolean stillFrozen(Model m) {
    for (Map<String, Model> models : frozen.values()) {
      if (models.containsValue(m)) { // identity: Model has no equals
        return true;
      }
    }
    return false;
  }

  /** The model object in state for {@code modelId} as this function last saw it (for tests). */
  Model modelInState(String modelId) {
    return inState.get(modelId);
  }

  /** This subtask's metrics (for tests). */
  TrainerMetrics metrics() {
    return metrics;
  }

  @Override
  public void processElement(LabeledExample example, Context ctx, Collector<ModelUpdate> out)
      throws Exception {
    String modelId = ctx.getCurrentKey();
    if (!acceptable(example)) {
      metrics.rejected(modelId);
      return;
    }
    TrainerProgress progress = progressState.value();
    if (progress == null) {
      progress = new TrainerProgress();
    }
    pendingState.add(example);
    progress.pending++;
    TimerService timers = ctx.timerService();
    if (progress.pending >= batchSize) {
      if (progress.flushTimer != 0) {
        if (progress.flushTimer != progress.publishTimer) {
          timers.deleteProcessingTimeTimer(progress.flushTimer);
        }
        progress.flushTimer = 0;
      }
      trainPending(modelId, progress, timers);
    } else if (progress.flushTimer == 0) {
      progress.flushTimer = timers.currentProcessingTime() + maxWaitMs;
      timers.registerProcessingTimeTimer(progress.flushTimer);
    }
    progressState.update(progress);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ModelUpdate> out)
      throws Exception {
    String modelId = ctx.getCurrentKey();
    TrainerProgress progress = progressState.value();
    if (progress == null) {
      return;
    }
    if (timestamp == progress.flushTimer) {
      progress.flushTimer = 0;
      if (progress.pending > 0) {
        trainPending(modelId, progress, ctx.timerService());
      }
    }
    if (timestamp == progress.publishTimer) {
      publish(modelId, progress, timestamp, ctx, out);
      // Always the next one, idle or not: the timer is in every checkpoint, so a restored trainer
      // publishes its reset snapshot one interval after it runs, without waiting for the join to
      // send examples (the restored scorers hold their events until that snapshot). An idle
      // model's timer finds nothing new and publishes nothing.
      progress.publishTimer = timestamp + publishIntervalMs;
      ctx.timerService().registerProcessingTimeTimer(progress.publishTimer);
    }
    // Any timer of this key, a pace timer among them, lets queued topic chunks go. A pace timer
    // restored from a checkpoint finds nothing queued: the queue is not state (a restored trainer
    // publishes a reset snapshot, and a consumer drops the rest of an unfinished publication).
    drainTopic(modelId, timestamp, ctx);
    progressState.update(progress);
  }

  /**
   * Emits the topic chunks the pace allows now and makes sure a timer of this key fires when the
   * next may go.
   */
  private void drainTopic(String modelId, long now, Context ctx) {
    Pacing p = pacing.get(modelId);
    if (p == null) {
      return;
    }
    long overflowsBefore = p.pacer.overflows();
    long next = p.pacer.drain(now, chunk -> ctx.output(TOPIC, chunk));
    if (next != PublicationPacer.IDLE && (p.timer <= now || next < p.timer)) {
      ctx.timerService().registerProcessingTimeTimer(next);
      p.timer = next;
    }
    long queued = 0;
    for (Pacing q : pacing.values()) {
      queued += q.pacer.queuedBytes();
    }
    metrics.afterDrain(queued, p.pacer.overflows() - overflowsBefore);
  }

  private boolean acceptable(LabeledExample e) {
    if (!Double.isFinite(e.label) || !Double.isFinite(e.weight) || e.weight < 0) {
      return false;
    }
    if (logistic && (e.label < 0 || e.label > 1)) {
      return false;
    }
    if (e.indices == null || e.values == null || e.numeric == null) {
      return false;
    }
    int n = e.indices.length;
    if (e.values.length != n || e.numeric.length != n) {
      return false;
    }
    int buckets = config.buckets();
    for (int s = 0; s < n; s++) {
      if (!Double.isFinite(e.values[s]) || e.indices[s] < 0 || e.indices[s] >= buckets) {
        return false;
      }
    }
    return true;
  }

  /**
   * Trains the pending examples as one batch (scored first: test-then-train); the first batch after
   * a publication registers the next publish timer.
   */
  private void trainPending(String modelId, TrainerProgress progress, TimerService timers)
      throws Exception {
    Model model = modelState.value();
    if (model == null) {
      model = settings.newModel();
    } else {
      inState.put(modelId, model); // perhaps a copy-on-write copy made by this read
    }
    batch.clear();
    long newest = progress.newestEventTime;
    for (LabeledExample e : pendingState.get()) {
      e.addTo(batch);
      newest = Math.max(newest, e.ts);
    }
    pendingState.clear();
    progress.pending = 0;
    int n = batch.size();
    if (n == 0) {
      return;
    }
    if (predictions.length < n) {
      predictions = new double[n];
    }
    TrainerMetrics.PerModel m = metrics.model(modelId);
    long skippedBefore = model.skippedBatches();
    model.train(batch, predictions);
    if (model.skippedBatches() != skippedBefore) {
      metrics.skipped(m);
    } else {
      metrics.trained(m, n);
      progress.newestEventTime = newest;
    }
    for (int i = 0; i < n; i++) {
      if (Double.isFinite(predictions[i])) {
        m.add(predictions[i], batch.label(i), batch.weight(i));
      }
    }
    modelState.update(model);
    inState.put(modelId, model);
    metrics.afterBatch(m, model.version(), progress.newestEventTime);
    if (progress.publishTimer == 0) {
      progress.publishTimer = timers.currentProcessingTime() + publishIntervalMs;
      timers.registerProcessingTimeTimer(progress.publishTimer);
    }
  }

  /**
   * Publishes the model if it changed: a reset snapshot the first time since this subtask opened,
   * otherwise a delta, followed in the same call (so its chunks come right after the delta's) by a
   * catch-up snapshot of the same version once {@code full snapshot every} deltas have gone out
   * since the last snapshot.
   */
  private void publish(
      String modelId, TrainerProgress progress, long now, Context ctx, Collector<ModelUpdate> out)
      throws Exception {
    Model model = modelState.value();
    if (model == null) {
      return;
    }
    inState.put(modelId, model);
    boolean first = !publishedSinceOpen.contains(modelId);
    if (!first && model.version() == progress.publishedVersion) {
      return;
    }
    TrainerMetrics.PerModel m = metrics.model(modelId);
    if (first) {
      emit(modelId, progress, now, ModelUpdate.Kind.SNAPSHOT, false, model, out, m);
      progress.deltasSinceSnapshot = 0;
    } else {
      emit(modelId, progress, now, ModelUpdate.Kind.DELTA, false, model, out, m);
      progress.deltasSinceSnapshot++;
      if (progress.deltasSinceSnapshot >= settings.fullSnapshotEvery()) {
        // the model after the delta, at the delta's version, for the topic only: consumers
        // outside the job can start here; the job's scorer has just applied the delta
        emit(modelId, progress, now, ModelUpdate.Kind.SNAPSHOT, true, model, null, m);
        progress.deltasSinceSnapshot = 0;
      }
    }
    model.markPublished();
    modelState.update(model);
    inState.put(modelId, model);
    progress.publishedVersion = model.version();
    publishedSinceOpen.add(modelId);
    metrics.afterBatch(m, model.version(), progress.newestEventTime);
  }

  /**
   * Encodes one publication of {@code model} as it is now, emits its chunks in order to {@code
   * scorer} (unless null: a catch-up snapshot) and queues them for the topic.
   */
  private void emit(
      String modelId,
      TrainerProgress progress,
      long now,
      ModelUpdate.Kind kind,
      boolean catchUp,
      Model model,
      Collector<ModelUpdate> scorer,
      TrainerMetrics.PerModel m) {
    boolean snapshot = kind == ModelUpdate.Kind.SNAPSHOT;
    ModelUpdate meta = new ModelUpdate();
    meta.modelId = modelId;
    meta.kind = kind;
    meta.catchUp = catchUp;
    meta.version = model.version();
    meta.baseVersion = snapshot ? model.version() : model.publishedVersion();
    meta.newestEventTime = progress.newestEventTime;
    meta.publishedAt = now;
    byte[] payload = snapshot ? ModelCodec.writeSnapshot(model) : ModelCodec.writeDelta(model);
    int chunkBytes = settings.modelUpdateChunkBytes();
    Chunker.Publication publication = new Chunker.Publication(meta, payload, chunkBytes);
    if (scorer != null) {
      for (Chunker.Publication s = publication.again(); s.hasNext(); ) {
        scorer.collect(s.next());
      }
    }
    pacing
        .computeIfAbsent(
            modelId,
            id ->
                new Pacing(
                    new PublicationPacer(settings.modelUpdatesMaxBytesPerSecond(), chunkBytes)))
        .pacer
        .add(publication);
    metrics.afterPublish(m, payload.length);
  }
}
