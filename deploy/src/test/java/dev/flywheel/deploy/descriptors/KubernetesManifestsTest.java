package dev.flywheel.deploy.descriptors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.deploy.descriptors.Descriptors.Topic;
import dev.flywheel.jobs.config.JobSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kustomize overlay under deploy/k8s deploys a FlinkDeployment and a Strimzi Kafka that agree
 * with the job, the parent pom and each other.
 */
class KubernetesManifestsTest {

  static List<String> overlays() {
    return Descriptors.overlays();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theFlinkDeploymentRunsTheJobInApplicationModeWithSavepointUpgradesAndHa(String overlay) {
    String where = "deploy/k8s/overlays/" + overlay;
    Map<String, Object> fd = Descriptors.flinkDeployment(Descriptors.overlay(overlay));
    assertEquals("flink.apache.org/v1beta1", fd.get("apiVersion"), where);
    String flink = Repo.parentProperty("flink.version");
    assertEquals(
        "v" + flink.substring(0, flink.lastIndexOf('.')).replace('.', '_'),
        Yamls.at(fd, "spec", "flinkVersion"),
        where + ": flinkVersion must be the parent pom's Flink minor version");
    assertEquals("savepoint", Yamls.at(fd, "spec", "job", "upgradeMode"), where);
    assertEquals("running", Yamls.at(fd, "spec", "job", "state"), where);
    DescriptorChecks.mainClass(Yamls.text(Yamls.at(fd, "spec", "job", "entryClass")), where);
    Map<String, String> config = Descriptors.k8sFlinkConfiguration(fd);
    DescriptorChecks.flinkConfiguration(config, where);
    assertEquals("kubernetes", config.get("high-availability.type"), where + ": Kubernetes HA");
    assertNotNull(config.get("high-availability.storageDir"), where + ": HA storage");
    assertEquals(
        Descriptors.composeImages(Descriptors.compose()).get("jobmanager"),
        Yamls.at(fd, "spec", "image"),
        where + ": the image built from deploy/docker/Dockerfile, as in docker-compose.yml");
    assertEquals(
        "local://" + DockerfileTest.jobJarInImage(),
        Yamls.at(fd, "spec", "job", "jarURI"),
        where + ": jarURI is where the Dockerfile puts the job jar");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theJobsArgumentsAreItsOptionsAndNameTheClustersTopicsAndListener(String overlay) {
    String where = "deploy/k8s/overlays/" + overlay;
    List<Map<String, Object>> resources = Descriptors.overlay(overlay);
    Map<String, Object> fd = Descriptors.flinkDeployment(resources);
    JobSettings settings = DescriptorChecks.jobArgs(Descriptors.k8sJobArgs(fd), where);
    Map<String, Topic> topics = Descriptors.k8sTopics(resources);
    DescriptorChecks.topicsAreOptionDefaults(settings, where);
    DescriptorChecks.topicsMatchJob(topics, settings, where);
    DescriptorChecks.compaction(topics, settings, where);
    int parallelism = ((Number) Yamls.require(fd, where, "spec", "job", "parallelism")).intValue();
    DescriptorChecks.partitionsCoverParallelism(topics, settings, parallelism, where);
    DescriptorChecks.bootstrapIsCluster(settings, resources, where);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void kafkaIsAKraftClusterOfTheParentPomsVersionAndTopicsFitIt(String overlay) {
    String where = "deploy/k8s/overlays/" + overlay;
    List<Map<String, Object>> resources = Descriptors.overlay(overlay);
    DescriptorChecks.strimziKafka(resources, Repo.parentProperty("kafka.version"), where);
    DescriptorChecks.topicPlacement(resources, where);
    int brokers = DescriptorChecks.brokers(resources, where);
    Map<String, Object> config =
        Yamls.map(
            Yamls.require(Kustomize.single(resources, "Kafka"), where, "spec", "kafka", "config"),
            "config");
    for (String key :
        List.of("offsets.topic.replication.factor", "transaction.state.log.replication.factor")) {
      int rf = ((Number) config.get(key)).intValue();
      assertTrue(rf <= brokers, where + ": " + key + " " + rf + " > " + brokers + " brokers");
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyImageIsPinnedAndTheJobImageCarriesTheProjectVersion(String overlay) {
    String where = "deploy/k8s/overlays/" + overlay;
    List<Map<String, Object>> resources = Descriptors.overlay(overlay);
    List<String> images = DescriptorChecks.images(resources);
    assertTrue(!images.isEmpty(), where + ": no image found");
    DescriptorChecks.images(
        images, Repo.parentProperty("flink.version"), Repo.parentProperty("kafka.version"), where);
    assertEquals(
        Repo.projectVersion(),
        DescriptorChecks.tag(
            Yamls.text(Yamls.at(Descriptors.flinkDeployment(resources), "spec", "image"))),
        where + ": the job image built from this version");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyOverlaySetsItsOwnNamespaceAndSize(String overlay) {
    List<Map<String, Object>> resources = Descriptors.overlay(overlay);
    for (Map<String, Object> r : resources) {
      assertNotNull(
          Yamls.at(r, "metadata", "namespace"), overlay + ": " + Kustomize.name(r) + " namespace");
    }
    Map<String, Object> patch =
        Repo.yaml(Repo.path(Descriptors.K8S + "/overlays/" + overlay + "/flink-deployment.yaml"));
    assertNotNull(Yamls.at(patch, "spec", "job", "parallelism"), overlay + " sets parallelism");
    assertNotNull(Yamls.at(patch, "spec", "taskManager", "resource"), overlay + " sizes TMs");
  }

  /**
   * The test renderer ({@link Kustomize}) produces what kustomize itself produces, so every check
   * above judges what {@code kubectl apply -k} would deploy. Runs where kubectl is installed.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void theTestRendererAgreesWithKubectlKustomize(String overlay) throws Exception {
    assumeTrue(
        Commands.works("kubectl", "version", "--client"),
        "kubectl is not installed here: the renderer is not compared with `kubectl kustomize`");
    Commands.Result r =
        Commands.run(
            Duration.ofSeconds(60),
            "kubectl",
            "kustomize",
            Repo.path(Descriptors.K8S + "/overlays/" + overlay).toString());
    assertEquals(0, r.exitCode(), "kubectl kustomize " + overlay + ": " + r.stderr());
    assertEquals(
        byKindAndName(Repo.yamlDocuments(r.stdout())), byKindAndName(Descriptors.overlay(overlay)));
  }

  private static Map<String, Map<String, Object>> byKindAndName(List<Map<String, Object>> rs) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (Map<String, Object> r : rs) {
      out.put(r.get("kind") + "/" + Kustomize.name(r), r);
    }
    return out;
  }
}
