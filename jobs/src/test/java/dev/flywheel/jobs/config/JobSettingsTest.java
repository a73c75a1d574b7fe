package dev.flywheel.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.model.ModelConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobSettingsTest {

  @Test
  void defaultsAreValid() {
    JobSettings s = JobSettings.defaults();
    assertThat(s.eventsTopic()).isEqualTo("events");
    assertThat(s.predictionsTopic()).isEqualTo("predictions");
    assertThat(s.modelUpdatesTopic()).isEqualTo("model-updates");
    assertThat(s.dlqTopic()).isEqualTo("events-dlq");
    assertThat(s.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
    assertThat(s.attributionWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.transactionTimeout().toMillis()).isLessThanOrEqualTo(600_000);
    assertThat(s.modelUpdateChunkBytes()).isLessThan(1024 * 1024);
    ModelConfig model = ModelConfig.defaults();
    assertThat(s.hiddenLayers()).isEqualTo(model.hiddenLayers());
    assertThat(s.featureHasher().bits()).isEqualTo(model.hashBits());
    assertThat(s.featureHasher().seed()).isEqualTo(model.hashSeed());
    // model-core's defaults, but for the batch size
    assertThat(s.modelConfig()).isEqualTo(model.toBuilder().maxBatchSize(s.batchSize()).build());
    assertThat(s.decoderConfig().binaryLabels()).isTrue();
    assertThat(s.kafkaClientProperties()).containsEntry("bootstrap.servers", "localhost:9092");
  }

  @Test
  void settingsSurviveJavaSerializationIntoOperators() throws Exception {
    JobSettings s =
        JobSettings.fromArgs(
            "--flywheel.model.hidden-layers", "8,4", "--flywheel.kafka.properties.acks", "all");
    JobSettings copy =
        InstantiationUtil.deserializeObject(
            InstantiationUtil.serializeObject(s), getClass().getClassLoader());
    assertThat(copy.modelConfig()).isEqualTo(s.modelConfig());
    assertThat(copy.kafkaProperties()).isEqualTo(Map.of("acks", "all"));
    assertThat(copy.decoderConfig()).isEqualTo(s.decoderConfig());
  }

  @Test
  @SuppressWarnings("deprecation") // the connector's API still returns OffsetResetStrategy
  void startingOffsetsMapToTheConnector() {
    assertThat(JobSettings.defaults().startingOffsetsInitializer().getAutoOffsetResetStrategy())
        .isEqualTo(OffsetResetStrategy.EARLIEST);
    assertThat(
            JobSettings.fromArgs("--flywheel.kafka.starting-offsets", "LATEST")
                .startingOffsetsInitializer()
                .getAutoOffsetResetStrategy())
        .isEqualTo(OffsetResetStrategy.LATEST);
  }

  @Test
  void exactlyOnceDefaultsAreValidToo() {
    JobSettings s = JobSettings.fromArgs("--flywheel.kafka.delivery-guarantee", "EXACTLY_ONCE");
    assertThat(s.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
  }

  @Test
  void parsesArgsInBothFormsAndPassesKafkaAndFlinkPropertiesThrough() {
    JobSettings s =
        JobSettings.fromArgs(
            "--flywheel.trainer.batch-size",
            "128",
            "--flywheel.join.attribution-window=30 s",
            "--flywheel.model.hidden-layers=",
            "--flywheel.model.loss",
            "SQUARED",
            "--flywheel.model.hash-bits",
            "12",
            "--flywheel.model.hash-seed",
            "7",
            "--flywheel.kafka.properties.security.protocol",
            "SASL_SSL",
            "--rest.port",
            "8081");
    assertThat(s.batchSize()).isEqualTo(128);
    assertThat(s.attributionWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.hiddenLayers()).isEmpty();
    assertThat(s.decoderConfig().binaryLabels()).isFalse();
    assertThat(s.modelConfig().loss()).isEqualTo(ModelConfig.LossType.SQUARED);
    assertThat(s.modelConfig().hiddenLayerCount()).isZero();
    assertThat(s.modelConfig().maxBatchSize()).isEqualTo(128);
    assertThat(s.modelConfig().hashBits()).isEqualTo(12);
    assertThat(s.decoderConfig().hashBits()).isEqualTo(12);
    assertThat(s.decoderConfig().seed()).isEqualTo(7).isEqualTo(s.modelConfig().hashSeed());
    assertThat(s.kafkaProperties()).isEqualTo(Map.of("security.protocol", "SASL_SSL"));
    assertThat(s.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(s.flinkProperties()).isEqualTo(Map.of("rest.port", "8081"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "flywheel.trainer.batch-size|0|flywheel.trainer.batch-size must be in [1, 4096], got 0",
        "flywheel.trainer.batch-size|4097|flywheel.trainer.batch-size must be in [1, 4096], got 4097",
        "flywheel.trainer.batch-size|many|flywheel.trainer.batch-size could not be read as Integer",
        "flywheel.model.hash-bits|29|flywheel.model.hash-bits must be in [1, 28], got 29",
        "flywheel.model.learning-rate|0|flywheel.model.learning-rate must be in (0.0, 10.0], got 0.0",
        "flywheel.model.learning-rate|NaN|flywheel.model.learning-rate must be in",
        "flywheel.model.l2|-1|flywheel.model.l2 must be in [0.0, 1.0], got -1.0",
        "flywheel.model.initial-prediction|0|flywheel.model.initial-prediction must be in (0, 1) with LOGISTIC loss, got 0.0",
        "flywheel.model.initial-prediction|1.5|flywheel.model.initial-prediction must be in (0, 1) with LOGISTIC loss, got 1.5",
        "flywheel.model.initial-prediction|NaN|flywheel.model.initial-prediction must be in (0, 1)",
        "flywheel.model.clip|-0.5|flywheel.model.clip must be in",
        "flywheel.model.embedding-dim|0|flywheel.model.embedding-dim must be in [1, 1024]",
        "flywheel.model.hash-seed|x|flywheel.model.hash-seed could not be read",
        "flywheel.model.momentum|1|flywheel.model.momentum must be in",
        "flywheel.model.adagrad-initial-accumulator|-0.1|flywheel.model.adagrad-initial-accumulator must be in [0.0, 1.0], got -0.1",
        "flywheel.model.hidden-layers|32,x|flywheel.model.hidden-layers must be comma-separated integers",
        "flywheel.model.hidden-layers|32,0|flywheel.model.hidden-layers widths must be in [1, 4096], got 0",
        "flywheel.model.loss|HINGE|flywheel.model.loss could not be read as LOGISTIC|SQUARED",
        "flywheel.model.optimizer|LBFGS|flywheel.model.optimizer could not be read as SGD|ADAGRAD|ADAM",
        "flywheel.model.interactions|FFM|flywheel.model.interactions could not be read as NONE|FM",
        "flywheel.kafka.bootstrap-servers| |flywheel.kafka.bootstrap-servers must not be empty",
        "flywheel.kafka.group-id| |flywheel.kafka.group-id must not be empty",
        "flywheel.kafka.transactional-id-prefix| |flywheel.kafka.transactional-id-prefix must not be empty",
        "flywheel.kafka.starting-offsets|NEWEST|flywheel.kafka.starting-offsets could not be read",
        "flywheel.kafka.delivery-guarantee|TWICE|flywheel.kafka.delivery-guarantee could not be read",
        "flywheel.kafka.transaction-timeout|15 min|flywheel.kafka.transaction-timeout must be in [1000 ms, 600000 ms], got 900000 ms",
        "flywheel.kafka.max-record-bytes|10|flywheel.kafka.max-record-bytes must be in",
        "flywheel.kafka.bounded|maybe|flywheel.kafka.bounded could not be read as Boolean",
        "flywheel.model.ids|a,,b|flywheel.model.ids must be '*' or comma-separated non-empty ids",
        "flywheel.model.ids|a,*|flywheel.model.ids must be '*' or comma-separated non-empty ids",
        "flywheel.topic.events|bad topic|flywheel.topic.events must be a Kafka topic name",
        "flywheel.topic.predictions| |flywheel.topic.predictions must not be empty",
        "flywheel.topic.model-updates|a/b|flywheel.topic.model-updates must be a Kafka topic name",
        "flywheel.topic.dlq|events|every topic must be distinct, got 'events' twice",
        "flywheel.decode.max-features|0|flywheel.decode.max-features must be in",
        "flywheel.decode.max-candidates|0|flywheel.decode.max-candidates must be in",
        "flywheel.dlq.max-original-bytes|1000000|flywheel.dlq.max-original-bytes must be in",
        "flywheel.features.crosses|segment*|flywheel.features.crosses must be comma-separated crosses",
        "flywheel.watermark.out-of-orderness|2 h|flywheel.watermark.out-of-orderness must be in",
        "flywheel.watermark.idleness|2 h|flywheel.watermark.idleness must be in",
        "flywheel.join.attribution-window|0 ms|flywheel.join.attribution-window must be in",
        "flywheel.join.click-wait|2 h|flywheel.join.click-wait must be in",
        "flywheel.join.late-click-allowance|2 d|flywheel.join.late-click-allowance must be in",
        "flywheel.join.max-pending|0|flywheel.join.max-pending must be in [1, 100000000], got 0",
        "flywheel.join.state-ttl|11 min|flywheel.join.state-ttl must be at least",
        "flywheel.trainer.max-wait|0 ms|flywheel.trainer.max-wait must be in",
        "flywheel.trainer.publish-interval|1 ms|flywheel.trainer.publish-interval must be in",
        "flywheel.trainer.full-snapshot-every|0|flywheel.trainer.full-snapshot-every must be in",
        "flywheel.model-updates.chunk-bytes|2000000|flywheel.model-updates.chunk-bytes must be in [1024, 1000000]",
        "flywheel.model-updates.max-bytes-per-second|-1|flywheel.model-updates.max-bytes-per-second must be in [0, 1073741824]",
        "flywheel.scorer.restore-hold.max-events|-1|flywheel.scorer.restore-hold.max-events must be in [0, 10000000]",
        "flywheel.scorer.restore-hold.timeout|2h|flywheel.scorer.restore-hold.timeout must be in [0 ms, 3600000 ms]",
        "flywheel.model.seed|x|flywheel.model.seed could not be read",
        "flywheel.checkpoint.interval|10 ms|flywheel.checkpoint.interval must be in",
        "flywheel.parallelism|-1|flywheel.parallelism must be in",
        "flywheel.trainer.batch-siz|64|unknown option flywheel.trainer.batch-siz",
      })
  void rejectsABadValueNamingTheOption(String key, String value, String message) {
    Configuration c = new Configuration();
    c.setString(key, value == null ? "" : value);
    assertThatThrownBy(() -> JobSettings.fromConfiguration(c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void everyOptionHasABadValueTest() throws Exception {
    // keep the table above complete: each option key appears in it
    String table =
        java.util.Arrays.stream(
                JobSettingsTest.class
                    .getDeclaredMethod(
                        "rejectsABadValueNamingTheOption", String.class, String.class, String.class)
                    .getAnnotation(CsvSource.class)
                    .value())
            .map(row -> row.substring(0, row.indexOf('|')))
            .reduce("", (a, b) -> a + " " + b + " ");
    for (ConfigOption<?> option : FlywheelOptions.all()) {
      assertThat(table).as("bad-value row for %s", option.key()).contains(" " + option.key() + " ");
    }
  }

  @Test
  void modelIdsAreAnAllowListUnlessStar() {
    assertThat(JobSettings.defaults().modelIds()).contains(Set.of("default"));
    assertThat(JobSettings.fromArgs("--flywheel.model.ids", " ranker , default,ranker").modelIds())
        .contains(Set.of("ranker", "default"));
    assertThat(JobSettings.fromArgs("--flywheel.model.ids", "*").modelIds()).isEmpty();
  }

  @Test
  void boundedSourceIsOffByDefault() {
    assertThat(JobSettings.defaults().kafkaBounded()).isFalse();
    assertThat(JobSettings.fromArgs("--flywheel.kafka.bounded", "true").kafkaBounded()).isTrue();
  }

  @Test
  void modelCoreValidatesTheCombination() {
    // each value is in range, but 2^28 rows of width 1024 do not fit one array
    assertThatThrownBy(
            () ->
                JobSettings.fromArgs(
                    "--flywheel.model.hash-bits", "28", "--flywheel.model.embedding-dim", "1024"))
        .hasMessageStartingWith("flywheel.model.*: embeddingDim * 2^hashBits must fit");
  }

  @Test
  void interactionsReachTheModelAndFmNeedsHiddenLayers() {
    assertThat(JobSettings.defaults().modelConfig().interactions())
        .isEqualTo(ModelConfig.Interactions.NONE);
    assertThat(
            JobSettings.fromArgs("--flywheel.model.interactions", "fm")
                .modelConfig()
                .hasFactorizationMachine())
        .isTrue();
    assertThatThrownBy(
            () ->
                JobSettings.fromArgs(
                    "--flywheel.model.interactions", "FM", "--flywheel.model.hidden-layers", ""))
        .hasMessageStartingWith("flywheel.model.*: interactions FM needs a deep tower");
  }

  @Test
  void exactlyOnceNeedsTransactionsLongerThanCheckpoints() {
    assertThatThrownBy(
            () ->
                JobSettings.fromArgs(
                    "--flywheel.kafka.delivery-guarantee", "EXACTLY_ONCE",
                    "--flywheel.kafka.transaction-timeout", "30 s",
                    "--flywheel.checkpoint.interval", "1 min"))
        .hasMessageContaining("flywheel.kafka.transaction-timeout must exceed")
        .hasMessageContaining("flywheel.checkpoint.interval");
  }

  @Test
  void malformedArgsAreRejected() {
    assertThatThrownBy(() -> JobSettings.fromArgs("flywheel.trainer.batch-size", "3"))
        .hasMessageContaining("expected --key value");
    assertThatThrownBy(() -> JobSettings.fromArgs("--flywheel.trainer.batch-size"))
        .hasMessageContaining("option --flywheel.trainer.batch-size has no value");
    assertThatThrownBy(() -> JobSettings.fromArgs("--flywheel.kafka.properties.", "x"))
        .hasMessageContaining("needs a property name");
  }

  @Test
  void helpListsEveryOptionWithTypeDefaultAndDescription() {
    assertThat(JobSettings.wantsHelp("--flywheel.trainer.batch-size", "3", "--help")).isTrue();
    assertThat(JobSettings.wantsHelp("--flywheel.trainer.batch-size", "3")).isFalse();
    String help = FlywheelOptions.helpText();
    assertThat(FlywheelOptions.all()).hasSizeGreaterThan(30);
    for (ConfigOption<?> option : FlywheelOptions.all()) {
      assertThat(help).contains("--" + option.key() + "  <" + FlywheelOptions.typeName(option));
      assertThat(help).contains(FlywheelOptions.description(option));
      assertThat(FlywheelOptions.description(option)).isNotBlank();
    }
    assertThat(help)
        .contains("--flywheel.join.attribution-window  <Duration>  default: 10 min")
        .contains("--flywheel.kafka.delivery-guarantee  <AT_LEAST_ONCE|EXACTLY_ONCE|NONE>")
        .contains("--flywheel.kafka.properties.<property>");
  }

  @Test
  void newModelStartsAtTheInitialPrediction() {
    dev.flywheel.model.SparseBatch empty = new dev.flywheel.model.SparseBatch(1, 1);
    empty.endExample(0);
    double[] out = new double[1];

    JobSettings.defaults().newModel().score(empty, out);
    assertThat(out[0]).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-12));

    JobSettings squared =
        JobSettings.fromArgs(
            "--flywheel.model.loss", "SQUARED", "--flywheel.model.initial-prediction", "2.5");
    squared.newModel().score(empty, out);
    assertThat(out[0]).isEqualTo(2.5);
  }
}
