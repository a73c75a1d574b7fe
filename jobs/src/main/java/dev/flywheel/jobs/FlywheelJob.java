package dev.flywheel.jobs;

import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.DeadLetter;
import dev.flywheel.jobs.events.DeadLetterJson;
import dev.flywheel.jobs.events.DecodeFunction;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.EventWatermarks;
import dev.flywheel.jobs.events.LabeledExample;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionJson;
import dev.flywheel.jobs.events.RawRecord;
import dev.flywheel.jobs.events.RawRecordDeserializer;
import dev.flywheel.jobs.join.ImpressionIdSelector;
import dev.flywheel.jobs.join.LabelJoinOperator;
import dev.flywheel.jobs.score.ScorerFunction;
import dev.flywheel.jobs.train.TrainerFunction;
import dev.flywheel.jobs.types.KeyStringSerializer;
import dev.flywheel.jobs.updates.ModelUpdate;
import dev.flywheel.jobs.updates.ModelUpdateSchemas;
import dev.flywheel.model.io.ModelCodec;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Flywheel job: decode → label join → train → publish model updates → score with the freshest
 * model. See docs/pipeline.md for the graph, state, timers and metrics.
 *
 * <p>{@link #build} is the whole pipeline as one pure method over an input stream (tests feed it
 * in-memory records); {@link #addKafkaPipeline} wires it between the Kafka source and sinks; {@link
 * #flinkConfiguration} is the Flink configuration the job needs (generic types off, checkpointing);
 * {@link #main} does all three.
 */
public final class FlywheelJob {
  /** Stable operator uids: changing one orphans its state in existing savepoints. */
  public static final String UID_SOURCE = "events-source";

  public static final String UID_DECODE = "decode";
  public static final String UID_EVENT_TIME = "event-time";
  public static final String UID_LABEL_JOIN = "label-join";

  /**
   * The network buffer timeout the job sets unless {@code execution.buffer-timeout.interval} is
   * given: how long a partly filled buffer waits before it is sent.
   */
  public static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(5);

  public static final String UID_EXAMPLES = "example-events";
  public static final String UID_TRAINER = "trainer";
  public static final String UID_SCORER = "scorer";
  public static final String UID_PREDICTIONS_SINK = "predictions-sink";
  public static final String UID_MODEL_UPDATES_SINK = "model-updates-sink";
  public static final String UID_DLQ_SINK = "dlq-sink";

  /** Job name shown on the dashboard. */
  public static final String JOB_NAME = "flywheel";

  private FlywheelJob() {}

  /** The pipeline's three outputs. */
  public record Outputs(
      DataStream<Prediction> predictions,
      DataStream<ModelUpdate> modelUpdates,
      DataStream<DeadLetter> deadLetters) {}

  /**
   * The whole pipeline, without sources or sinks.
   *
   * @param raw records as read from the events topic (in any order; event time comes from the
   *     decoded events' {@code ts})
   * @param settings validated job settings
   * @return predictions (one per request, impression and example), chunked model updates and dead
   *     letters (one per record that broke the event contract)
   */
  public static Outputs build(DataStream<RawRecord> raw, JobSettings settings) {
    SingleOutputStreamOperator<Event> decoded =
        raw.process(DecodeFunction.of(settings))
            .returns(TypeInformation.of(Event.class))
            .uid(UID_DECODE)
            .name("decode and validate");
    DataStream<DeadLetter> deadLetters = decoded.getSideOutput(DecodeFunction.DEAD_LETTERS);

    DataStream<Event> events =
        decoded
            .assignTimestampsAndWatermarks(EventWatermarks.strategy(settings))
            .uid(UID_EVENT_TIME)
            .name("event time");

    DataStream<LabeledExample> joined =
        events
            .filter(LabelJoinOperator::isJoinInput)
            .name("impressions and clicks")
            .keyBy(new ImpressionIdSelector(), KeyStringSerializer.TYPE_INFO)
            .transform(
                "label join",
                TypeInformation.of(LabeledExample.class),
                LabelJoinOperator.of(settings))
            .uid(UID_LABEL_JOIN)
            .name("label join");

    DataStream<LabeledExample> direct =
        events
            .filter(e -> e.type == EventType.EXAMPLE)
            .name("example events")
            .map(LabeledExample::fromExampleEvent)
            .returns(TypeInformation.of(LabeledExample.class))
            .uid(UID_EXAMPLES)
            .name("examples to labelled examples");

    SingleOutputStreamOperator<ModelUpdate> updates =
        joined
            .union(direct)
            .keyBy(x -> x.model, Types.STRING)
            .process(new TrainerFunction(settings))
            .returns(TypeInformation.of(ModelUpdate.class))
            .uid(UID_TRAINER)
            .name("train");

    // The trainer's main output is the scorer's: reset snapshots and every delta, at once, over
    // this lossless edge (no catch-up snapshot: decoding one would cost each scorer subtask a
    // whole model). The topic gets every publication from a side output, paced.
    BroadcastStream<ModelUpdate> broadcastUpdates =
        updates.broadcast(ScorerFunction.SERVED, ScorerFunction.PENDING);
    DataStream<Prediction> predictions =
        events
            .filter(e -> e.type != EventType.CLICK)
            .name("requests, impressions, examples")
            .connect(broadcastUpdates)
            .process(new ScorerFunction(settings))
            .returns(TypeInformation.of(Prediction.class))
            .uid(UID_SCORER)
            .name("score");

    return new Outputs(predictions, updates.getSideOutput(TrainerFunction.TOPIC), deadLetters);
  }

  /**
   * The Flink configuration the job relies on: generic types disabled (a Kryo fallback fails at
   * submission), object reuse on unless {@code pipeline.object-reuse} is given (safe for this job's
   * functions, see docs/pipeline.md), a network buffer timeout of {@link #DEFAULT_BUFFER_TIMEOUT}
   * unless {@code execution.buffer-timeout.interval} is given, checkpointing at the configured
   * interval, exactly-once checkpoints, unaligned unless {@code
   * execution.checkpointing.unaligned.enabled} is given (the scorer stays aligned), the configured
   * parallelism, and every non-{@code flywheel.} key given on the command line.
   *
   * @throws IllegalArgumentException if the command line forces unaligned checkpoints (the scorer's
   *     broadcast state needs its inputs aligned)
   */
  public static Configuration flinkConfiguration(JobSettings settings) {
    Configuration c = new Configuration();
    settings.flinkProperties().forEach(c::setString);
    c.set(PipelineOptions.GENERIC_TYPES, false);
    if (!c.contains(PipelineOptions.OBJECT_REUSE)) {
      // Chained operators get the record itself instead of a deep copy per output (the decoded
      // event fans out to three branches). Every function here treats its input as read-only
      // and emits fresh instances; docs/pipeline.md has the reasoning, ObjectReuseSafetyTest the
      // checks.
      c.set(PipelineOptions.OBJECT_REUSE, true);
    }
    if (!c.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
      // A record waits in a partly filled network buffer until the buffer fills or this timeout
      // flushes it (Flink's default 100 ms): at this job's per-channel rates, tens of ms on every
      // hop before the scorer, and on the trainer's model updates. docs/pipeline.md, "Latency".
      c.set(ExecutionOptions.BUFFER_TIMEOUT, DEFAULT_BUFFER_TIMEOUT);
    }
    c.set(PipelineOptions.NAME, JOB_NAME);
    c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
    c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    if (!c.contains(CheckpointingOptions.ENABLE_UNALIGNED)) {
      // A barrier overtakes the records queued on the join's and the trainer's inputs instead of
      // waiting behind them; the scorer, whose events wait while it aligns on the trainer's
      // barrier, was blocked for that long at every checkpoint. Flink keeps every input of a task
      // with a broadcast (or pointwise) input aligned, so the scorer's checkpoints stay aligned,
      // as its state requires (docs/pipeline.md, "Checkpoints").
      c.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
    }
    if (c.get(CheckpointingOptions.FORCE_UNALIGNED)) {
      // Forcing lifts Flink's own refusals (iterations, custom partitioners), which this job does
      // not need; the scorer's state relies on its inputs staying aligned, so nothing that
      // overrides Flink's rules is accepted (docs/pipeline.md, "Checkpoints")
      throw new IllegalArgumentException(
          CheckpointingOptions.FORCE_UNALIGNED.key()
              + " must be false: the job needs none of what it allows, and the scorer's broadcast"
              + " state needs its inputs aligned");
    }
    if (settings.parallelism() > 0) {
      c.set(CoreOptions.DEFAULT_PARALLELISM, settings.parallelism());
    }
    return c;
  }

  /**
   * Adds the Kafka source, {@link #build the pipeline} and the three Kafka sinks to {@code env}.
   * Create the environment with {@link #flinkConfiguration} (or {@code env.configure} it); this
   * method disables generic types on {@code env} in any case, so a Kryo fallback always fails.
   */
  public static Outputs addKafkaPipeline(StreamExecutionEnvironment env, JobSettings settings) {
    env.configure(new Configuration().set(PipelineOptions.GENERIC_TYPES, false));
    // Event time is the JSON "ts", known only after decoding: build() assigns watermarks there.
    DataStream<RawRecord> raw =
        env.fromSource(kafkaSource(settings), WatermarkStrategy.noWatermarks(), "events")
            .uid(UID_SOURCE)
            .name("events source");
    Outputs out = build(raw, settings);
    addKafkaSinks(out, settings);
    return out;
  }

  /**
   * The events source: the events topic from {@link JobSettings#startingOffsetsInitializer()}, read
   * forever, or up to the end offsets found at start when {@link JobSettings#kafkaBounded()}.
   */
  public static KafkaSource<RawRecord> kafkaSource(JobSettings settings) {
    var builder =
        KafkaSource.<RawRecord>builder()
            .setProperties(settings.kafkaClientProperties())
            .setBootstrapServers(settings.bootstrapServers())
            .setGroupId(settings.groupId())
            .setTopics(settings.eventsTopic())
            .setStartingOffsets(settings.startingOffsetsInitializer())
            .setDeserializer(new RawRecordDeserializer());
    if (settings.kafkaBounded()) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /** Writes the pipeline's outputs to the predictions, model-updates and DLQ topics. */
  public static void addKafkaSinks(Outputs out, JobSettings settings) {
    out.predictions()
        .sinkTo(
            sink(
                settings,
                "predictions",
                KafkaRecordSerializationSchema.<Prediction>builder()
                    .setTopic(settings.predictionsTopic())
                    .setKeySerializationSchema(PredictionJson.keySchema())
                    .setValueSerializationSchema(new PredictionJson())
                    .build()))
        .uid(UID_PREDICTIONS_SINK)
        .name("predictions sink");
    out.modelUpdates()
        .sinkTo(
            sink(
                settings,
                "model-updates",
                KafkaRecordSerializationSchema.<ModelUpdate>builder()
                    .setTopic(settings.modelUpdatesTopic())
                    .setKeySerializationSchema(new ModelUpdateSchemas.Key())
                    .setValueSerializationSchema(new ModelUpdateSchemas.Value())
                    .build()))
        .uid(UID_MODEL_UPDATES_SINK)
        .name("model updates sink");
    out.deadLetters()
        .sinkTo(
            sink(
                settings,
                "dlq",
                KafkaRecordSerializationSchema.<DeadLetter>builder()
                    .setTopic(settings.dlqTopic())
                    .setValueSerializationSchema(new DeadLetterJson())
                    .build()))
        .uid(UID_DLQ_SINK)
        .name("dead letter sink");
  }

  /** Prints the options ({@code --help}) or runs the job with {@code --key value} options. */
  public static void main(String[] args) throws Exception {
    if (JobSettings.wantsHelp(args)) {
      System.out.println(FlywheelOptions.helpText());
      return;
    }
    JobSettings settings = JobSettings.fromArgs(args);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(settings));
    addKafkaPipeline(env, settings);
    env.execute(JOB_NAME);
  }

  private static <T> KafkaSink<T> sink(
      JobSettings settings, String name, KafkaRecordSerializationSchema<T> schema) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(settings.bootstrapServers())
        .setKafkaProducerConfig(sinkProducerProperties(settings, name))
        .setRecordSerializer(schema)
        .setDeliveryGuarantee(settings.deliveryGuarantee())
        .setTransactionalIdPrefix(settings.transactionalIdPrefix() + "-" + name)
        .build();
  }

  /** The Kafka producer properties of the sink called {@code name}. */
  static Properties sinkProducerProperties(JobSettings settings, String name) {
    Properties producer = settings.kafkaClientProperties();
    producer.setProperty(
        "transaction.timeout.ms", Long.toString(settings.transactionTimeout().toMillis()));
    if (name.equals("model-updates")) {
      producer.putIfAbsent(
          ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(modelUpdatesBufferBytes(settings)));
    }
    return producer;
  }

  /**
   * Producer buffer of the model-updates sink: room for two whole snapshots. The sink's writer runs
   * on the trainer's thread, and a Kafka producer's {@code send} blocks while its buffer is full;
   * with Kafka's default 32 MiB and a 68 MiB snapshot (the default model), every snapshot made the
   * trainer wait for the broker to take half of it, holding up its examples and, in the benchmark,
   * the checkpoint barrier the scorers then waited for. A user's {@code buffer.memory} (a Kafka
   * client property given to the job, see docs/options.md) wins.
   */
  static long modelUpdatesBufferBytes(JobSettings settings) {
    long snapshot = ModelCodec.snapshotSize(settings.modelConfig());
    return Math.max(32L << 20, 2 * snapshot + (16L << 20));
  }
}
