package dev.flywheel.jobs.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.flywheel.model.ModelConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Every option the Flywheel job takes, in one place: key, type, default and description. Values are
 * read and validated once by {@link JobSettings}; nothing else in the job reads a {@code
 * Configuration} by key.
 *
 * <p>Durations use Flink's syntax ({@code 500 ms}, {@code 10 s}, {@code 10 min}, {@code 1 h}).
 * Kafka client properties that have no option of their own (SASL, TLS, ...) are passed through with
 * the prefix {@value #KAFKA_PROPERTIES_PREFIX}, e.g. {@code
 * flywheel.kafka.properties.security.protocol=SASL_SSL}.
 */
public final class FlywheelOptions {
  private FlywheelOptions() {}

  /** Where an option is documented: its plain-text description, in declaration order. */
  private static final Map<ConfigOption<?>, String> DESCRIPTIONS = new LinkedHashMap<>();

  private static <T> ConfigOption<T> option(ConfigOption<T> option, String description) {
    DESCRIPTIONS.put(option, description);
    return option.withDescription(description);
  }

  /** Prefix of Kafka client properties passed through to every consumer and producer. */
  public static final String KAFKA_PROPERTIES_PREFIX = "flywheel.kafka.properties.";

  /** Where a consumer group without committed offsets starts (and what the job starts from). */
  public enum StartingOffsets {
    /** The earliest retained offset of every partition. */
    EARLIEST,
    /** The end of every partition: only events produced after the start are read. */
    LATEST,
    /** The group's committed offsets, or the earliest offset for a partition with none. */
    COMMITTED
  }

  /** Delivery guarantee of the Kafka sinks (maps to Flink's {@code DeliveryGuarantee}). */
  public enum Delivery {
    /** Records may be written twice after a failure; no transactions. */
    AT_LEAST_ONCE(DeliveryGuarantee.AT_LEAST_ONCE),
    /** Kafka transactions committed on checkpoints; readers use read_committed. */
    EXACTLY_ONCE(DeliveryGuarantee.EXACTLY_ONCE),
    /** No guarantee: records may be lost or duplicated (benchmarks only). */
    NONE(DeliveryGuarantee.NONE);

    private final DeliveryGuarantee flink;

    Delivery(DeliveryGuarantee flink) {
      this.flink = flink;
    }

    /** The Flink connector's guarantee. */
    public DeliveryGuarantee toFlink() {
      return flink;
    }
  }

  /** Defaults of the model options: model-core's own, so they are defined once. */
  private static final ModelConfig MODEL = ModelConfig.defaults();

  // ---------------------------------------------------------------- Kafka

  public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
      option(
          key("flywheel.kafka.bootstrap-servers").stringType().defaultValue("localhost:9092"),
          "Kafka bootstrap servers, comma separated host:port pairs.");

  public static final ConfigOption<String> KAFKA_GROUP_ID =
      option(
          key("flywheel.kafka.group-id").stringType().defaultValue("flywheel"),
          "Consumer group id of the events source (offsets are committed on checkpoints).");

  public static final ConfigOption<StartingOffsets> KAFKA_STARTING_OFFSETS =
      option(
          key("flywheel.kafka.starting-offsets")
              .enumType(StartingOffsets.class)
              .defaultValue(StartingOffsets.COMMITTED),
          "Where the events source starts when no checkpoint is restored: EARLIEST, LATEST, or"
              + " COMMITTED (the group's offsets, earliest where there are none).");

  public static final ConfigOption<Delivery> KAFKA_DELIVERY_GUARANTEE =
      option(
          key("flywheel.kafka.delivery-guarantee")
              .enumType(Delivery.class)
              .defaultValue(Delivery.AT_LEAST_ONCE),
          "Guarantee of the Kafka sinks: AT_LEAST_ONCE, EXACTLY_ONCE (Kafka transactions committed"
              + " on checkpoints; readers need isolation.level=read_committed) or NONE.");

  public static final ConfigOption<String> KAFKA_TRANSACTIONAL_ID_PREFIX =
      option(
          key("flywheel.kafka.transactional-id-prefix").stringType().defaultValue("flywheel"),
          "Transactional id prefix of the exactly-once sinks; unique per job on a cluster.");

  public static final ConfigOption<Duration> KAFKA_TRANSACTION_TIMEOUT =
      option(
          key("flywheel.kafka.transaction-timeout")
              .durationType()
              .defaultValue(Duration.ofMinutes(10)),
          "transaction.timeout.ms of the exactly-once sinks; at most 600000 ms (10 min), below the"
              + " broker's transaction.max.timeout.ms, and above the checkpoint interval.");

  public static final ConfigOption<Integer> KAFKA_MAX_RECORD_BYTES =
      option(
          key("flywheel.kafka.max-record-bytes").intType().defaultValue(1024 * 1024),
          "Largest event record accepted, in bytes; a larger one goes to the DLQ as TOO_LARGE.");

  public static final ConfigOption<Boolean> KAFKA_BOUNDED =
      option(
          key("flywheel.kafka.bounded").booleanType().defaultValue(false),
          "Stop reading at the end offsets the events topic has when the job starts, so the job"
              + " finishes (tests, backfills); false reads forever.");

  // ---------------------------------------------------------------- topics

  public static final ConfigOption<String> TOPIC_EVENTS =
      option(
          key("flywheel.topic.events").stringType().defaultValue("events"),
          "Topic of the input events (request, impression, click, example).");

  public static final ConfigOption<String> TOPIC_PREDICTIONS =
      option(
          key("flywheel.topic.predictions").stringType().defaultValue("predictions"),
          "Topic of the predictions.");

  public static final ConfigOption<String> TOPIC_MODEL_UPDATES =
      option(
          key("flywheel.topic.model-updates").stringType().defaultValue("model-updates"),
          "Topic of the model updates (chunked snapshots and deltas).");

  public static final ConfigOption<String> TOPIC_DLQ =
      option(
          key("flywheel.topic.dlq").stringType().defaultValue("events-dlq"),
          "Topic of the dead letters: events that break the contract, with a reason.");

  // ---------------------------------------------------------------- decoding

  public static final ConfigOption<Integer> DECODE_MAX_FEATURES =
      option(
          key("flywheel.decode.max-features").intType().defaultValue(10_000),
          "Most features in one event (a request counts its shared and all candidates' features);"
              + " more goes to the DLQ as TOO_LARGE.");

  public static final ConfigOption<Integer> DECODE_MAX_CANDIDATES =
      option(
          key("flywheel.decode.max-candidates").intType().defaultValue(1_000),
          "Most candidates in one request; more goes to the DLQ as TOO_LARGE.");

  public static final ConfigOption<Integer> DLQ_MAX_ORIGINAL_BYTES =
      option(
          key("flywheel.dlq.max-original-bytes").intType().defaultValue(64 * 1024),
          "Most bytes of the original record copied into a dead letter (the rest is cut, and the"
              + " dead letter says so), so a dead letter always fits one Kafka record.");

  public static final ConfigOption<String> FEATURES_CROSSES =
      option(
          key("flywheel.features.crosses").stringType().defaultValue(""),
          "Feature crosses the decoder adds, comma separated, each two feature names joined by *"
              + " (e.g. segment*category,segment*item): an event with both features gets one more"
              + " hashed feature for the pair of their values, per candidate when a side is a"
              + " candidate's feature. Empty for none. Changing it changes the model's input:"
              + " start a fresh model.");

  // ---------------------------------------------------------------- event time and join

  public static final ConfigOption<Duration> WATERMARK_OUT_OF_ORDERNESS =
      option(
          key("flywheel.watermark.out-of-orderness")
              .durationType()
              .defaultValue(Duration.ofSeconds(5)),
          "How far behind the newest event time an event may arrive and still be on time.");

  public static final ConfigOption<Duration> WATERMARK_IDLENESS =
      option(
          key("flywheel.watermark.idleness").durationType().defaultValue(Duration.ofSeconds(30)),
          "A source split with no events for this long stops holding the watermark back; 0 turns"
              + " idleness detection off.");

  public static final ConfigOption<Duration> JOIN_ATTRIBUTION_WINDOW =
      option(
          key("flywheel.join.attribution-window")
              .durationType()
              .defaultValue(Duration.ofMinutes(10)),
          "How long after an impression (event time) a click still makes it positive; at the end"
              + " of the window the impression becomes a negative.");

  public static final ConfigOption<Duration> JOIN_CLICK_WAIT =
      option(
          key("flywheel.join.click-wait").durationType().defaultValue(Duration.ofMinutes(1)),
          "How long (event time) a click that arrives before its impression waits for it; then it"
              + " is counted as an orphan and dropped. At most 1 h.");

  public static final ConfigOption<Duration> JOIN_LATE_CLICK_ALLOWANCE =
      option(
          key("flywheel.join.late-click-allowance")
              .durationType()
              .defaultValue(Duration.ofMinutes(5)),
          "How long (event time) after the attribution window a resolved impression is remembered,"
              + " so a late click is recognised (counted and sent to the late-click side output) and"
              + " a duplicate impression ignored; 0 forgets at once.");

  public static final ConfigOption<Duration> JOIN_STATE_TTL =
      option(
          key("flywheel.join.state-ttl").durationType().defaultValue(Duration.ZERO),
          "Optional safety net: join state untouched for this long (processing time) is dropped"
              + " even if event time stalls; 0 (the default) turns it off, as the join's own timers"
              + " and max-pending already bound its state and a TTL costs CPU on every state"
              + " access. Otherwise at least attribution-window + click-wait + late-click-allowance.");

  public static final ConfigOption<Integer> JOIN_MAX_PENDING =
      option(
          key("flywheel.join.max-pending").intType().defaultValue(1_000_000),
          "Most impressions and early clicks held per join subtask; beyond it new ones are shed"
              + " (counted as joinShed) instead of growing state without limit. Also the most"
              + " labelled impression ids remembered per subtask (for late and duplicate clicks).");

  // ---------------------------------------------------------------- trainer

  public static final ConfigOption<Integer> TRAINER_BATCH_SIZE =
      option(
          key("flywheel.trainer.batch-size").intType().defaultValue(64),
          "Examples per training mini-batch, in [1, 4096].");

  public static final ConfigOption<Duration> TRAINER_MAX_WAIT =
      option(
          key("flywheel.trainer.max-wait").durationType().defaultValue(Duration.ofMillis(100)),
          "Longest a partial mini-batch waits (processing time) before it is trained anyway.");

  public static final ConfigOption<Duration> TRAINER_PUBLISH_INTERVAL =
      option(
          key("flywheel.trainer.publish-interval")
              .durationType()
              .defaultValue(Duration.ofMillis(250)),
          "How often (processing time) the trainer publishes a model update. Model freshness is"
              + " about this interval plus max-wait at its p99.");

  public static final ConfigOption<Integer> TRAINER_SNAPSHOT_EVERY =
      option(
          key("flywheel.trainer.full-snapshot-every").intType().defaultValue(240),
          "The trainer publishes a full snapshot at start, then deltas; after every this many"
              + " deltas it follows the delta with a catch-up snapshot of the same version, for"
              + " consumers of the model-updates topic that start late (240 deltas at the default"
              + " 250 ms interval: one a minute). The job's scorer follows every delta and never"
              + " receives catch-up snapshots.");

  public static final ConfigOption<Integer> MODEL_UPDATE_CHUNK_BYTES =
      option(
          key("flywheel.model-updates.chunk-bytes").intType().defaultValue(512 * 1024),
          "Largest model-update payload per Kafka record; larger updates are split in chunks."
              + " At most 1000000 so a chunk and its header fit Kafka's default 1 MiB record.");

  public static final ConfigOption<Integer> MODEL_UPDATES_MAX_BYTES_PER_SECOND =
      option(
          key("flywheel.model-updates.max-bytes-per-second").intType().defaultValue(64 << 20),
          "Average rate (per trainer subtask and model id) at which publications go to the"
              + " model-updates topic: a whole-model snapshot leaves over a second or so instead of"
              + " in one burst that stalls the pipeline; a delta smaller than a tenth of a second"
              + " of this rate leaves at once. The job's scorer gets its updates unpaced. 0: no"
              + " pacing.");

  // ---------------------------------------------------------------- scorer

  public static final ConfigOption<Integer> SCORER_RESTORE_HOLD_MAX_EVENTS =
      option(
          key("flywheel.scorer.restore-hold.max-events").intType().defaultValue(100_000),
          "Checkpoints do not carry the scorer's models: after a restore the scorer holds the"
              + " events of each model it served until the trainer's reset snapshot brings the"
              + " model back (about a publish interval after the trainer's first batch). At most"
              + " this many held events per subtask; beyond that the held events are scored with"
              + " the initial model (version 0). 0 scores with the initial model at once.");

  public static final ConfigOption<Duration> SCORER_RESTORE_HOLD_TIMEOUT =
      option(
          key("flywheel.scorer.restore-hold.timeout")
              .durationType()
              .defaultValue(Duration.ofSeconds(30)),
          "Longest time (processing time, checked on every record of either input) after a"
              + " restore that the scorer holds events for a model's reset snapshot; then the held"
              + " events are scored with the initial model (version 0).");

  // ---------------------------------------------------------------- model

  /** The value of {@link #MODEL_IDS} that allows any model id. */
  public static final String ANY_MODEL_ID = "*";

  public static final ConfigOption<String> MODEL_IDS =
      option(
          key("flywheel.model.ids").stringType().defaultValue("default"),
          "Model ids the job accepts, comma separated; an event naming another id goes to the DLQ"
              + " as UNKNOWN_MODEL. Every id costs a full model in the trainer and in every scorer"
              + " subtask. '*' accepts any id: unsafe, one bad producer can exhaust the memory.");

  public static final ConfigOption<Integer> MODEL_HASH_BITS =
      option(
          key("flywheel.model.hash-bits").intType().defaultValue(MODEL.hashBits()),
          "Features are hashed into 2^bits buckets, bits in [1, 28]; shared by every model id.");

  public static final ConfigOption<Integer> MODEL_HASH_SEED =
      option(
          key("flywheel.model.hash-seed").intType().defaultValue(MODEL.hashSeed()),
          "Seed of the feature hash; every consumer of the model must hash with it.");

  public static final ConfigOption<Long> MODEL_SEED =
      option(
          key("flywheel.model.seed").longType().defaultValue(MODEL.seed()),
          "Seed of the weight initialisation.");

  public static final ConfigOption<Integer> MODEL_EMBEDDING_DIM =
      option(
          key("flywheel.model.embedding-dim").intType().defaultValue(MODEL.embeddingDim()),
          "Width of the embedding of each bucket (the deep tower's input), in [1, 1024].");

  public static final ConfigOption<String> MODEL_HIDDEN_LAYERS =
      option(
          key("flywheel.model.hidden-layers").stringType().defaultValue(layers(MODEL)),
          "Widths of the hidden ReLU layers, comma separated (each in [1, 4096], at most 16);"
              + " empty for none, which leaves wide linear/logistic regression.");

  public static final ConfigOption<ModelConfig.LossType> MODEL_LOSS =
      option(
          key("flywheel.model.loss")
              .enumType(ModelConfig.LossType.class)
              .defaultValue(MODEL.loss()),
          "LOGISTIC (clicks: labels 0/1, sigmoid output) or SQUARED (regression: any finite"
              + " label, linear output). It also sets the decoder's label rule.");

  public static final ConfigOption<ModelConfig.OptimizerType> MODEL_OPTIMIZER =
      option(
          key("flywheel.model.optimizer")
              .enumType(ModelConfig.OptimizerType.class)
              .defaultValue(MODEL.optimizer()),
          "SGD (with momentum), ADAGRAD or ADAM.");

  public static final ConfigOption<ModelConfig.Interactions> MODEL_INTERACTIONS =
      option(
          key("flywheel.model.interactions")
              .enumType(ModelConfig.Interactions.class)
              .defaultValue(MODEL.interactions()),
          "NONE, or FM: a factorisation-machine term over the embedding table (every pair of an"
              + " example's features adds the inner product of their embeddings to the logit), which"
              + " learns low-rank interactions such as user segment x item from shared statistics;"
              + " needs hidden layers.");

  public static final ConfigOption<Double> MODEL_LEARNING_RATE =
      option(
          key("flywheel.model.learning-rate").doubleType().defaultValue(MODEL.learningRate()),
          "Learning rate, in (0, 10].");

  public static final ConfigOption<Double> MODEL_ADAGRAD_INITIAL_ACCUMULATOR =
      option(
          key("flywheel.model.adagrad-initial-accumulator")
              .doubleType()
              .defaultValue(MODEL.adagradInitialAccumulator()),
          "Start value of AdaGrad's squared-gradient sums, in [0, 1]. 0 makes each weight's first"
              + " steps the learning rate whatever its gradient's size, so rare features (a cross"
              + " seen once per thousand examples, its gradient averaged over a batch) learn as"
              + " fast as common ones, but a rare positive then moves the model a full step (on"
              + " sparse click logs that costs calibration); larger values damp early steps."
              + " ./flywheel local --simulate sets 0.");

  public static final ConfigOption<Double> MODEL_MOMENTUM =
      option(
          key("flywheel.model.momentum").doubleType().defaultValue(MODEL.momentum()),
          "Heavy-ball momentum of SGD, in [0, 1).");

  public static final ConfigOption<Double> MODEL_L2 =
      option(
          key("flywheel.model.l2").doubleType().defaultValue(MODEL.l2()),
          "L2 penalty on the weights, in [0, 1].");

  public static final ConfigOption<Double> MODEL_CLIP =
      option(
          key("flywheel.model.clip").doubleType().defaultValue(MODEL.gradientClipNorm()),
          "Gradient clipping: the batch gradient's global L2 norm is capped at this; 0 turns"
              + " clipping off.");

  public static final ConfigOption<Double> MODEL_INITIAL_PREDICTION =
      option(
          key("flywheel.model.initial-prediction").doubleType().defaultValue(0.01),
          "What a new, untrained model predicts before it has learned anything (its output bias):"
              + " with LOGISTIC loss a rate in (0, 1), a prior for the click rate (0.5 would be"
              + " uninformed, and costly on streams with rare positives); with SQUARED loss any"
              + " finite value.");

  // ---------------------------------------------------------------- runtime

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      option(
          key("flywheel.checkpoint.interval").durationType().defaultValue(Duration.ofSeconds(10)),
          "Interval of Flink checkpoints (and of Kafka commits and exactly-once transactions).");

  public static final ConfigOption<Integer> PARALLELISM =
      option(
          key("flywheel.parallelism").intType().defaultValue(0),
          "Parallelism of decoding, joining and scoring; 0 uses Flink's parallelism.default."
              + " Training runs one task per model id.");

  /** Every option, in declaration order. */
  public static List<ConfigOption<?>> all() {
    return Collections.unmodifiableList(new ArrayList<>(DESCRIPTIONS.keySet()));
  }

  /** The plain-text description of {@code option}. */
  public static String description(ConfigOption<?> option) {
    return DESCRIPTIONS.get(option);
  }

  /** The type of {@code option} as shown in help text, e.g. {@code Duration} or {@code A|B}. */
  public static String typeName(ConfigOption<?> option) {
    Object value = option.defaultValue();
    if (value instanceof Enum<?> e) {
      StringBuilder names = new StringBuilder();
      for (Object constant : e.getDeclaringClass().getEnumConstants()) {
        if (names.length() > 0) {
          names.append('|');
        }
        names.append(((Enum<?>) constant).name());
      }
      return names.toString();
    }
    return value.getClass().getSimpleName();
  }

  /** A {@code --help} text: usage, then every option with its type, default and description. */
  public static String helpText() {
    StringBuilder out = new StringBuilder();
    out.append("Options (pass as --key value or --key=value; keys not starting with flywheel.")
        .append(" go to Flink):\n\n");
    for (ConfigOption<?> option : all()) {
      out.append("  --")
          .append(option.key())
          .append("  <")
          .append(typeName(option))
          .append(">  default: ")
          .append(formatDefault(option.defaultValue()))
          .append('\n');
      out.append("      ").append(description(option)).append('\n');
    }
    out.append("  --")
        .append(KAFKA_PROPERTIES_PREFIX)
        .append("<property>  <String>\n")
        .append("      Any Kafka client property, passed to every consumer and producer")
        .append(" (e.g. security.protocol, sasl.jaas.config).\n");
    return out.toString();
  }

  /**
   * The options as a Markdown table (docs/options.md is this, checked by a test): key, type,
   * default, description.
   */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder();
    out.append("| option | type | default | description |\n| --- | --- | --- | --- |\n");
    for (ConfigOption<?> option : all()) {
      out.append("| `")
          .append(option.key())
          .append("` | ")
          .append(typeName(option).replace("|", " \\| "))
          .append(" | `")
          .append(formatDefault(option.defaultValue()))
          .append("` | ")
          .append(description(option))
          .append(" |\n");
    }
    out.append("| `")
        .append(KAFKA_PROPERTIES_PREFIX)
        .append("<property>` | String | | Any Kafka client property, passed to every consumer and")
        .append(" producer (e.g. `security.protocol`, `sasl.jaas.config`). |\n");
    return out.toString();
  }

  private static String layers(ModelConfig config) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < config.hiddenLayerCount(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(config.hiddenLayer(i));
    }
    return b.toString();
  }

  static String formatDefault(Object value) {
    if (value instanceof Duration d) {
      if (d.isZero()) {
        return "0 ms";
      }
      if (d.toMillis() % 60_000 == 0) {
        return d.toMinutes() + " min";
      }
      if (d.toMillis() % 1000 == 0) {
        return d.toSeconds() + " s";
      }
      return d.toMillis() + " ms";
    }
    String s = String.valueOf(value);
    return s.isEmpty() ? "\"\"" : s;
  }
}
