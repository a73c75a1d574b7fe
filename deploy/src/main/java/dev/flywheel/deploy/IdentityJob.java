package dev.flywheel.deploy;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The identity job: Kafka → Flink → Kafka, key and value bytes copied unchanged, with the same
 * delivery-guarantee options as the real pipeline. It is the physical limit the pipeline is
 * measured against: whatever the pipeline costs beyond this job is the pipeline's own work.
 *
 * <p>{@link #build(StreamExecutionEnvironment, Settings)} adds the source and sink to an
 * environment (tests and the local runner use it); {@link #main(String[])} runs it on whatever
 * environment the context provides. An empty key is written as no key.
 */
public final class IdentityJob {
  /** Upper bound of the sink's transaction timeout; the broker caps it at 15 minutes. */
  public static final Duration MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

  /** The record type between source and sink: key and value bytes (never null). */
  public static final TypeInformation<Tuple2<byte[], byte[]>> RECORD_TYPE =
      new TupleTypeInfo<>(
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  private static final byte[] EMPTY = new byte[0];

  private IdentityJob() {}

  /**
   * The job's settings, validated once.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param inputTopic topic read
   * @param outputTopic topic written
   * @param groupId consumer group of the source (offsets are committed on checkpoints)
   * @param deliveryGuarantee of the sink; {@code EXACTLY_ONCE} writes in Kafka transactions
   *     committed on checkpoints, and the source then reads {@code read_committed}
   * @param transactionalIdPrefix prefix of the sink's transactional ids (exactly-once only)
   * @param transactionTimeout the sink's {@code transaction.timeout.ms}, at most {@link
   *     #MAX_TRANSACTION_TIMEOUT}
   * @param bounded stop at the input's end offsets as of the job's start
   */
  public record Settings(
      String bootstrapServers,
      String inputTopic,
      String outputTopic,
      String groupId,
      DeliveryGuarantee deliveryGuarantee,
      String transactionalIdPrefix,
      Duration transactionTimeout,
      boolean bounded) {

    /** Validates; errors name the option. */
    public Settings {
      requireNonBlank("--bootstrap-servers", bootstrapServers);
      requireNonBlank("--input-topic", inputTopic);
      requireNonBlank("--output-topic", outputTopic);
      requireNonBlank("--group-id", groupId);
      if (deliveryGuarantee == null) {
        throw new IllegalArgumentException("--delivery-guarantee must be set");
      }
      if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
        requireNonBlank("--transactional-id-prefix", transactionalIdPrefix);
      }
      if (transactionTimeout == null
          || transactionTimeout.isNegative()
          || transactionTimeout.isZero()
          || transactionTimeout.compareTo(MAX_TRANSACTION_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "--transaction-timeout must be in (0, "
                + MAX_TRANSACTION_TIMEOUT
                + "], got "
                + transactionTimeout);
      }
    }

    /** Defaults: {@code events} → {@code predictions}, at-least-once, unbounded. */
    public static Settings defaults(String bootstrapServers) {
      return new Settings(
          bootstrapServers,
          "events",
          "predictions",
          "flywheel-identity",
          DeliveryGuarantee.AT_LEAST_ONCE,
          "flywheel-identity",
          MAX_TRANSACTION_TIMEOUT,
          false);
    }

    private static void requireNonBlank(String option, String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(option + " must not be blank");
      }
    }
  }

  /** Adds source → sink to {@code env} and returns the stream between them. */
  public static DataStream<Tuple2<byte[], byte[]>> build(
      StreamExecutionEnvironment env, Settings settings) {
    DataStream<Tuple2<byte[], byte[]>> records =
        env.fromSource(source(settings), WatermarkStrategy.noWatermarks(), "events")
            .uid("identity-source")
            .name("Kafka " + settings.inputTopic());
    records.sinkTo(sink(settings)).uid("identity-sink").name("Kafka " + settings.outputTopic());
    return records;
  }

  /** The Kafka source of {@code settings}. */
  @SuppressWarnings("deprecation") // OffsetResetStrategy: the connector's API still takes it
  public static KafkaSource<Tuple2<byte[], byte[]>> source(Settings settings) {
    var builder =
        KafkaSource.<Tuple2<byte[], byte[]>>builder()
            .setBootstrapServers(settings.bootstrapServers())
            .setTopics(settings.inputTopic())
            .setGroupId(settings.groupId())
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new KeyValueDeserializer());
    if (settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
      builder.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }
    if (settings.bounded()) {
      builder.setBounded(OffsetsInitializer.latest());
    }
    return builder.build();
  }

  /** The Kafka sink of {@code settings}. */
  public static KafkaSink<Tuple2<byte[], byte[]>> sink(Settings settings) {
    var builder =
        KafkaSink.<Tuple2<byte[], byte[]>>builder()
            .setBootstrapServers(settings.bootstrapServers())
            .setRecordSerializer(new KeyValueSerializer(settings.outputTopic()))
            .setDeliveryGuarantee(settings.deliveryGuarantee())
            .setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(settings.transactionTimeout().toMillis()));
    if (settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
      builder.setTransactionalIdPrefix(settings.transactionalIdPrefix());
    }
    return builder.build();
  }

  /** Reads key and value bytes; a null key or value becomes an empty array. */
  static final class KeyValueDeserializer
      implements KafkaRecordDeserializationSchema<Tuple2<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(
        ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<byte[], byte[]>> out) {
      byte[] key = record.key();
      byte[] value = record.value();
      out.collect(Tuple2.of(key == null ? EMPTY : key, value == null ? EMPTY : value));
    }

    @Override
    public TypeInformation<Tuple2<byte[], byte[]>> getProducedType() {
      return RECORD_TYPE;
    }
  }

  /** Writes key and value bytes to one topic; an empty key is written as no key. */
  static final class KeyValueSerializer
      implements KafkaRecordSerializationSchema<Tuple2<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    KeyValueSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        Tuple2<byte[], byte[]> record, KafkaSinkContext context, Long timestamp) {
      byte[] key = record.f0.length == 0 ? null : record.f0;
      return new ProducerRecord<>(topic, null, timestamp, key, record.f1);
    }
  }

  /** Command-line options of the identity job (also its pass-through options in the runner). */
  @Command(
      name = "identity",
      description = "Kafka -> Flink -> Kafka, bytes unchanged: the pipeline's physical limit.")
  public static final class Options implements Callable<Settings> {
    @Option(
        names = "--bootstrap-servers",
        paramLabel = "HOST:PORT",
        defaultValue = "localhost:9092",
        description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(
        names = "--input-topic",
        paramLabel = "TOPIC",
        defaultValue = "events",
        description = "Topic read (default: ${DEFAULT-VALUE}).")
    String inputTopic;

    @Option(
        names = "--output-topic",
        paramLabel = "TOPIC",
        defaultValue = "predictions",
        description = "Topic written (default: ${DEFAULT-VALUE}).")
    String outputTopic;

    @Option(
        names = "--group-id",
        paramLabel = "GROUP",
        defaultValue = "flywheel-identity",
        description = "Consumer group of the source (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(
        names = "--delivery-guarantee",
        paramLabel = "GUARANTEE",
        defaultValue = "at-least-once",
        converter = DeliveryGuaranteeConverter.class,
        description = "at-least-once | exactly-once | none (default: ${DEFAULT-VALUE}).")
    DeliveryGuarantee deliveryGuarantee;

    @Option(
        names = "--transactional-id-prefix",
        paramLabel = "PREFIX",
        defaultValue = "flywheel-identity",
        description =
            "Prefix of the sink's transactional ids, exactly-once only"
                + " (default: ${DEFAULT-VALUE}).")
    String transactionalIdPrefix;

    @Option(
        names = "--transaction-timeout",
        paramLabel = "DURATION",
        defaultValue = "10m",
        converter = DurationConverter.class,
        description = "The sink's transaction.timeout.ms, at most 10m (default: ${DEFAULT-VALUE}).")
    Duration transactionTimeout;

    @Option(names = "--bounded", description = "Stop at the input's end offsets as of the start.")
    boolean bounded;

    @Override
    public Settings call() {
      return new Settings(
          bootstrapServers,
          inputTopic,
          outputTopic,
          groupId,
          deliveryGuarantee,
          transactionalIdPrefix,
          transactionTimeout,
          bounded);
    }

    /**
     * Parses {@code args} into settings.
     *
     * @throws CommandLine.ParameterException naming the bad option
     */
    public static Settings parse(String... args) {
      CommandLine cli = new CommandLine(new Options());
      cli.parseArgs(args);
      Options options = cli.getCommand();
      try {
        return options.call();
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, e.getMessage(), e);
      }
    }
  }

  /** Parses {@code at-least-once}, {@code exactly-once} or {@code none}, any case. */
  public static final class DeliveryGuaranteeConverter
      implements CommandLine.ITypeConverter<DeliveryGuarantee> {
    @Override
    public DeliveryGuarantee convert(String value) {
      try {
        return DeliveryGuarantee.valueOf(value.trim().replace('-', '_').toUpperCase());
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "expected at-least-once, exactly-once or none, got '" + value + "'");
      }
    }
  }

  /** Runs the job on the context's environment, checkpointing every 10 s. */
  public static void main(String[] args) throws Exception {
    CommandLine cli = new CommandLine(new Options());
    int exitCode = cli.execute(args);
    if (exitCode != 0) {
      System.exit(exitCode);
    }
    Settings settings = cli.getExecutionResult();
    if (settings == null) {
      return; // --help
    }
    Configuration conf = new Configuration();
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    build(env, settings);
    env.execute("flywheel identity " + settings.inputTopic() + " -> " + settings.outputTopic());
  }
}
