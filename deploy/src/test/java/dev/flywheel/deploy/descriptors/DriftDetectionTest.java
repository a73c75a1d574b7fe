package dev.flywheel.deploy.descriptors;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.deploy.descriptors.Descriptors.Topic;
import dev.flywheel.jobs.config.JobSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each check fails on drift: applied to a mutated copy of the real descriptor (the same check
 * passes on the original first, so the mutation is what it catches).
 */
class DriftDetectionTest {
  private static final String FLINK = Repo.parentProperty("flink.version");
  private static final String KAFKA = Repo.parentProperty("kafka.version");

  private static void drift(Executable original, Executable mutated, String expectedMessage) {
    assertDoesNotThrow(original, "the check must pass on the real descriptor");
    AssertionError e = assertThrows(AssertionError.class, mutated, "drift went unnoticed");
    assertTrue(
        e.getMessage().contains(expectedMessage),
        "expected a message about '" + expectedMessage + "', got: " + e.getMessage());
  }

  private static JobSettings composeSettings(Map<String, Object> compose) {
    return DescriptorChecks.jobArgs(Descriptors.composeJobArgs(compose), "compose");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> topicInitCommand(Map<String, Object> compose) {
    return (List<Object>) Yamls.at(compose, "services", "topic-init", "command");
  }

  @Test
  void modelUpdatesLosingCompactionIsCaught() {
    Map<String, Object> compose = Descriptors.compose();
    Map<String, Object> mutated = Yamls.copy(compose);
    List<Object> command = topicInitCommand(mutated);
    command.set(
        0, String.valueOf(command.get(0)).replace("cleanup.policy=compact", "retention.ms=1"));
    drift(
        () ->
            DescriptorChecks.compaction(
                Descriptors.composeTopics(compose), composeSettings(compose), "c"),
        () ->
            DescriptorChecks.compaction(
                Descriptors.composeTopics(mutated), composeSettings(mutated), "c"),
        "model-updates must be compacted");
  }

  @Test
  void aTopicTheJobDoesNotUseOrAMissingTopicIsCaught() {
    Map<String, Object> compose = Descriptors.compose();
    Map<String, Object> mutated = Yamls.copy(compose);
    List<Object> command = topicInitCommand(mutated);
    command.set(
        0, String.valueOf(command.get(0)).replace("create events-dlq ", "create dead-letters "));
    drift(
        () ->
            DescriptorChecks.topicsMatchJob(
                Descriptors.composeTopics(compose), composeSettings(compose), "c"),
        () ->
            DescriptorChecks.topicsMatchJob(
                Descriptors.composeTopics(mutated), composeSettings(mutated), "c"),
        "dead-letters");
  }

  @Test
  void anOptionTheJobDoesNotKnowOrABadValueIsCaught() {
    List<String> args = Descriptors.composeJobArgs(Descriptors.compose());
    List<String> unknown = new ArrayList<>(args);
    unknown.set(unknown.indexOf("--flywheel.topic.dlq"), "--flywheel.topic.dead-letters");
    drift(
        () -> DescriptorChecks.jobArgs(args, "c"),
        () -> DescriptorChecks.jobArgs(unknown, "c"),
        "--flywheel.topic.dead-letters is not an option of FlywheelOptions");
    List<String> badValue = new ArrayList<>(args);
    badValue.set(badValue.indexOf("--flywheel.checkpoint.interval") + 1, "often");
    drift(
        () -> DescriptorChecks.jobArgs(args, "c"),
        () -> DescriptorChecks.jobArgs(badValue, "c"),
        "the job rejects its arguments");
  }

  @Test
  void topicNamesThatAreNotTheOptionDefaultsAreCaught() {
    List<String> args = Descriptors.composeJobArgs(Descriptors.compose());
    List<String> renamed = new ArrayList<>(args);
    renamed.set(renamed.indexOf("--flywheel.topic.events") + 1, "clicks");
    drift(
        () -> DescriptorChecks.topicsAreOptionDefaults(DescriptorChecks.jobArgs(args, "c"), "c"),
        () -> DescriptorChecks.topicsAreOptionDefaults(DescriptorChecks.jobArgs(renamed, "c"), "c"),
        "differ from FlywheelOptions' defaults");
  }

  @Test
  void imagesOffTheParentPomsVersionsOrUnpinnedAreCaught() {
    String kafka = Descriptors.composeImages(Descriptors.compose()).get("kafka");
    drift(
        () -> DescriptorChecks.kafkaImage(kafka, KAFKA, "c"),
        () -> DescriptorChecks.kafkaImage("apache/kafka:4.1.0", KAFKA, "c"),
        "differs from the parent pom's <kafka.version>");
    String flink = "flink:" + FLINK + "-scala_2.12-java17";
    drift(
        () -> DescriptorChecks.flinkImage(flink, FLINK, "c"),
        () -> DescriptorChecks.flinkImage("flink:2.1.0-scala_2.12-java17", FLINK, "c"),
        "<flink.version>");
    drift(
        () -> DescriptorChecks.flinkImage(flink, FLINK, "c"),
        () -> DescriptorChecks.flinkImage("flink:" + FLINK + "-scala_2.12-java11", FLINK, "c"),
        "Java 17");
    drift(
        () -> DescriptorChecks.pinned("prom/prometheus:v3.7.3", "c"),
        () -> DescriptorChecks.pinned("prom/prometheus:latest", "c"),
        "latest");
    drift(
        () -> DescriptorChecks.images(List.of(flink), FLINK, KAFKA, "c"),
        () -> DescriptorChecks.images(List.of(flink, "flink:1.20.1-java17"), FLINK, KAFKA, "c"),
        "flink:1.20.1-java17");
    drift(
        () -> DescriptorChecks.pinned("grafana/grafana:12.2.1", "c"),
        () -> DescriptorChecks.pinned("grafana/grafana", "c"),
        "has no tag");
  }

  @Test
  void deprecatedOrMistypedFlinkKeysAndAMissingReporterAreCaught() {
    Map<String, String> config = Descriptors.flinkProperties(Descriptors.compose(), "jobmanager");
    Map<String, String> deprecated = Yamls.copy(config);
    deprecated.put("state.checkpoints.dir", deprecated.remove("execution.checkpointing.dir"));
    drift(
        () -> DescriptorChecks.flinkConfiguration(config, "c"),
        () -> DescriptorChecks.flinkConfiguration(deprecated, "c"),
        "use 'execution.checkpointing.dir'");
    Map<String, String> typo = Yamls.copy(config);
    typo.put("execution.checkpointing.intervall", "10s");
    drift(
        () -> DescriptorChecks.flinkConfiguration(config, "c"),
        () -> DescriptorChecks.flinkConfiguration(typo, "c"),
        "is not a Flink configuration key");
    Map<String, String> noReporter = Yamls.copy(config);
    noReporter.remove("metrics.reporter.prom.factory.class");
    drift(
        () -> DescriptorChecks.flinkConfiguration(config, "c"),
        () -> DescriptorChecks.flinkConfiguration(noReporter, "c"),
        "metrics.reporter.prom.factory.class");
  }

  @Test
  void tooFewPartitionsForTheParallelismAreCaught() {
    List<Map<String, Object>> prod = Descriptors.overlay("prod");
    JobSettings settings =
        DescriptorChecks.jobArgs(Descriptors.k8sJobArgs(Descriptors.flinkDeployment(prod)), "prod");
    List<Map<String, Object>> mutated = Yamls.copy(prod);
    for (Map<String, Object> t : Kustomize.all(mutated, "KafkaTopic")) {
      if ("events".equals(Kustomize.name(t))) {
        Yamls.map(t.get("spec"), "spec").put("partitions", 6);
      }
    }
    drift(
        () ->
            DescriptorChecks.partitionsCoverParallelism(
                Descriptors.k8sTopics(prod), settings, 12, "p"),
        () ->
            DescriptorChecks.partitionsCoverParallelism(
                Descriptors.k8sTopics(mutated), settings, 12, "p"),
        "6 partitions for parallelism 12");
  }

  @Test
  void composeAndKubernetesDisagreeingOnPartitionsIsCaught() {
    Map<String, Topic> compose = Descriptors.composeTopics(Descriptors.compose());
    Map<String, Topic> base = Descriptors.k8sTopics(Descriptors.base());
    List<Map<String, Object>> mutated = Descriptors.base();
    for (Map<String, Object> t : Kustomize.all(mutated, "KafkaTopic")) {
      if ("predictions".equals(Kustomize.name(t))) {
        Yamls.map(t.get("spec"), "spec").put("partitions", 8);
      }
    }
    drift(
        () -> DescriptorChecks.sameTopics(compose, "compose", base, "base"),
        () ->
            DescriptorChecks.sameTopics(compose, "compose", Descriptors.k8sTopics(mutated), "base"),
        "topic predictions");
  }

  @Test
  void aKafkaClusterOffVersionUnderReplicatedOrElsewhereIsCaught() {
    List<Map<String, Object>> prod = Descriptors.overlay("prod");
    List<Map<String, Object>> oldKafka = Yamls.copy(prod);
    Yamls.map(Yamls.at(Kustomize.single(oldKafka, "Kafka"), "spec", "kafka"), "kafka")
        .put("version", "4.1.0");
    drift(
        () -> DescriptorChecks.strimziKafka(prod, KAFKA, "p"),
        () -> DescriptorChecks.strimziKafka(oldKafka, KAFKA, "p"),
        "differs from <kafka.version>");

    List<Map<String, Object>> oneBroker = Yamls.copy(prod);
    Yamls.map(Kustomize.single(oneBroker, "KafkaNodePool").get("spec"), "spec").put("replicas", 1);
    drift(
        () -> DescriptorChecks.topicPlacement(prod, "p"),
        () -> DescriptorChecks.topicPlacement(oneBroker, "p"),
        "3 replicas, 1 brokers");

    List<Map<String, Object>> renamed = Yamls.copy(prod);
    Yamls.map(Kustomize.single(renamed, "Kafka").get("metadata"), "metadata")
        .put("name", "events-cluster");
    JobSettings settings =
        DescriptorChecks.jobArgs(Descriptors.k8sJobArgs(Descriptors.flinkDeployment(prod)), "p");
    drift(
        () -> DescriptorChecks.bootstrapIsCluster(settings, prod, "p"),
        () -> DescriptorChecks.bootstrapIsCluster(settings, renamed, "p"),
        "events-cluster-kafka-bootstrap:9092");
  }

  @Test
  void aMainClassThatDoesNotExistIsCaught() {
    String real = Descriptors.composeJobClass(Descriptors.compose());
    drift(
        () -> DescriptorChecks.mainClass(real, "c"),
        () -> DescriptorChecks.mainClass("dev.flywheel.jobs.OldJob", "c"),
        "is not on the classpath");
  }

  @Test
  void aPatchForAResourceTheBaseDoesNotHaveIsCaught(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "resources:\n  - "
            + Repo.path(Descriptors.K8S + "/base")
            + "\npatches:\n  - path: patch.yaml\n");
    Files.writeString(
        dir.resolve("patch.yaml"),
        "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata:\n  name: flywheel-old\n"
            + "spec:\n  job:\n    parallelism: 4\n");
    AssertionError e = assertThrows(AssertionError.class, () -> Kustomize.render(dir));
    assertTrue(e.getMessage().contains("flywheel-old, which is absent"), e.getMessage());
  }
}
