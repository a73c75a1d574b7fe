package dev.flywheel.jobs.config;

import static dev.flywheel.jobs.config.FlywheelOptions.*;

import dev.flywheel.jobs.events.DecoderConfig;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.jobs.events.FeatureCross;
import dev.flywheel.model.Model;
import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.features.FeatureHasher;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The job's settings: every {@link FlywheelOptions option} read once from a Flink {@link
 * Configuration} (or from {@code --key value} arguments) and validated, so a bad value fails at
 * start with a message naming the option. Immutable and serializable: operators take it (or the
 * part they need) in their constructor.
 */
public final class JobSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The broker's default cap is 15 min; we stay well below it. */
  static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMillis(600_000);

  private final String bootstrapServers;
  private final String groupId;
  private final StartingOffsets startingOffsets;
  private final Delivery delivery;
  private final String transactionalIdPrefix;
  private final Duration transactionTimeout;
  private final Map<String, String> kafkaProperties;
  private final int maxRecordBytes;
  private final boolean bounded;

  private final String eventsTopic;
  private final String predictionsTopic;
  private final String modelUpdatesTopic;
  private final String dlqTopic;

  private final int maxFeatures;
  private final int maxCandidates;
  private final int dlqMaxOriginalBytes;
  private final List<FeatureCross> crosses;

  /** Accepted model ids (unmodifiable), or null when any id is accepted. */
  private final Set<String> modelIds;

  private final Duration outOfOrderness;
  private final Duration idleness;
  private final Duration attributionWindow;
  private final Duration clickWait;
  private final Duration lateClickAllowance;
  private final Duration joinStateTtl;
  private final int joinMaxPending;

  private final int batchSize;
  private final Duration maxWait;
  private final Duration publishInterval;
  private final int snapshotEvery;
  private final int restoreHoldMaxEvents;
  private final Duration restoreHoldTimeout;
  private final int chunkBytes;
  private final int modelUpdatesMaxBytesPerSecond;

  private final int hashBits;
  private final int hashSeed;
  private final long seed;
  private final int embeddingDim;
  private final int[] hiddenLayers;
  private final ModelConfig.LossType loss;
  private final ModelConfig.OptimizerType optimizer;
  private final ModelConfig.Interactions interactions;
  private final double learningRate;
  private final double momentum;
  private final double adagradInitialAccumulator;
  private final double l2;
  private final double clip;

  /** Not serializable: rebuilt from the fields above after deserialization. */
  private final double initialPrediction;

  private transient ModelConfig modelConfig;

  private final Duration checkpointInterval;
  private final int parallelism;
  private final Map<String, String> flinkProperties;

  private JobSettings(Configuration c) {
    rejectUnknownKeys(c);

    bootstrapServers = nonBlank(c, KAFKA_BOOTSTRAP_SERVERS);
    groupId = nonBlank(c, KAFKA_GROUP_ID);
    startingOffsets = read(c, KAFKA_STARTING_OFFSETS);
    delivery = read(c, KAFKA_DELIVERY_GUARANTEE);
    transactionalIdPrefix = nonBlank(c, KAFKA_TRANSACTIONAL_ID_PREFIX);
    transactionTimeout =
        durationIn(c, KAFKA_TRANSACTION_TIMEOUT, Duration.ofSeconds(1), MAX_TRANSACTION_TIMEOUT);
    maxRecordBytes = intIn(c, KAFKA_MAX_RECORD_BYTES, 1024, 64 * 1024 * 1024);
    bounded = read(c, KAFKA_BOUNDED);
    Map<String, String> kafka = new LinkedHashMap<>();
    Map<String, String> flink = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : c.toMap().entrySet()) {
      if (e.getKey().startsWith(KAFKA_PROPERTIES_PREFIX)) {
        String property = e.getKey().substring(KAFKA_PROPERTIES_PREFIX.length());
        if (property.isEmpty()) {
          throw new IllegalArgumentException(
              KAFKA_PROPERTIES_PREFIX + "<property> needs a property name after the prefix");
        }
        kafka.put(property, e.getValue());
      } else if (!e.getKey().startsWith("flywheel.")) {
        flink.put(e.getKey(), e.getValue());
      }
    }
    kafkaProperties = Collections.unmodifiableMap(kafka);
    flinkProperties = Collections.unmodifiableMap(flink);

    eventsTopic = topic(c, TOPIC_EVENTS);
    predictionsTopic = topic(c, TOPIC_PREDICTIONS);
    modelUpdatesTopic = topic(c, TOPIC_MODEL_UPDATES);
    dlqTopic = topic(c, TOPIC_DLQ);
    Set<String> topics = new HashSet<>();
    for (String t : new String[] {eventsTopic, predictionsTopic, modelUpdatesTopic, dlqTopic}) {
      if (!topics.add(t)) {
        throw new IllegalArgumentException(
            "flywheel.topic.*: every topic must be distinct, got '" + t + "' twice");
      }
    }

    maxFeatures = intIn(c, DECODE_MAX_FEATURES, 1, 1_000_000);
    maxCandidates = intIn(c, DECODE_MAX_CANDIDATES, 1, 100_000);
    dlqMaxOriginalBytes = intIn(c, DLQ_MAX_ORIGINAL_BYTES, 0, 128 * 1024);
    crosses = FeatureCross.parseList(read(c, FEATURES_CROSSES), FEATURES_CROSSES.key());
    modelIds = parseModelIds(read(c, MODEL_IDS));

    outOfOrderness = durationIn(c, WATERMARK_OUT_OF_ORDERNESS, Duration.ZERO, Duration.ofHours(1));
    idleness = durationIn(c, WATERMARK_IDLENESS, Duration.ZERO, Duration.ofHours(1));
    attributionWindow =
        durationIn(c, JOIN_ATTRIBUTION_WINDOW, Duration.ofMillis(1), Duration.ofDays(7));
    clickWait = durationIn(c, JOIN_CLICK_WAIT, Duration.ZERO, Duration.ofHours(1));
    lateClickAllowance =
        durationIn(c, JOIN_LATE_CLICK_ALLOWANCE, Duration.ZERO, Duration.ofDays(1));
    joinStateTtl = durationIn(c, JOIN_STATE_TTL, Duration.ZERO, Duration.ofDays(30));
    joinMaxPending = intIn(c, JOIN_MAX_PENDING, 1, 100_000_000);
    Duration joinHorizon = attributionWindow.plus(clickWait).plus(lateClickAllowance);
    if (!joinStateTtl.isZero() && joinStateTtl.compareTo(joinHorizon) < 0) {
      throw new IllegalArgumentException(
          JOIN_STATE_TTL.key()
              + " must be at least attribution-window + click-wait + late-click-allowance ("
              + joinHorizon.toMillis()
              + " ms), got "
              + joinStateTtl.toMillis()
              + " ms");
    }

    batchSize = intIn(c, TRAINER_BATCH_SIZE, 1, 4096);
    maxWait = durationIn(c, TRAINER_MAX_WAIT, Duration.ofMillis(1), Duration.ofMinutes(10));
    publishInterval =
        durationIn(c, TRAINER_PUBLISH_INTERVAL, Duration.ofMillis(10), Duration.ofHours(24));
    snapshotEvery = intIn(c, TRAINER_SNAPSHOT_EVERY, 1, 1_000_000);
    chunkBytes = intIn(c, MODEL_UPDATE_CHUNK_BYTES, 1024, 1_000_000);
    modelUpdatesMaxBytesPerSecond = intIn(c, MODEL_UPDATES_MAX_BYTES_PER_SECOND, 0, 1 << 30);
    restoreHoldMaxEvents = intIn(c, SCORER_RESTORE_HOLD_MAX_EVENTS, 0, 10_000_000);
    restoreHoldTimeout =
        durationIn(c, SCORER_RESTORE_HOLD_TIMEOUT, Duration.ZERO, Duration.ofHours(1));

    hashBits = intIn(c, MODEL_HASH_BITS, 1, FeatureHasher.MAX_BITS);
    hashSeed = read(c, MODEL_HASH_SEED);
    seed = read(c, MODEL_SEED);
    embeddingDim = intIn(c, MODEL_EMBEDDING_DIM, 1, ModelConfig.MAX_EMBEDDING_DIM);
    hiddenLayers = parseLayers(read(c, MODEL_HIDDEN_LAYERS));
    loss = read(c, MODEL_LOSS);
    optimizer = read(c, MODEL_OPTIMIZER);
    interactions = read(c, MODEL_INTERACTIONS);
    learningRate = doubleIn(c, MODEL_LEARNING_RATE, 0, false, 10);
    momentum = doubleIn(c, MODEL_MOMENTUM, 0, true, 0.999);
    adagradInitialAccumulator = doubleIn(c, MODEL_ADAGRAD_INITIAL_ACCUMULATOR, 0, true, 1);
    l2 = doubleIn(c, MODEL_L2, 0, true, 1);
    clip = doubleIn(c, MODEL_CLIP, 0, true, 1e6);
    initialPrediction = read(c, MODEL_INITIAL_PREDICTION);
    if (loss == ModelConfig.LossType.LOGISTIC
        ? !(initialPrediction > 0 && initialPrediction < 1)
        : !Double.isFinite(initialPrediction)) {
      throw new IllegalArgumentException(
          MODEL_INITIAL_PREDICTION.key()
              + (loss == ModelConfig.LossType.LOGISTIC
                  ? " must be in (0, 1) with LOGISTIC loss, got "
                  : " must be finite, got ")
              + initialPrediction);
    }

    // model-core validates the combination (e.g. a table that fits one array) once more
    try {
      modelConfig = buildModelConfig();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("flywheel.model.*: " + e.getMessage(), e);
    }

    checkpointInterval =
        durationIn(c, CHECKPOINT_INTERVAL, Duration.ofMillis(100), Duration.ofHours(1));
    parallelism = intIn(c, PARALLELISM, 0, 4096);

    if (delivery == Delivery.EXACTLY_ONCE
        && transactionTimeout.compareTo(checkpointInterval) <= 0) {
      throw new IllegalArgumentException(
          KAFKA_TRANSACTION_TIMEOUT.key()
              + " must exceed "
              + CHECKPOINT_INTERVAL.key()
              + " with EXACTLY_ONCE, got "
              + transactionTimeout.toMillis()
              + " ms <= "
              + checkpointInterval.toMillis()
              + " ms");
    }
  }

  /** Reads and validates every option of {@code configuration}. */
  public static JobSettings fromConfiguration(Configuration configuration) {
    return new JobSettings(configuration);
  }

  /** The settings with every option at its default. */
  public static JobSettings defaults() {
    return new JobSettings(new Configuration());
  }

  /**
   * Reads {@code --key value} or {@code --key=value} arguments; keys outside {@code flywheel.} are
   * kept for Flink ({@link #flinkProperties()}). {@code --help} is ignored here: check {@link
   * #wantsHelp(String[])} first.
   */
  public static JobSettings fromArgs(String... args) {
    return fromConfiguration(parseArgs(args));
  }

  /** Whether the arguments ask for {@link FlywheelOptions#helpText()}. */
  public static boolean wantsHelp(String... args) {
    return Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h");
  }

  /** Turns {@code --key value} / {@code --key=value} arguments into a configuration. */
  public static Configuration parseArgs(String... args) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new IllegalArgumentException(
            "expected --key value or --key=value, got '" + arg + "' (try --help)");
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      if (eq >= 0) {
        map.put(body.substring(0, eq), body.substring(eq + 1));
      } else if (i + 1 < args.length) {
        map.put(body, args[++i]);
      } else {
        throw new IllegalArgumentException("option --" + body + " has no value");
      }
    }
    return Configuration.fromMap(map);
  }

  // ---------------------------------------------------------------- readers

  private static void rejectUnknownKeys(Configuration c) {
    Set<String> known = new HashSet<>();
    for (ConfigOption<?> option : FlywheelOptions.all()) {
      known.add(option.key());
    }
    for (String key : c.keySet()) {
      if (key.startsWith("flywheel.")
          && !key.startsWith(KAFKA_PROPERTIES_PREFIX)
          && !known.contains(key)) {
        throw new IllegalArgumentException("unknown option " + key + " (try --help)");
      }
    }
  }

  private static <T> T read(Configuration c, ConfigOption<T> option) {
    try {
      return c.get(option);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          option.key()
              + " could not be read as "
              + typeName(option)
              + ", got '"
              + c.toMap().get(option.key())
              + "'",
          e);
    }
  }

  private static String nonBlank(Configuration c, ConfigOption<String> option) {
    String value = read(c, option);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(option.key() + " must not be empty");
    }
    return value.trim();
  }

  private static String topic(Configuration c, ConfigOption<String> option) {
    String value = nonBlank(c, option);
    if (value.length() > 249 || !value.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          option.key()
              + " must be a Kafka topic name (at most 249 of [A-Za-z0-9._-]), got '"
              + value
              + "'");
    }
    return value;
  }

  private static int intIn(Configuration c, ConfigOption<Integer> option, int min, int max) {
    int value = read(c, option);
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          option.key() + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  private static double doubleIn(
      Configuration c, ConfigOption<Double> option, double min, boolean minInclusive, double max) {
    double value = read(c, option);
    boolean aboveMin = minInclusive ? value >= min : value > min;
    if (!Double.isFinite(value) || !aboveMin || value > max) {
      throw new IllegalArgumentException(
          option.key()
              + " must be in "
              + (minInclusive ? "[" : "(")
              + min
              + ", "
              + max
              + "], got "
              + value);
    }
    return value;
  }

  private static Duration durationIn(
      Configuration c, ConfigOption<Duration> option, Duration min, Duration max) {
    Duration value = read(c, option);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          option.key()
              + " must be in ["
              + min.toMillis()
              + " ms, "
              + max.toMillis()
              + " ms], got "
              + value.toMillis()
              + " ms");
    }
    return value;
  }

  /** The allow-list, or null for {@value FlywheelOptions#ANY_MODEL_ID}. */
  private static Set<String> parseModelIds(String text) {
    String trimmed = text.trim();
    if (trimmed.equals(ANY_MODEL_ID)) {
      return null;
    }
    Set<String> ids = new LinkedHashSet<>();
    for (String part : trimmed.split(",", -1)) {
      String id = part.trim();
      if (id.isEmpty() || id.length() > EventDecoder.MAX_ID_LENGTH || id.equals(ANY_MODEL_ID)) {
        throw new IllegalArgumentException(
            MODEL_IDS.key()
                + " must be '*' or comma-separated non-empty ids of at most "
                + EventDecoder.MAX_ID_LENGTH
                + " chars, got '"
                + text
                + "'");
      }
      ids.add(id);
    }
    return Collections.unmodifiableSet(ids);
  }

  private static int[] parseLayers(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty() || trimmed.equalsIgnoreCase("none")) {
      return new int[0];
    }
    String[] parts = trimmed.split(",");
    if (parts.length > 16) {
      throw new IllegalArgumentException(
          MODEL_HIDDEN_LAYERS.key() + " allows at most 16 layers, got " + parts.length);
    }
    int[] widths = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        widths[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            MODEL_HIDDEN_LAYERS.key() + " must be comma-separated integers, got '" + text + "'", e);
      }
      if (widths[i] < 1 || widths[i] > 4096) {
        throw new IllegalArgumentException(
            MODEL_HIDDEN_LAYERS.key() + " widths must be in [1, 4096], got " + widths[i]);
      }
    }
    return widths;
  }

  // ---------------------------------------------------------------- derived objects

  private ModelConfig buildModelConfig() {
    return ModelConfig.builder()
        .hashBits(hashBits)
        .hashSeed(hashSeed)
        .seed(seed)
        .embeddingDim(embeddingDim)
        .hiddenLayers(hiddenLayers)
        .loss(loss)
        .optimizer(optimizer)
        .interactions(interactions)
        .learningRate(learningRate)
        .momentum(momentum)
        .adagradInitialAccumulator(adagradInitialAccumulator)
        .l2(l2)
        .gradientClipNorm(clip)
        .maxBatchSize(batchSize)
        .build();
  }

  /**
   * The model every model id of this job starts from (validated once, at parse time); its hashing
   * equals {@link #featureHasher()}'s and its {@code maxBatchSize} is the trainer batch size.
   */
  public ModelConfig modelConfig() {
    if (modelConfig == null) {
      modelConfig = buildModelConfig(); // valid: it was built once when the settings were parsed
    }
    return modelConfig;
  }

  /**
   * A new, untrained model of this job: {@link #modelConfig()} started at {@code
   * flywheel.model.initial-prediction}. The trainer and the scorer both start from it, so a scorer
   * that has not received a model yet predicts what the trainer's version 0 would.
   */
  public Model newModel() {
    Model model = new Model(modelConfig());
    model.startAt(initialPrediction);
    return model;
  }

  public double initialPrediction() {
    return initialPrediction;
  }

  /** The feature hasher every decoder of this job uses. */
  public FeatureHasher featureHasher() {
    return new FeatureHasher(hashBits, hashSeed);
  }

  /** What the event decoder needs: hashing, bounds and the label rule. */
  public DecoderConfig decoderConfig() {
    return new DecoderConfig(
        hashBits,
        hashSeed,
        maxRecordBytes,
        maxFeatures,
        maxCandidates,
        loss == ModelConfig.LossType.LOGISTIC,
        crosses);
  }

  /**
   * Where the events source starts when no checkpoint is restored ({@link
   * FlywheelOptions#KAFKA_STARTING_OFFSETS}); COMMITTED falls back to the earliest offset.
   */
  @SuppressWarnings("deprecation") // the connector's API still takes OffsetResetStrategy
  public OffsetsInitializer startingOffsetsInitializer() {
    return switch (startingOffsets) {
      case EARLIEST -> OffsetsInitializer.earliest();
      case LATEST -> OffsetsInitializer.latest();
      case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    };
  }

  /**
   * Kafka client properties for every consumer and producer: bootstrap servers plus everything
   * given with {@value FlywheelOptions#KAFKA_PROPERTIES_PREFIX}.
   */
  public Properties kafkaClientProperties() {
    Properties p = new Properties();
    p.putAll(kafkaProperties);
    p.setProperty("bootstrap.servers", bootstrapServers);
    return p;
  }

  // ---------------------------------------------------------------- getters

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String groupId() {
    return groupId;
  }

  public StartingOffsets startingOffsets() {
    return startingOffsets;
  }

  /** The sinks' guarantee as Flink's connector enum. */
  public DeliveryGuarantee deliveryGuarantee() {
    return delivery.toFlink();
  }

  public Delivery delivery() {
    return delivery;
  }

  public String transactionalIdPrefix() {
    return transactionalIdPrefix;
  }

  public Duration transactionTimeout() {
    return transactionTimeout;
  }

  /** Extra Kafka client properties, prefix removed (unmodifiable). */
  public Map<String, String> kafkaProperties() {
    return kafkaProperties;
  }

  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Whether the events source stops at the end offsets it finds at start. */
  public boolean kafkaBounded() {
    return bounded;
  }

  /**
   * The model ids events may name ({@link FlywheelOptions#MODEL_IDS}), unmodifiable; empty when any
   * id is accepted ({@value FlywheelOptions#ANY_MODEL_ID}).
   */
  public Optional<Set<String>> modelIds() {
    return Optional.ofNullable(modelIds);
  }

  public String eventsTopic() {
    return eventsTopic;
  }

  public String predictionsTopic() {
    return predictionsTopic;
  }

  public String modelUpdatesTopic() {
    return modelUpdatesTopic;
  }

  public String dlqTopic() {
    return dlqTopic;
  }

  public int maxFeatures() {
    return maxFeatures;
  }

  public int maxCandidates() {
    return maxCandidates;
  }

  public int dlqMaxOriginalBytes() {
    return dlqMaxOriginalBytes;
  }

  /** The feature crosses the decoder adds (unmodifiable; empty for none). */
  public List<FeatureCross> crosses() {
    return crosses;
  }

  public Duration watermarkOutOfOrderness() {
    return outOfOrderness;
  }

  /** Zero means idleness detection is off. */
  public Duration watermarkIdleness() {
    return idleness;
  }

  public Duration attributionWindow() {
    return attributionWindow;
  }

  public Duration clickWait() {
    return clickWait;
  }

  public Duration lateClickAllowance() {
    return lateClickAllowance;
  }

  public Duration joinStateTtl() {
    return joinStateTtl;
  }

  /** Most keys waiting in one join subtask. */
  public int joinMaxPending() {
    return joinMaxPending;
  }

  public int batchSize() {
    return batchSize;
  }

  public Duration trainerMaxWait() {
    return maxWait;
  }

  public Duration publishInterval() {
    return publishInterval;
  }

  public int fullSnapshotEvery() {
    return snapshotEvery;
  }

  /** Most events a scorer subtask holds after a restore while it waits for its models. */
  public int restoreHoldMaxEvents() {
    return restoreHoldMaxEvents;
  }

  /** Longest a scorer waits for its models after a restore before scoring with version 0. */
  public Duration restoreHoldTimeout() {
    return restoreHoldTimeout;
  }

  public int modelUpdateChunkBytes() {
    return chunkBytes;
  }

  /** Pace of the model-updates topic output, bytes per second; 0 for none. */
  public int modelUpdatesMaxBytesPerSecond() {
    return modelUpdatesMaxBytesPerSecond;
  }

  public int hashBits() {
    return hashBits;
  }

  public int hashSeed() {
    return hashSeed;
  }

  /** Seed of the weight initialisation. */
  public long seed() {
    return seed;
  }

  public int embeddingDim() {
    return embeddingDim;
  }

  /** Hidden layer widths (a copy); empty for none. */
  public int[] hiddenLayers() {
    return hiddenLayers.clone();
  }

  public ModelConfig.LossType loss() {
    return loss;
  }

  public ModelConfig.OptimizerType optimizer() {
    return optimizer;
  }

  public ModelConfig.Interactions interactions() {
    return interactions;
  }

  public double momentum() {
    return momentum;
  }

  public double adagradInitialAccumulator() {
    return adagradInitialAccumulator;
  }

  public double learningRate() {
    return learningRate;
  }

  public double l2() {
    return l2;
  }

  /** Zero means no clipping. */
  public double clip() {
    return clip;
  }

  public Duration checkpointInterval() {
    return checkpointInterval;
  }

  /** Zero means Flink's {@code parallelism.default}. */
  public int parallelism() {
    return parallelism;
  }

  /** Configuration keys outside {@code flywheel.}, for Flink itself (unmodifiable). */
  public Map<String, String> flinkProperties() {
    return flinkProperties;
  }
}
