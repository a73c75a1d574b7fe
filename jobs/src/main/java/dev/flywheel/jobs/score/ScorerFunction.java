package dev.flywheel.jobs.score;

import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.updates.ChunkAssembler;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.model.Model;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.io.ModelCodec;
import dev.flywheel.model.io.ModelFormatException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The scorer: requests, impressions and examples on the main input, {@link ModelUpdate} chunks on
 * the broadcast input; every prediction carries the version of the model that made it.
 *
 * <h2>Broadcast state</h2>
 *
 * Every parallel instance receives every chunk in the same order per model id and applies it the
 * same way, so all instances hold the same state:
 *
 * <ul>
 *   <li>{@link #MODELS}: per model id, the payloads the served model was built from ({@link
 *       ServedPayloads}: the last snapshot and the deltas applied since), so a restart scores with
 *       the restored model, never a blank one. The decoded models themselves live in a field,
 *       rebuilt from this state after a restore: the state is immutable, so an asynchronous
 *       checkpoint copies references only, where a {@link Model} in state was deep-copied on this
 *       thread at every checkpoint (a stall of tens of milliseconds on the scoring path). When the
 *       deltas outgrow the snapshot, the served model is re-encoded as the new snapshot;
 *   <li>{@link #SERVED}: the header (versions, newest event time; no bytes) of the publication each
 *       model came from, for the freshness gauge;
 *   <li>{@link #PENDING}: the chunks of each incomplete publication, so a checkpoint taken between
 *       two chunks of one publication loses neither.
 * </ul>
 *
 * <h2>Updates</h2>
 *
 * A snapshot replaces the served model. A delta applies only when its base version equals the
 * served version; otherwise (a missed or dropped publication) it is ignored and counted, and so is
 * every delta after it until the next snapshot. A publication that fails to decode is counted and
 * ignored. A model id that no publication has named yet is scored with the configuration's freshly
 * initialised model (version 0), shared by all such ids.
 *
 * <h2>Records</h2>
 *
 * A request yields one prediction with its candidates ranked by descending score; an impression or
 * an example yields one prediction with its score; clicks are ignored and counted. Scoring reuses
 * one {@link SparseBatch} and score buffer: per record only the emitted {@link Prediction} (and a
 * request's ranked arrays) are allocated.
 */
public class ScorerFunction extends BroadcastProcessFunction<Event, ModelUpdate, Prediction> {
  private static final long serialVersionUID = 1L;

  /** Per model id, the payloads the served model was built from. */
  public static final MapStateDescriptor<String, ServedPayloads> MODELS =
      new MapStateDescriptor<>(
          "served-model-payloads", StringSerializer.INSTANCE, ServedPayloadsSerializer.INSTANCE);

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

  /** The served models, decoded from {@link #MODELS}; null until loaded on first use. */
  private transient Map<String, Model> live;

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
    if (live == null) {
      load(ctx.getBroadcastState(MODELS).immutableEntries());
    }
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
    if (live == null) {
      load(ctx.getBroadcastState(MODELS).entries());
    }
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

  /** Decodes the served models from their payloads (once, after open or a restore). */
  private void load(Iterable<Map.Entry<String, ServedPayloads>> entries) throws Exception {
    live = new HashMap<>();
    for (Map.Entry<String, ServedPayloads> e : entries) {
      live.put(e.getKey(), e.getValue().decode());
    }
  }

  private void apply(ModelUpdate update, Context ctx) throws Exception {
    BroadcastState<String, ServedPayloads> models = ctx.getBroadcastState(MODELS);
    Model current = live.get(update.modelId);
    try {
      if (update.kind == ModelUpdate.Kind.SNAPSHOT) {
        live.put(update.modelId, ModelCodec.readSnapshot(update.bytes));
        models.put(update.modelId, ServedPayloads.ofSnapshot(update.bytes));
      } else if (current != null && current.version() == update.baseVersion) {
        ModelCodec.applyDelta(
            current, update.bytes); // validates first: a bad delta changes nothing
        ServedPayloads payloads = models.get(update.modelId);
        payloads = payloads == null ? null : payloads.withDelta(update.bytes);
        if (payloads == null || payloads.deltaBytes() > payloads.snapshot().length) {
          // the deltas outgrew the snapshot (rare: the trainer sends snapshots regularly)
          payloads = ServedPayloads.ofSnapshot(ModelCodec.writeSnapshot(current));
        }
        models.put(update.modelId, payloads);
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
}
