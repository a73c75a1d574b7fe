package dev.flywheel.deploy.descriptors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.deploy.descriptors.Descriptors.Topic;
import dev.flywheel.jobs.config.JobSettings;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml agrees with the job (main class, options, topics), with the parent pom (Flink
 * and Kafka versions) and with the Kubernetes base, and starts things in the right order.
 */
class ComposeDescriptorTest {
  private static final String WHERE = Descriptors.COMPOSE_FILE;

  private final Map<String, Object> compose = Descriptors.compose();

  @Test
  void everyImageIsPinnedAndVersionsComeFromTheParentPom() {
    Map<String, String> images = Descriptors.composeImages(compose);
    assertTrue(
        images.keySet().containsAll(List.of("kafka", "topic-init", "jobmanager")),
        images::toString);
    for (Map.Entry<String, String> e : images.entrySet()) {
      String where = WHERE + " service " + e.getKey();
      DescriptorChecks.images(
          List.of(e.getValue()),
          Repo.parentProperty("flink.version"),
          Repo.parentProperty("kafka.version"),
          where);
      if (Descriptors.service(compose, e.getKey()).containsKey("build")) {
        // Images built here carry the project version, so a stale build is not reused silently.
        assertEquals(Repo.projectVersion(), DescriptorChecks.tag(e.getValue()), where);
      }
    }
    assertEquals("apache/kafka", DescriptorChecks.repository(images.get("kafka")));
    assertEquals(
        images.get("kafka"), images.get("topic-init"), "topic-init uses the broker's image");
    assertEquals(
        images.get("jobmanager"), images.get("taskmanager"), "both Flink processes run one image");
  }

  @Test
  void theJobRunsInApplicationModeWithItsMainClassAndValidOptions() {
    List<String> command = Descriptors.composeJobCommand(compose);
    assertEquals("standalone-job", command.get(0), "application mode: " + command);
    DescriptorChecks.mainClass(Descriptors.composeJobClass(compose), WHERE);
    JobSettings settings = DescriptorChecks.jobArgs(Descriptors.composeJobArgs(compose), WHERE);
    assertEquals("kafka:19092", settings.bootstrapServers(), "the broker's in-network listener");
    assertTrue(
        Yamls.text(
                Yamls.at(compose, "services", "kafka", "environment", "KAFKA_ADVERTISED_LISTENERS"))
            .contains("//" + settings.bootstrapServers()),
        "the broker advertises the address the job connects to");
    assertEquals(
        List.of("taskmanager"),
        Yamls.strings(Descriptors.service(compose, "taskmanager"), WHERE, "command"));
  }

  @Test
  void topicInitCreatesExactlyTheJobsTopicsWithAutoCreationOff() {
    JobSettings settings = DescriptorChecks.jobArgs(Descriptors.composeJobArgs(compose), WHERE);
    Map<String, Topic> topics = Descriptors.composeTopics(compose);
    DescriptorChecks.topicsAreOptionDefaults(settings, WHERE);
    DescriptorChecks.topicsMatchJob(topics, settings, WHERE);
    DescriptorChecks.compaction(topics, settings, WHERE);
    int parallelism =
        Integer.parseInt(
            Descriptors.flinkProperties(compose, "jobmanager").get("parallelism.default"));
    DescriptorChecks.partitionsCoverParallelism(topics, settings, parallelism, WHERE);
    assertEquals(
        "false",
        Yamls.text(
            Yamls.at(
                compose, "services", "kafka", "environment", "KAFKA_AUTO_CREATE_TOPICS_ENABLE")),
        "topics come from topic-init only");
  }

  @Test
  void composeTopicsEqualTheKubernetesBase() {
    DescriptorChecks.sameTopics(
        Descriptors.composeTopics(compose),
        WHERE,
        Descriptors.k8sTopics(Descriptors.base()),
        "deploy/k8s/base");
  }

  @Test
  void servicesStartInOrder() {
    assertTrue(
        Descriptors.service(compose, "kafka").containsKey("healthcheck"), "kafka healthcheck");
    assertEquals(
        "service_healthy",
        Yamls.text(
            Yamls.at(compose, "services", "topic-init", "depends_on", "kafka", "condition")));
    assertEquals(
        "service_completed_successfully",
        Yamls.text(
            Yamls.at(compose, "services", "jobmanager", "depends_on", "topic-init", "condition")),
        "the job starts once every topic exists");
    assertEquals(
        "service_completed_successfully",
        Yamls.text(
            Yamls.at(compose, "services", "simulator", "depends_on", "topic-init", "condition")));
  }

  @Test
  void flinkPropertiesUseFlink2KeysTheReporterAndTheStateVolume() {
    Map<String, String> jm = Descriptors.flinkProperties(compose, "jobmanager");
    assertEquals(jm, Descriptors.flinkProperties(compose, "taskmanager"), "one configuration");
    DescriptorChecks.flinkConfiguration(jm, WHERE + " FLINK_PROPERTIES");
    for (Map.Entry<String, String> e : jm.entrySet()) {
      // The image's entrypoint deletes every blank in a FLINK_PROPERTIES line.
      assertTrue(
          e.getValue().chars().noneMatch(Character::isWhitespace),
          "FLINK_PROPERTIES " + e.getKey() + " has a blank in its value: " + e.getValue());
    }
    for (String service : List.of("jobmanager", "taskmanager")) {
      List<String> volumes =
          Yamls.strings(Descriptors.service(compose, service), service, "volumes");
      for (String key :
          List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
        String dir = jm.get(key).replaceFirst("^file://", "");
        assertTrue(
            volumes.stream().anyMatch(v -> namedVolume(v) != null && dir.startsWith(mountPath(v))),
            service + ": " + key + " " + dir + " is not on a named volume: " + volumes);
      }
    }
  }

  @Test
  void theSimulatorPlaysOnTheJobsTopicsUnderItsProfile() {
    Map<String, Object> simulator = Descriptors.service(compose, "simulator");
    assertEquals(List.of("simulator"), Yamls.strings(simulator, "simulator", "profiles"));
    List<String> args = Yamls.strings(simulator, "simulator", "command");
    JobSettings settings = DescriptorChecks.jobArgs(Descriptors.composeJobArgs(compose), WHERE);
    assertEquals(settings.bootstrapServers(), Descriptors.argument(args, "--bootstrap-servers"));
    assertEquals(settings.eventsTopic(), Descriptors.argument(args, "--events-topic"));
    assertEquals(settings.predictionsTopic(), Descriptors.argument(args, "--predictions-topic"));
    // The simulator is not on this module's classpath: its options are read from its CLI source.
    String cli =
        Repo.read(Repo.path("simulator/src/main/java/dev/flywheel/simulator/SimulatorCli.java"));
    for (String arg : args) {
      if (arg.startsWith("--")) {
        assertTrue(
            cli.contains("\"" + arg + "\""),
            "simulator: " + arg + " is not an option of SimulatorCli");
      }
    }
  }

  @Test
  void monitoringScrapesTheReporterPortAndMountsFilesThatExist() {
    for (String service : List.of("prometheus", "grafana")) {
      Map<String, Object> s = Descriptors.service(compose, service);
      assertEquals(List.of("monitoring"), Yamls.strings(s, service, "profiles"));
      for (String volume : Yamls.strings(s, service, "volumes")) {
        String source = volume.split(":")[0];
        if (source.startsWith("./")) {
          assertTrue(Files.exists(Repo.path(source.substring(2))), service + " mounts " + source);
        }
      }
    }
    String prometheus = Repo.read(Repo.path("deploy/monitoring/prometheus/prometheus.yml"));
    Map<String, Object> config = Repo.yamlDocuments(prometheus).get(0);
    List<String> ports = new ArrayList<>();
    for (Object job : Yamls.list(config.get("scrape_configs"), "scrape_configs")) {
      Map<String, Object> j = Yamls.map(job, "scrape job");
      if (j.get("static_configs") != null) {
        for (Object sc : Yamls.list(j.get("static_configs"), "static_configs")) {
          for (String target : Yamls.strings(Yamls.map(sc, "static"), "static", "targets")) {
            ports.add(target.substring(target.lastIndexOf(':') + 1));
          }
        }
      }
      if (j.get("dns_sd_configs") != null) {
        for (Object sd : Yamls.list(j.get("dns_sd_configs"), "dns_sd_configs")) {
          ports.add(Yamls.text(Yamls.map(sd, "dns").get("port")));
        }
      }
    }
    assertEquals(
        List.of(DescriptorChecks.PROMETHEUS_PORT, DescriptorChecks.PROMETHEUS_PORT),
        ports,
        "JM + TMs");
  }

  @Test
  void theComposeCommandsInTheOperationsGuideNameRealProfilesAndServices() {
    Set<String> profiles = new HashSet<>();
    Map<String, Object> services = Yamls.map(compose.get("services"), "services");
    services
        .values()
        .forEach(
            s -> {
              Object p = Yamls.map(s, "service").get("profiles");
              if (p != null) {
                Yamls.list(p, "profiles").forEach(x -> profiles.add(String.valueOf(x)));
              }
            });
    Matcher profile = Pattern.compile("--profile (\\S+)").matcher("");
    Matcher service =
        Pattern.compile("docker compose (?:exec|logs -f|build|run [^|]*--entrypoint \\S+) (\\S+)")
            .matcher("");
    int commands = 0;
    for (String line : Repo.read(Repo.path("docs/operations.md")).split("\n")) {
      if (!line.contains("docker compose")) {
        continue;
      }
      commands++;
      profile.reset(line);
      while (profile.find()) {
        assertTrue(profiles.contains(profile.group(1)), "docs: no profile " + profile.group(1));
      }
      service.reset(line);
      while (service.find()) {
        assertTrue(services.containsKey(service.group(1)), "docs: no service " + service.group(1));
      }
    }
    assertTrue(commands >= 10, "the guide shows the compose commands, found " + commands);
  }

  /**
   * {@code docker compose config -q}: the compose plugin's own validation. Runs where the Docker
   * client has the compose plugin; elsewhere only this check is skipped, with the reason.
   */
  @Test
  void dockerComposeAcceptsTheFile() throws Exception {
    assumeTrue(
        composePluginAvailable(),
        "docker compose is not installed here (the Docker client has no compose plugin):"
            + " `docker compose config -q` not run; the YAML checks above still ran");
    Commands.Result r =
        Commands.run(
            Duration.ofSeconds(60),
            "docker",
            "compose",
            "-f",
            Repo.path(WHERE).toString(),
            "config",
            "-q");
    assertEquals(0, r.exitCode(), "docker compose config -q: " + r.stdout() + r.stderr());
  }

  private static boolean composePluginAvailable() {
    return Commands.works("docker", "compose", "version");
  }

  /** The named volume of a {@code NAME:/path} volume entry, or null for a bind mount. */
  private String namedVolume(String volume) {
    String source = volume.split(":")[0];
    Object declared = Yamls.at(compose, "volumes");
    return !source.startsWith(".")
            && !source.startsWith("/")
            && declared instanceof Map<?, ?> m
            && m.containsKey(source)
        ? source
        : null;
  }

  private static String mountPath(String volume) {
    return volume.split(":")[1];
  }
}
