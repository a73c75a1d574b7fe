package dev.flywheel.jobs.testing;

import dev.flywheel.jobs.updates.ChunkAssembler;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.model.Model;
import dev.flywheel.model.io.ModelCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A model-update consumer outside Flink, as docs/model-updates.md describes it: assembles chunks,
 * replaces on a snapshot, applies a delta onto its base version.
 */
public final class UpdateConsumer {
  private final ChunkAssembler assembler = new ChunkAssembler(64 << 20);
  private Model model;

  /** Publications completed, in order (whole payloads). */
  public final List<ModelUpdate> publications = new ArrayList<>();

  /** Deltas whose base was not the held version. */
  public int ignored;

  /** Offers every chunk of {@code chunks} in order. */
  public UpdateConsumer acceptAll(Iterable<ModelUpdate> chunks) throws IOException {
    for (ModelUpdate c : chunks) {
      accept(c);
    }
    return this;
  }

  /** Offers one chunk. */
  public void accept(ModelUpdate chunk) throws IOException {
    ModelUpdate whole = assembler.offer(chunk);
    if (whole == null) {
      return;
    }
    publications.add(whole);
    if (whole.kind == ModelUpdate.Kind.SNAPSHOT) {
      model = ModelCodec.readSnapshot(whole.bytes);
    } else if (model != null && model.version() == whole.baseVersion) {
      ModelCodec.applyDelta(model, whole.bytes);
    } else {
      ignored++;
    }
  }

  /** The model held, or null. */
  public Model model() {
    return model;
  }

  /** The held model in model-core's snapshot format. */
  public byte[] modelBytes() {
    return ModelCodec.writeSnapshot(model);
  }
}
