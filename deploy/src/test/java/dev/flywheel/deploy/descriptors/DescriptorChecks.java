package dev.flywheel.deploy.descriptors;

import dev.flywheel.deploy.descriptors.Descriptors.Topic;
import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.config.JobSettings;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.ConfigOption;

/**
 * The rules the descriptors must follow, each a static method that throws an {@link AssertionError}
 * naming the file and the drift. Tests apply them to the real descriptors and, to prove each can
 * fail, to mutated copies.
 */
final class DescriptorChecks {
  private DescriptorChecks() {}

  static final String PROMETHEUS_REPORTER_FACTORY =
      "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
  static final String PROMETHEUS_PORT = "9249";

  // ---------------------------------------------------------------- images

  /** An image names a tag (or digest), and the tag is not {@code latest}. */
  static void pinned(String image, String where) {
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int slash = name.lastIndexOf('/');
    int colon = name.indexOf(':', slash + 1);
    if (image.contains("@sha256:")) {
      return;
    }
    if (colon < 0 || colon == name.length() - 1) {
      throw new AssertionError(where + ": image '" + image + "' has no tag");
    }
    if (name.substring(colon + 1).equals("latest")) {
      throw new AssertionError(where + ": image '" + image + "' uses the moving tag latest");
    }
    if (image.contains("${")) {
      throw new AssertionError(where + ": image '" + image + "' is not a literal tag");
    }
  }

  /** The repository part of an image, e.g. {@code flink} or {@code apache/kafka}. */
  static String repository(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.indexOf(':', slash + 1);
    return colon < 0 ? image : image.substring(0, colon);
  }

  /** The tag of an image. */
  static String tag(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.indexOf(':', slash + 1);
    return colon < 0 ? "" : image.substring(colon + 1);
  }

  /** An official Flink image of the parent pom's Flink version, on Java 17. */
  static void flinkImage(String image, String flinkVersion, String where) {
    pinned(image, where);
    String tag = tag(image);
    if (!repository(image).equals("flink")
        || !tag.startsWith(flinkVersion + "-")
        || !tag.contains("java17")) {
      throw new AssertionError(
          where
              + ": Flink image '"
              + image
              + "' must be flink:"
              + flinkVersion
              + "-...java17 (parent pom <flink.version> "
              + flinkVersion
              + ", Java 17)");
    }
  }

  /** Every value of an {@code image} key anywhere under {@code node}. */
  static List<String> images(Object node) {
    List<String> out = new ArrayList<>();
    if (node instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if ("image".equals(k) && v instanceof String s) {
              out.add(s);
            } else {
              out.addAll(images(v));
            }
          });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> out.addAll(images(v)));
    }
    return out;
  }

  /**
   * Every image is pinned; an official Flink image is the parent pom's Flink on Java 17, an
   * official Kafka image the parent pom's Kafka.
   */
  static void images(List<String> images, String flinkVersion, String kafkaVersion, String where) {
    for (String image : images) {
      pinned(image, where);
      if (repository(image).equals("flink")) {
        flinkImage(image, flinkVersion, where);
      }
      if (repository(image).equals("apache/kafka")) {
        kafkaImage(image, kafkaVersion, where);
      }
    }
  }

  /** The official Kafka image of the parent pom's Kafka version. */
  static void kafkaImage(String image, String kafkaVersion, String where) {
    pinned(image, where);
    if (!tag(image).equals(kafkaVersion)) {
      throw new AssertionError(
          where
              + ": Kafka image '"
              + image
              + "' differs from the parent pom's <kafka.version> "
              + kafkaVersion);
    }
  }

  // ---------------------------------------------------------------- the job

  /**
   * Every {@code --flywheel.*} argument is an option of {@link FlywheelOptions} (or a Kafka client
   * property under its prefix), and the job's own parser accepts the whole list.
   */
  static JobSettings jobArgs(List<String> args, String where) {
    Set<String> known = new HashSet<>();
    for (ConfigOption<?> o : FlywheelOptions.all()) {
      known.add(o.key());
    }
    for (String arg : args) {
      if (!arg.startsWith("--flywheel.")) {
        continue;
      }
      String key = arg.substring(2).split("=", 2)[0];
      if (!known.contains(key) && !key.startsWith(FlywheelOptions.KAFKA_PROPERTIES_PREFIX)) {
        throw new AssertionError(where + ": --" + key + " is not an option of FlywheelOptions");
      }
    }
    try {
      return JobSettings.fromArgs(args.toArray(new String[0]));
    } catch (IllegalArgumentException e) {
      throw new AssertionError(where + ": the job rejects its arguments: " + e.getMessage(), e);
    }
  }

  /** The job's four topics, by role. */
  static Map<String, String> jobTopics(JobSettings settings) {
    Map<String, String> topics = new LinkedHashMap<>();
    topics.put("events", settings.eventsTopic());
    topics.put("predictions", settings.predictionsTopic());
    topics.put("model-updates", settings.modelUpdatesTopic());
    topics.put("dlq", settings.dlqTopic());
    return topics;
  }

  /** The job runs on the topics named by the defaults of its options. */
  static void topicsAreOptionDefaults(JobSettings settings, String where) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("events", FlywheelOptions.TOPIC_EVENTS.defaultValue());
    defaults.put("predictions", FlywheelOptions.TOPIC_PREDICTIONS.defaultValue());
    defaults.put("model-updates", FlywheelOptions.TOPIC_MODEL_UPDATES.defaultValue());
    defaults.put("dlq", FlywheelOptions.TOPIC_DLQ.defaultValue());
    if (!defaults.equals(jobTopics(settings))) {
      throw new AssertionError(
          where
              + ": the job's topics "
              + jobTopics(settings)
              + " differ from FlywheelOptions' defaults "
              + defaults);
    }
  }

  /** The descriptor creates exactly the job's topics. */
  static void topicsMatchJob(Map<String, Topic> topics, JobSettings settings, String where) {
    Set<String> expected = new TreeSet<>(jobTopics(settings).values());
    if (!expected.equals(new TreeSet<>(topics.keySet()))) {
      throw new AssertionError(
          where
              + ": creates topics "
              + new TreeSet<>(topics.keySet())
              + ", the job uses "
              + expected);
    }
  }

  /** model-updates is compacted (latest publications per model id); no other topic is. */
  static void compaction(Map<String, Topic> topics, JobSettings settings, String where) {
    for (Topic t : topics.values()) {
      boolean shouldCompact = t.name().equals(settings.modelUpdatesTopic());
      if (t.compacted() != shouldCompact) {
        throw new AssertionError(
            where
                + ": topic "
                + t.name()
                + (shouldCompact ? " must be compacted" : " must not be compacted")
                + ", cleanup.policy="
                + t.config().get("cleanup.policy"));
      }
    }
  }

  /** Two descriptors declare the same partitions and cleanup policy for every topic. */
  static void sameTopics(Map<String, Topic> a, String whereA, Map<String, Topic> b, String whereB) {
    if (!a.keySet().equals(b.keySet())) {
      throw new AssertionError(
          whereA + " has topics " + a.keySet() + ", " + whereB + " has " + b.keySet());
    }
    for (Topic t : a.values()) {
      Topic u = b.get(t.name());
      if (t.partitions() != u.partitions() || t.compacted() != u.compacted()) {
        throw new AssertionError(
            "topic "
                + t.name()
                + ": "
                + whereA
                + " has "
                + t.partitions()
                + " partitions"
                + (t.compacted() ? " (compacted)" : "")
                + ", "
                + whereB
                + " has "
                + u.partitions()
                + (u.compacted() ? " (compacted)" : ""));
      }
    }
  }

  /** Every source subtask of the events topic gets at least one partition. */
  static void partitionsCoverParallelism(
      Map<String, Topic> topics, JobSettings settings, int parallelism, String where) {
    Topic events = topics.get(settings.eventsTopic());
    if (events == null || events.partitions() < parallelism) {
      throw new AssertionError(
          where
              + ": the events topic has "
              + (events == null ? 0 : events.partitions())
              + " partitions for parallelism "
              + parallelism
              + ": source subtasks would idle");
    }
  }

  /** The class exists on the classpath and has {@code public static void main(String[])}. */
  static void mainClass(String className, String where) {
    try {
      Method main = Class.forName(className).getMethod("main", String[].class);
      if (!Modifier.isStatic(main.getModifiers())) {
        throw new AssertionError(where + ": " + className + ".main is not static");
      }
    } catch (ClassNotFoundException e) {
      throw new AssertionError(where + ": main class " + className + " is not on the classpath");
    } catch (NoSuchMethodException e) {
      throw new AssertionError(where + ": " + className + " has no main(String[])");
    }
  }

  // ---------------------------------------------------------------- Flink configuration

  /**
   * A Flink configuration of the job: current Flink 2 keys only, the Prometheus reporter on, heap
   * state (the model is one large value per key), TaskManagers with G1 regions of 4 MiB, checkpoint
   * and savepoint directories set.
   */
  /** The G1 region size the TaskManagers run with, as the local launcher's. */
  static final String G1_REGIONS = "-XX:G1HeapRegionSize=4m";

  static void flinkConfiguration(Map<String, String> config, String where) {
    config.keySet().forEach(k -> FlinkKeys.check(k, where));
    expect(config, "metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER_FACTORY, where);
    expect(config, "metrics.reporter.prom.port", PROMETHEUS_PORT, where);
    expect(config, "state.backend.type", "hashmap", where);
    String taskManagerJvm = config.getOrDefault("env.java.opts.taskmanager", "");
    if (!List.of(taskManagerJvm.split("\\s+")).contains(G1_REGIONS)) {
      // the Kafka clients' 1 MiB fetch buffers and the 512 KiB model-update chunks below G1's
      // large-object threshold (docs/operations.md, "JVM")
      throw new AssertionError(
          where + ": env.java.opts.taskmanager (" + taskManagerJvm + ") lacks " + G1_REGIONS);
    }
    for (String key :
        List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")) {
      if (config.get(key) == null || config.get(key).isBlank()) {
        throw new AssertionError(where + ": " + key + " is not set");
      }
    }
  }

  private static void expect(Map<String, String> config, String key, String value, String where) {
    if (!value.equals(config.get(key))) {
      throw new AssertionError(where + ": " + key + " is " + config.get(key) + ", not " + value);
    }
  }

  // ---------------------------------------------------------------- Strimzi

  /** The Strimzi Kafka cluster: the parent pom's Kafka version, KRaft, no auto-created topics. */
  static void strimziKafka(List<Map<String, Object>> resources, String kafkaVersion, String where) {
    Map<String, Object> kafka = Kustomize.single(resources, "Kafka");
    String version = Yamls.text(Yamls.require(kafka, where, "spec", "kafka", "version"));
    if (!kafkaVersion.equals(version)) {
      throw new AssertionError(
          where + ": Kafka version " + version + " differs from <kafka.version> " + kafkaVersion);
    }
    String metadata = Yamls.text(Yamls.at(kafka, "spec", "kafka", "metadataVersion"));
    String minor = kafkaVersion.substring(0, kafkaVersion.lastIndexOf('.'));
    if (metadata != null && !metadata.startsWith(minor + "-")) {
      throw new AssertionError(
          where + ": metadataVersion " + metadata + " is not one of Kafka " + minor);
    }
    if (Yamls.at(kafka, "spec", "zookeeper") != null) {
      throw new AssertionError(where + ": Kafka must run in KRaft mode, without ZooKeeper");
    }
    Object autoCreate = Yamls.at(kafka, "spec", "kafka", "config", "auto.create.topics.enable");
    if (!"false".equals(Yamls.text(autoCreate))) {
      throw new AssertionError(where + ": auto.create.topics.enable must be false");
    }
    Set<String> roles = new HashSet<>();
    for (Map<String, Object> pool : Kustomize.all(resources, "KafkaNodePool")) {
      if (!Kustomize.name(kafka)
          .equals(Yamls.at(pool, "metadata", "labels", "strimzi.io/cluster"))) {
        throw new AssertionError(
            where + ": KafkaNodePool " + Kustomize.name(pool) + " belongs to another cluster");
      }
      roles.addAll(Yamls.strings(pool, where, "spec", "roles"));
    }
    if (!roles.containsAll(List.of("controller", "broker"))) {
      throw new AssertionError(where + ": the node pools have roles " + roles + ", need both");
    }
  }

  /** Brokers in the cluster's node pools. */
  static int brokers(List<Map<String, Object>> resources, String where) {
    int brokers = 0;
    for (Map<String, Object> pool : Kustomize.all(resources, "KafkaNodePool")) {
      if (Yamls.strings(pool, where, "spec", "roles").contains("broker")) {
        brokers += ((Number) Yamls.require(pool, where, "spec", "replicas")).intValue();
      }
    }
    return brokers;
  }

  /** Topics belong to the cluster, fit its brokers, and tolerate a broker loss when replicated. */
  static void topicPlacement(List<Map<String, Object>> resources, String where) {
    String cluster = Kustomize.name(Kustomize.single(resources, "Kafka"));
    int brokers = brokers(resources, where);
    for (Map<String, Object> t : Kustomize.all(resources, "KafkaTopic")) {
      String name = Kustomize.name(t);
      if (!cluster.equals(Yamls.at(t, "metadata", "labels", "strimzi.io/cluster"))) {
        throw new AssertionError(
            where + ": KafkaTopic " + name + " is not labelled for " + cluster);
      }
    }
    for (Topic t : Descriptors.k8sTopics(resources).values()) {
      if (t.replicas() > brokers) {
        throw new AssertionError(
            where
                + ": topic "
                + t.name()
                + " has "
                + t.replicas()
                + " replicas, "
                + brokers
                + " brokers");
      }
      String minIsr = t.config().get("min.insync.replicas");
      if (t.replicas() > 1 && (minIsr == null || Integer.parseInt(minIsr) >= t.replicas())) {
        throw new AssertionError(
            where
                + ": topic "
                + t.name()
                + " with "
                + t.replicas()
                + " replicas needs min.insync.replicas below that, got "
                + minIsr);
      }
    }
  }

  /** The job's bootstrap servers are the Strimzi cluster's plain internal listener. */
  static void bootstrapIsCluster(
      JobSettings settings, List<Map<String, Object>> resources, String where) {
    Map<String, Object> kafka = Kustomize.single(resources, "Kafka");
    String expected = null;
    for (Object l :
        Yamls.list(Yamls.require(kafka, where, "spec", "kafka", "listeners"), "listeners")) {
      Map<String, Object> listener = Yamls.map(l, "listener");
      if ("internal".equals(listener.get("type")) && Boolean.FALSE.equals(listener.get("tls"))) {
        expected = Kustomize.name(kafka) + "-kafka-bootstrap:" + listener.get("port");
      }
    }
    if (expected == null || !expected.equals(settings.bootstrapServers())) {
      throw new AssertionError(
          where
              + ": the job connects to "
              + settings.bootstrapServers()
              + ", the cluster's plain listener is "
              + expected);
    }
  }
}
