package dev.flywheel.deploy.descriptors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the deployment descriptors into the few facts the checks compare: topics, job arguments,
 * Flink configuration, images, Dockerfile instructions. Every reader takes parsed YAML so a test
 * can hand it a mutated copy.
 */
final class Descriptors {
  private Descriptors() {}

  /** A Kafka topic as a descriptor declares it. */
  record Topic(String name, int partitions, int replicas, Map<String, String> config) {
    boolean compacted() {
      String policy = config.get("cleanup.policy");
      return policy != null && List.of(policy.split(",")).contains("compact");
    }
  }

  /** One Dockerfile instruction: keyword (upper case) and its arguments. */
  record Instruction(String keyword, String arguments) {}

  static final String COMPOSE_FILE = "docker-compose.yml";
  static final String JOB_DOCKERFILE = "deploy/docker/Dockerfile";
  static final String SIMULATOR_DOCKERFILE = "deploy/docker/simulator.Dockerfile";
  static final String K8S = "deploy/k8s";

  /** docker-compose.yml, parsed. */
  static Map<String, Object> compose() {
    return Repo.yaml(Repo.path(COMPOSE_FILE));
  }

  /** The kustomize overlays under deploy/k8s/overlays. */
  static List<String> overlays() {
    return List.of("dev", "prod");
  }

  /** What {@code overlay} deploys, rendered. */
  static List<Map<String, Object>> overlay(String overlay) {
    return Kustomize.render(Repo.path(K8S + "/overlays/" + overlay));
  }

  /** What the kustomize base deploys, rendered. */
  static List<Map<String, Object>> base() {
    return Kustomize.render(Repo.path(K8S + "/base"));
  }

  static Map<String, Object> service(Map<String, Object> compose, String name) {
    return Yamls.map(
        Yamls.require(compose, COMPOSE_FILE, "services", name), COMPOSE_FILE + " " + name);
  }

  /** Every service's image, by service name (services that only build have none). */
  static Map<String, String> composeImages(Map<String, Object> compose) {
    Map<String, String> images = new LinkedHashMap<>();
    Yamls.map(compose.get("services"), "services")
        .forEach(
            (name, s) -> {
              Object image = Yamls.map(s, name).get("image");
              if (image != null) {
                images.put(name, String.valueOf(image));
              }
            });
    return images;
  }

  private static final Pattern CREATE =
      Pattern.compile("^\\s*create\\s+(\\S+)\\s+(\\d+)((?:\\s+\\S+=\\S+)*)\\s*$");

  /** The topics topic-init creates: its {@code create NAME PARTITIONS [K=V...]} lines. */
  static Map<String, Topic> composeTopics(Map<String, Object> compose) {
    Map<String, Object> init = service(compose, "topic-init");
    String script = String.join("\n", Yamls.strings(init, "topic-init", "command"));
    Map<String, Topic> topics = new LinkedHashMap<>();
    for (String line : script.split("\n")) {
      Matcher m = CREATE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> config = new LinkedHashMap<>();
      for (String kv : m.group(3).trim().split("\\s+")) {
        if (!kv.isEmpty()) {
          config.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
      }
      if (topics.put(m.group(1), new Topic(m.group(1), Integer.parseInt(m.group(2)), 1, config))
          != null) {
        throw new AssertionError("topic-init creates " + m.group(1) + " twice");
      }
    }
    return topics;
  }

  /** The JobManager's command: standalone-job, --job-classname NAME, then the job's args. */
  static List<String> composeJobCommand(Map<String, Object> compose) {
    return Yamls.strings(service(compose, "jobmanager"), "jobmanager", "command");
  }

  /** The main class the JobManager runs ({@code --job-classname}). */
  static String composeJobClass(Map<String, Object> compose) {
    List<String> command = composeJobCommand(compose);
    int i = command.indexOf("--job-classname");
    if (i < 0 || i + 1 >= command.size()) {
      throw new AssertionError("jobmanager: no --job-classname in " + command);
    }
    return command.get(i + 1);
  }

  /** The job's own arguments: what follows {@code --job-classname NAME}. */
  static List<String> composeJobArgs(Map<String, Object> compose) {
    List<String> command = composeJobCommand(compose);
    int i = command.indexOf("--job-classname");
    return new ArrayList<>(command.subList(Math.min(i + 2, command.size()), command.size()));
  }

  /** A service's FLINK_PROPERTIES as key/value pairs, in order. */
  static Map<String, String> flinkProperties(Map<String, Object> compose, String service) {
    Object text =
        Yamls.require(service(compose, service), service, "environment", "FLINK_PROPERTIES");
    Map<String, String> properties = new LinkedHashMap<>();
    for (String line : String.valueOf(text).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new AssertionError(service + " FLINK_PROPERTIES: not 'key: value': " + line);
      }
      properties.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
    }
    return properties;
  }

  /** The value following {@code option} in an argument list, or null. */
  static String argument(List<String> args, String option) {
    int i = args.indexOf(option);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  /** The FlinkDeployment of rendered manifests. */
  static Map<String, Object> flinkDeployment(List<Map<String, Object>> resources) {
    return Kustomize.single(resources, "FlinkDeployment");
  }

  /** A FlinkDeployment's job arguments. */
  static List<String> k8sJobArgs(Map<String, Object> flinkDeployment) {
    return Yamls.strings(flinkDeployment, "FlinkDeployment", "spec", "job", "args");
  }

  /** A FlinkDeployment's flinkConfiguration, values as text. */
  static Map<String, String> k8sFlinkConfiguration(Map<String, Object> flinkDeployment) {
    Map<String, String> config = new LinkedHashMap<>();
    Yamls.map(
            Yamls.require(flinkDeployment, "FlinkDeployment", "spec", "flinkConfiguration"),
            "flinkConfiguration")
        .forEach((k, v) -> config.put(k, Yamls.text(v)));
    return config;
  }

  /** The KafkaTopics of rendered manifests, by topic name. */
  static Map<String, Topic> k8sTopics(List<Map<String, Object>> resources) {
    Map<String, Topic> topics = new LinkedHashMap<>();
    for (Map<String, Object> t : Kustomize.all(resources, "KafkaTopic")) {
      String where = "KafkaTopic " + Kustomize.name(t);
      Object topicName = Yamls.at(t, "spec", "topicName");
      String name = topicName != null ? String.valueOf(topicName) : Kustomize.name(t);
      Map<String, String> config = new LinkedHashMap<>();
      Object c = Yamls.at(t, "spec", "config");
      if (c != null) {
        Yamls.map(c, where + " config").forEach((k, v) -> config.put(k, Yamls.text(v)));
      }
      Topic topic =
          new Topic(
              name,
              ((Number) Yamls.require(t, where, "spec", "partitions")).intValue(),
              ((Number) Yamls.require(t, where, "spec", "replicas")).intValue(),
              config);
      if (topics.put(name, topic) != null) {
        throw new AssertionError("two KafkaTopics for topic " + name);
      }
    }
    return topics;
  }

  /** The instructions of a Dockerfile (continuation lines joined, comments dropped). */
  static List<Instruction> dockerfile(Path file) {
    List<Instruction> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Repo.read(file).split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      boolean continued = line.endsWith("\\");
      current.append(continued ? line.substring(0, line.length() - 1) : line).append(' ');
      if (!continued) {
        String text = current.toString().strip();
        current.setLength(0);
        if (!text.isEmpty()) {
          int space = text.indexOf(' ');
          out.add(
              new Instruction(
                  (space < 0 ? text : text.substring(0, space)).toUpperCase(),
                  space < 0 ? "" : text.substring(space + 1).strip()));
        }
      }
    }
    return out;
  }

  /** The instructions of {@code keyword}. */
  static List<String> instructions(List<Instruction> dockerfile, String keyword) {
    List<String> out = new ArrayList<>();
    for (Instruction i : dockerfile) {
      if (i.keyword().equals(keyword)) {
        out.add(i.arguments());
      }
    }
    return out;
  }

  /** A COPY instruction's source and destination, {@code --flags} dropped. */
  static List<String> copyPaths(String copyArguments) {
    List<String> paths = new ArrayList<>();
    for (String word : copyArguments.split("\\s+")) {
      if (!word.startsWith("--")) {
        paths.add(word);
      }
    }
    return paths;
  }
}
