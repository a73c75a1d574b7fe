package dev.flywheel.model.io;

import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.ModelState;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The binary model format: full snapshots and deltas, one format for Flink state, model-update
 * messages and files. Big-endian; doubles as their raw IEEE-754 bits, so a round trip is bit-exact.
 *
 * <h2>Snapshot (format version 2)</h2>
 *
 * <pre>
 *   int    magic 0x46574D4C ("FWML")
 *   int    format version (2; version 1 is still read)
 *   byte   kind: 1 = snapshot
 *   config hashBits, hashSeed, embeddingDim (int); hidden layer count (int) and widths (int each);
 *          loss code, optimizer code (int, {@link ModelConfig.LossType#code()}, never ordinals);
 *          learningRate, momentum, beta1, beta2, epsilon, adagradEpsilon,
 *          adagradInitialAccumulator, l2, gradientClipNorm, initStdDev (double);
 *          seed (long), maxBatchSize (int), scalerBits (int), scalerWarmup (long), numericClip (double);
 *          interactions code (int, {@link ModelConfig.Interactions#code()}; not in version 1, whose
 *          models read as NONE)
 *   long   version, examples seen, skipped batches
 *   blocks for each parameter block in {@link ModelState} order (b, W1, c1, …, v, w, E): its values,
 *          then each of its optimiser slot arrays (doubles; lengths follow from the config)
 *   scaler count (long × 2^scalerBits), mean (double × …), M2 (double × …)
 *   int    CRC32 of every preceding byte
 * </pre>
 *
 * <h2>Delta</h2>
 *
 * <pre>
 *   magic, format version, kind 2 = delta, config (as above)
 *   long   base version, new version, examples seen, skipped batches
 *   dense  every dense block (b, W1, c1, …, v) with its slots, as in a snapshot
 *   int    row count R; R × { int bucket; w[bucket] and its slots; E row (d doubles) and each slot
 *          row (d doubles each) }
 *   int    scaler entry count S; S × { int entry; long count; double mean; double M2 }
 *   int    CRC32 of every preceding byte
 * </pre>
 *
 * A delta holds the rows of w and E and the scaler entries changed since the model's last {@link
 * Model#markPublished()}; applied to a model at its base version it yields the trained model bit
 * for bit (parameters, slots, scaler, counters). {@link #applyDelta} validates everything
 * (checksum, lengths, configuration, bucket ranges, base version) before it changes the target, so
 * a bad delta leaves the target as it was.
 *
 * <p>Reading validates lengths against the configuration before allocating, so corrupt or truncated
 * input fails with a {@link ModelFormatException}, never an index or memory error. A snapshot must
 * fit one byte array (2^31 − 9 bytes). Stateless and thread-safe.
 */
public final class ModelCodec {
  /** "FWML". */
  public static final int MAGIC = 0x46574D4C;

  /** The format version this build writes (it reads this one and {@link #OLDEST_READ_VERSION}). */
  public static final int FORMAT_VERSION = 2;

  /** The oldest format version this build reads: 1, without the interactions field. */
  public static final int OLDEST_READ_VERSION = 1;

  /** Bytes the version-2 configuration has beyond version 1's (the interactions code). */
  private static final int V2_CONFIG_EXTRA = 4;

  static final byte KIND_SNAPSHOT = 1;
  static final byte KIND_DELTA = 2;

  private static final int HEADER_BYTES = 9;
  private static final int CRC_BYTES = 4;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private ModelCodec() {}

  // ---------------------------------------------------------------------------------------------
  // sizes

  /** Exact size in bytes of a snapshot of a model with this configuration. */
  public static long snapshotSize(ModelConfig config) {
    return HEADER_BYTES
        + configSize(config)
        + 24
        + parameterBytes(config)
        + 24L * (1 << config.scalerBits())
        + CRC_BYTES;
  }

  /** Exact size in bytes of the delta {@link #writeDelta} would produce for {@code model} now. */
  public static long deltaSize(Model model) {
    ModelConfig c = model.config();
    return HEADER_BYTES
        + configSize(c)
        + 32
        + denseBytes(model.state())
        + 4
        + (long) model.touchedRowCount() * rowBytes(model.state())
        + 4
        + 28L * model.touchedScalerCount()
        + CRC_BYTES;
  }

  private static int configSize(ModelConfig c) {
    return 4 * 4 + 4 * c.hiddenLayerCount() + 8 + 10 * 8 + 8 + 4 + 4 + 8 + 8 + V2_CONFIG_EXTRA;
  }

  /** Bytes a snapshot of format {@code version} is shorter than one this build writes. */
  private static int sizeShortfall(int version) {
    return version < 2 ? V2_CONFIG_EXTRA : 0;
  }

  private static int slotCount(ModelConfig c) {
    switch (c.optimizer()) {
      case SGD:
        return c.momentum() > 0 ? 1 : 0;
      case ADAGRAD:
        return 1;
      default:
        return 2;
    }
  }

  /** Parameter and slot bytes of the whole model, from the config alone. */
  private static long parameterBytes(ModelConfig c) {
    long values = 1 + c.buckets();
    int prev = c.embeddingDim();
    for (int l = 0; l < c.hiddenLayerCount(); l++) {
      values += (long) prev * c.hiddenLayer(l) + c.hiddenLayer(l);
      prev = c.hiddenLayer(l);
    }
    if (c.hasDeepTower()) {
      values += prev + (long) c.buckets() * c.embeddingDim();
    }
    return values * (1 + slotCount(c)) * 8;
  }

  private static long denseBytes(ModelState st) {
    long n = 0;
    for (int k = 0; k < st.blockCount(); k++) {
      if (!st.isSparse(k)) {
        n += (long) st.values(k).length * (1 + st.slots(k).length) * 8;
      }
    }
    return n;
  }

  private static int rowBytes(ModelState st) {
    int slots = st.slots(0).length;
    int perRow = 0;
    for (int k = 0; k < st.blockCount(); k++) {
      if (st.isSparse(k)) {
        perRow += st.rowLength(k);
      }
    }
    return 4 + perRow * (1 + slots) * 8;
  }

  // ---------------------------------------------------------------------------------------------
  // snapshots

  /** The snapshot of {@code model}. */
  public static byte[] writeSnapshot(Model model) {
    long size = snapshotSize(model.config());
    if (size > MAX_ARRAY) {
      throw new IllegalArgumentException(
          "snapshot of " + size + " bytes does not fit a byte array");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    buf.put(header(KIND_SNAPSHOT));
    writeConfig(buf, model.config());
    buf.putLong(model.version());
    buf.putLong(model.examplesSeen());
    buf.putLong(model.skippedBatches());
    ModelState st = model.state();
    for (int k = 0; k < st.blockCount(); k++) {
      putDoubles(buf, st.values(k), 0, st.values(k).length);
      for (double[] s : st.slots(k)) {
        putDoubles(buf, s, 0, s.length);
      }
    }
    for (long c : st.scalerCount()) {
      buf.putLong(c);
    }
    putDoubles(buf, st.scalerMean(), 0, st.scalerMean().length);
    putDoubles(buf, st.scalerM2(), 0, st.scalerM2().length);
    return finish(buf);
  }

  /**
   * Writes the snapshot of {@code model} to {@code out} (exactly {@link #snapshotSize} bytes, the
   * same bytes as {@link #writeSnapshot(Model)}), streamed through a 64 KiB buffer: no array of the
   * snapshot's size is allocated (Flink's state serializer writes checkpoints this way).
   */
  public static void writeSnapshot(Model model, DataOutput out) throws IOException {
    ModelConfig config = model.config();
    StreamWriter w = new StreamWriter(out, 1 << 16);
    ByteBuffer buf = w.buf;
    buf.put(header(KIND_SNAPSHOT));
    writeConfig(buf, config);
    buf.putLong(model.version());
    buf.putLong(model.examplesSeen());
    buf.putLong(model.skippedBatches());
    ModelState st = model.state();
    for (int k = 0; k < st.blockCount(); k++) {
      w.doubles(st.values(k));
      for (double[] slot : st.slots(k)) {
        w.doubles(slot);
      }
    }
    for (long c : st.scalerCount()) {
      w.room(8);
      buf.putLong(c);
    }
    w.doubles(st.scalerMean());
    w.doubles(st.scalerM2());
    w.finish();
  }

  /** A reused buffer in front of a {@link DataOutput} that keeps the CRC32 of what went through. */
  private static final class StreamWriter {
    final ByteBuffer buf;
    private final DataOutput out;
    private final CRC32 crc = new CRC32();

    StreamWriter(DataOutput out, int capacity) {
      this.out = out;
      this.buf = ByteBuffer.allocate(capacity);
    }

    /** Flushes first if fewer than {@code bytes} bytes are left in the buffer. */
    void room(int bytes) throws IOException {
      if (buf.remaining() < bytes) {
        flush();
      }
    }

    void doubles(double[] a) throws IOException {
      int off = 0;
      while (off < a.length) {
        room(8);
        int n = Math.min(a.length - off, buf.remaining() / 8);
        putDoubles(buf, a, off, n);
        off += n;
      }
    }

    void flush() throws IOException {
      crc.update(buf.array(), 0, buf.position());
      out.write(buf.array(), 0, buf.position());
      buf.clear();
    }

    /** Flushes and appends the CRC32 of every byte written. */
    void finish() throws IOException {
      flush();
      out.writeInt((int) crc.getValue());
    }
  }

  /** Reads a snapshot. */
  public static Model readSnapshot(byte[] bytes) throws ModelFormatException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    ModelConfig config = readHeaderAndConfig(buf, KIND_SNAPSHOT);
    long expected = snapshotSize(config) - sizeShortfall(buf.getInt(4));
    if (bytes.length < expected) {
      throw new ModelFormatException(
          "truncated model snapshot: expected "
              + expected
              + " bytes for its configuration, got "
              + bytes.length);
    }
    if (bytes.length > expected) {
      throw new ModelFormatException(
          "model snapshot has "
              + (bytes.length - expected)
              + " trailing bytes after the expected "
              + expected);
    }
    checkCrc(bytes);
    Model model = ModelState.blankModel(config);
    ModelState st = model.state();
    long version = buf.getLong();
    long seen = buf.getLong();
    long skipped = buf.getLong();
    for (int k = 0; k < st.blockCount(); k++) {
      getDoubles(buf, st.values(k), 0, st.values(k).length);
      for (double[] s : st.slots(k)) {
        getDoubles(buf, s, 0, s.length);
      }
    }
    long[] count = st.scalerCount();
    for (int i = 0; i < count.length; i++) {
      count[i] = buf.getLong();
    }
    getDoubles(buf, st.scalerMean(), 0, count.length);
    getDoubles(buf, st.scalerM2(), 0, count.length);
    st.setCounters(version, seen, skipped);
    return model;
  }

  /**
   * Reads one snapshot from {@code in}, consuming exactly its bytes (the format is self-delimiting:
   * the header's configuration gives the length). Memory grows with the bytes actually read, so a
   * corrupt header cannot trigger a huge allocation.
   */
  public static Model readSnapshot(DataInput in) throws IOException {
    return readSnapshot(readSnapshotBytes(in));
  }

  /**
   * Reads one snapshot from an {@code InputStream}, consuming exactly its bytes (see {@link
   * #readSnapshot(DataInput)}; named differently because a {@code DataInputStream} is both).
   */
  public static Model readSnapshotFromStream(InputStream in) throws IOException {
    return readSnapshot((DataInput) new DataInputStream(in));
  }

  /** The raw bytes of one snapshot read from {@code in}, without decoding its parameters. */
  public static byte[] readSnapshotBytes(DataInput in) throws IOException {
    try {
      byte[] head = new byte[HEADER_BYTES + 16];
      in.readFully(head);
      ByteBuffer hb = ByteBuffer.wrap(head);
      checkMagicAndVersion(hb);
      int shortfall = sizeShortfall(hb.getInt(4));
      int hidden = hb.getInt(HEADER_BYTES + 12);
      if (hidden < 0 || hidden > ModelConfig.MAX_HIDDEN_LAYERS) {
        throw new ModelFormatException("corrupt model header: hidden layer count " + hidden);
      }
      int configRest = 4 * hidden + 8 + 10 * 8 + 8 + 4 + 4 + 8 + 8 + V2_CONFIG_EXTRA - shortfall;
      byte[] headAndConfig = Arrays.copyOf(head, head.length + configRest);
      in.readFully(headAndConfig, head.length, configRest);
      ModelConfig config = readHeaderAndConfig(ByteBuffer.wrap(headAndConfig), KIND_SNAPSHOT);
      long expected = snapshotSize(config) - shortfall;
      if (expected > MAX_ARRAY) {
        throw new ModelFormatException(
            "model snapshot of " + expected + " bytes does not fit a byte array");
      }
      byte[] all = headAndConfig;
      int have = headAndConfig.length;
      while (have < expected) {
        int next = (int) Math.min(expected, Math.max((long) have * 2, 1 << 20));
        all = Arrays.copyOf(all, next);
        in.readFully(all, have, next - have);
        have = next;
      }
      return all;
    } catch (EOFException e) {
      throw new ModelFormatException("truncated model snapshot: the input ended early", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // deltas

  /**
   * The delta of {@code model} since its last {@link Model#markPublished()}: base version = {@link
   * Model#publishedVersion()}. Does not change the model; see {@link #publishDelta}.
   */
  public static byte[] writeDelta(Model model) {
    long size = deltaSize(model);
    if (size > MAX_ARRAY) {
      throw new IllegalArgumentException("delta of " + size + " bytes does not fit a byte array");
    }
    ModelState st = model.state();
    ModelConfig config = model.config();
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    buf.put(header(KIND_DELTA));
    writeConfig(buf, config);
    buf.putLong(model.publishedVersion());
    buf.putLong(model.version());
    buf.putLong(model.examplesSeen());
    buf.putLong(model.skippedBatches());
    for (int k = 0; k < st.blockCount(); k++) {
      if (!st.isSparse(k)) {
        putDoubles(buf, st.values(k), 0, st.values(k).length);
        for (double[] s : st.slots(k)) {
          putDoubles(buf, s, 0, s.length);
        }
      }
    }
    int rows = model.touchedRowCount();
    buf.putInt(rows);
    for (int i = 0; i < rows; i++) {
      int r = st.touchedRow(i);
      buf.putInt(r);
      for (int k = 0; k < st.blockCount(); k++) {
        if (st.isSparse(k)) {
          int len = st.rowLength(k);
          putDoubles(buf, st.values(k), r * len, len);
          for (double[] s : st.slots(k)) {
            putDoubles(buf, s, r * len, len);
          }
        }
      }
    }
    int entries = model.touchedScalerCount();
    buf.putInt(entries);
    for (int i = 0; i < entries; i++) {
      int e = st.touchedScalerEntry(i);
      buf.putInt(e);
      buf.putLong(st.scalerCount()[e]);
      buf.putDouble(st.scalerMean()[e]);
      buf.putDouble(st.scalerM2()[e]);
    }
    return finish(buf);
  }

  /** {@link #writeDelta} then {@link Model#markPublished()}: the next delta starts from here. */
  public static byte[] publishDelta(Model model) {
    byte[] delta = writeDelta(model);
    model.markPublished();
    return delta;
  }

  /** The base version of a delta (after checking magic, format version and kind). */
  public static long deltaBaseVersion(byte[] delta) throws ModelFormatException {
    ByteBuffer buf = ByteBuffer.wrap(delta);
    readHeaderAndConfig(buf, KIND_DELTA);
    return readLong(buf);
  }

  /** The new version a delta brings (after checking magic, format version and kind). */
  public static long deltaNewVersion(byte[] delta) throws ModelFormatException {
    ByteBuffer buf = ByteBuffer.wrap(delta);
    readHeaderAndConfig(buf, KIND_DELTA);
    readLong(buf);
    return readLong(buf);
  }

  /**
   * Applies a delta to {@code target}, which must have the delta's configuration and be at its base
   * version. Everything is validated before the target changes.
   *
   * @throws DeltaBaseMismatchException if {@code target.version()} is not the base version
   * @throws ModelFormatException if the bytes are corrupt, truncated, of another format version, or
   *     for another configuration
   */
  public static void applyDelta(Model target, byte[] delta) throws ModelFormatException {
    ByteBuffer buf = ByteBuffer.wrap(delta);
    ModelConfig config = readHeaderAndConfig(buf, KIND_DELTA);
    if (!config.equals(target.config())) {
      throw new ModelFormatException(
          "delta is for another configuration: delta " + config + ", model " + target.config());
    }
    long base = readLong(buf);
    long next = readLong(buf);
    long seen = readLong(buf);
    long skipped = readLong(buf);
    ModelState st = target.state();
    // ---- validate the structure and checksum before touching the target ----
    int denseStart = buf.position();
    long dense = denseBytes(st);
    int rowsAt = (int) Math.min(delta.length, denseStart + dense);
    if (delta.length < denseStart + dense + 8 + CRC_BYTES) {
      throw truncatedDelta(delta.length);
    }
    int rows = buf.getInt(rowsAt);
    int rowBytes = rowBytes(st);
    int buckets = target.config().buckets();
    if (rows < 0 || rows > buckets) {
      throw new ModelFormatException(
          "corrupt delta: row count " + rows + " outside [0, " + buckets + "]");
    }
    long entriesAt = rowsAt + 4L + (long) rows * rowBytes;
    if (delta.length < entriesAt + 4 + CRC_BYTES) {
      throw truncatedDelta(delta.length);
    }
    int entries = buf.getInt((int) entriesAt);
    int scalerSize = st.scalerCount().length;
    if (entries < 0 || entries > scalerSize) {
      throw new ModelFormatException(
          "corrupt delta: scaler entry count " + entries + " outside [0, " + scalerSize + "]");
    }
    long expected = entriesAt + 4 + 28L * entries + CRC_BYTES;
    if (delta.length != expected) {
      throw new ModelFormatException(
          delta.length < expected
              ? "truncated delta: expected " + expected + " bytes, got " + delta.length
              : "delta has " + (delta.length - expected) + " trailing bytes");
    }
    checkCrc(delta);
    for (int i = 0; i < rows; i++) {
      int r = buf.getInt(rowsAt + 4 + i * rowBytes);
      if (r < 0 || r >= buckets) {
        throw new ModelFormatException(
            "corrupt delta: bucket " + r + " outside [0, " + buckets + ")");
      }
    }
    for (int i = 0; i < entries; i++) {
      int e = buf.getInt((int) entriesAt + 4 + 28 * i);
      if (e < 0 || e >= scalerSize) {
        throw new ModelFormatException(
            "corrupt delta: scaler entry " + e + " outside [0, " + scalerSize + ")");
      }
    }
    if (target.version() != base) {
      throw new DeltaBaseMismatchException(base, target.version());
    }
    // ---- apply ----
    for (int k = 0; k < st.blockCount(); k++) {
      if (!st.isSparse(k)) {
        getDoubles(buf, st.values(k), 0, st.values(k).length);
        for (double[] s : st.slots(k)) {
          getDoubles(buf, s, 0, s.length);
        }
      }
    }
    buf.position(rowsAt + 4);
    for (int i = 0; i < rows; i++) {
      int r = buf.getInt();
      for (int k = 0; k < st.blockCount(); k++) {
        if (st.isSparse(k)) {
          int len = st.rowLength(k);
          getDoubles(buf, st.values(k), r * len, len);
          for (double[] s : st.slots(k)) {
            getDoubles(buf, s, r * len, len);
          }
        }
      }
    }
    buf.getInt();
    for (int i = 0; i < entries; i++) {
      int e = buf.getInt();
      st.scalerCount()[e] = buf.getLong();
      st.scalerMean()[e] = buf.getDouble();
      st.scalerM2()[e] = buf.getDouble();
    }
    st.setCounters(next, seen, skipped);
  }

  private static ModelFormatException truncatedDelta(int length) {
    return new ModelFormatException(
        "truncated delta: " + length + " bytes cannot hold its dense parameters");
  }

  // ---------------------------------------------------------------------------------------------
  // shared pieces

  private static byte[] header(byte kind) {
    return ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putInt(FORMAT_VERSION).put(kind).array();
  }

  private static void checkMagicAndVersion(ByteBuffer buf) throws ModelFormatException {
    if (buf.remaining() < HEADER_BYTES) {
      throw new ModelFormatException(
          "truncated model: " + buf.remaining() + " bytes cannot hold the header");
    }
    int magic = buf.getInt(0);
    if (magic != MAGIC) {
      throw new ModelFormatException(
          String.format(
              "not a Flywheel model: magic 0x%08X, expected 0x%08X (\"FWML\")", magic, MAGIC));
    }
    int version = buf.getInt(4);
    if (version < OLDEST_READ_VERSION || version > FORMAT_VERSION) {
      throw new ModelFormatException(
          "unsupported model format version "
              + version
              + "; this build reads "
              + OLDEST_READ_VERSION
              + " to "
              + FORMAT_VERSION);
    }
  }

  private static ModelConfig readHeaderAndConfig(ByteBuffer buf, byte kind)
      throws ModelFormatException {
    checkMagicAndVersion(buf);
    byte actual = buf.get(8);
    if (actual != kind) {
      throw new ModelFormatException(
          "expected a model " + kindName(kind) + " but found " + kindName(actual));
    }
    buf.position(HEADER_BYTES);
    try {
      ModelConfig.Builder b = ModelConfig.builder().hashBits(buf.getInt()).hashSeed(buf.getInt());
      b.embeddingDim(buf.getInt());
      int hidden = buf.getInt();
      if (hidden < 0 || hidden > ModelConfig.MAX_HIDDEN_LAYERS) {
        throw new ModelFormatException("corrupt model header: hidden layer count " + hidden);
      }
      int[] widths = new int[hidden];
      for (int i = 0; i < hidden; i++) {
        widths[i] = buf.getInt();
      }
      b.hiddenLayers(widths);
      int lossCode = buf.getInt();
      ModelConfig.LossType loss = ModelConfig.LossType.fromCode(lossCode);
      if (loss == null) {
        throw new ModelFormatException("corrupt model header: unknown loss code " + lossCode);
      }
      int optCode = buf.getInt();
      ModelConfig.OptimizerType opt = ModelConfig.OptimizerType.fromCode(optCode);
      if (opt == null) {
        throw new ModelFormatException("corrupt model header: unknown optimizer code " + optCode);
      }
      b.loss(loss).optimizer(opt);
      b.learningRate(buf.getDouble())
          .momentum(buf.getDouble())
          .beta1(buf.getDouble())
          .beta2(buf.getDouble())
          .epsilon(buf.getDouble())
          .adagradEpsilon(buf.getDouble())
          .adagradInitialAccumulator(buf.getDouble())
          .l2(buf.getDouble())
          .gradientClipNorm(buf.getDouble())
          .initStdDev(buf.getDouble())
          .seed(buf.getLong())
          .maxBatchSize(buf.getInt())
          .scalerBits(buf.getInt())
          .scalerWarmup(buf.getLong())
          .numericClip(buf.getDouble());
      if (buf.getInt(4) >= 2) {
        int code = buf.getInt();
        ModelConfig.Interactions interactions = ModelConfig.Interactions.fromCode(code);
        if (interactions == null) {
          throw new ModelFormatException("corrupt model header: unknown interactions code " + code);
        }
        b.interactions(interactions);
      }
      return b.build();
    } catch (BufferUnderflowException e) {
      throw new ModelFormatException("truncated model: the input ends inside the configuration");
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(
          "corrupt model header: invalid configuration: " + e.getMessage(), e);
    }
  }

  private static String kindName(byte kind) {
    return kind == KIND_SNAPSHOT ? "snapshot" : kind == KIND_DELTA ? "delta" : "kind " + kind;
  }

  private static void writeConfig(ByteBuffer buf, ModelConfig c) {
    buf.putInt(c.hashBits()).putInt(c.hashSeed()).putInt(c.embeddingDim());
    buf.putInt(c.hiddenLayerCount());
    for (int i = 0; i < c.hiddenLayerCount(); i++) {
      buf.putInt(c.hiddenLayer(i));
    }
    buf.putInt(c.loss().code()).putInt(c.optimizer().code());
    buf.putDouble(c.learningRate())
        .putDouble(c.momentum())
        .putDouble(c.beta1())
        .putDouble(c.beta2())
        .putDouble(c.epsilon())
        .putDouble(c.adagradEpsilon())
        .putDouble(c.adagradInitialAccumulator())
        .putDouble(c.l2())
        .putDouble(c.gradientClipNorm())
        .putDouble(c.initStdDev());
    buf.putLong(c.seed()).putInt(c.maxBatchSize()).putInt(c.scalerBits());
    buf.putLong(c.scalerWarmup()).putDouble(c.numericClip());
    buf.putInt(c.interactions().code()); // since format version 2
  }

  private static long readLong(ByteBuffer buf) throws ModelFormatException {
    if (buf.remaining() < 8) {
      throw new ModelFormatException("truncated delta: the input ends inside its header");
    }
    return buf.getLong();
  }

  private static byte[] finish(ByteBuffer buf) {
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    if (buf.hasRemaining()) {
      throw new IllegalStateException(
          "size computation is off by " + buf.remaining() + " bytes (a bug)");
    }
    return buf.array();
  }

  private static void checkCrc(byte[] bytes) throws ModelFormatException {
    int end = bytes.length - CRC_BYTES;
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, end);
    int stored = ByteBuffer.wrap(bytes).getInt(end);
    int computed = (int) crc.getValue();
    if (stored != computed) {
      throw new ModelFormatException(
          String.format(
              "checksum mismatch: stored CRC32 0x%08X, computed 0x%08X (corrupt bytes)",
              stored, computed));
    }
  }

  private static void putDoubles(ByteBuffer buf, double[] a, int off, int len) {
    int pos = buf.position();
    buf.asDoubleBuffer().put(a, off, len);
    buf.position(pos + 8 * len);
  }

  private static void getDoubles(ByteBuffer buf, double[] a, int off, int len) {
    int pos = buf.position();
    buf.asDoubleBuffer().get(a, off, len);
    buf.position(pos + 8 * len);
  }
}
