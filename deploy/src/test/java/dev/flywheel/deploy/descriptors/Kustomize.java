package dev.flywheel.deploy.descriptors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of kustomize our manifests use, so the tests can check what an overlay deploys without a
 * kustomize binary: {@code resources} (files and directories), {@code patches} by path (a
 * strategic-merge patch on a custom resource: mappings merge, lists are replaced, null deletes),
 * {@code namespace} and {@code labels}. {@code KubernetesManifestsTest} checks that it renders
 * exactly what {@code kubectl kustomize} renders wherever kubectl is installed.
 */
final class Kustomize {
  private Kustomize() {}

  /** The resources the kustomization in {@code dir} produces. */
  static List<Map<String, Object>> render(Path dir) {
    Map<String, Object> k = Repo.yaml(dir.resolve("kustomization.yaml"));
    String where = dir.resolve("kustomization.yaml").toString();
    for (String key : k.keySet()) {
      if (!List.of("apiVersion", "kind", "namespace", "resources", "patches", "labels")
          .contains(key)) {
        throw new AssertionError(where + ": '" + key + "' is not supported by the test renderer");
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    Object resources = k.get("resources");
    if (resources != null) {
      for (Object r : Yamls.list(resources, where + " resources")) {
        Path p = dir.resolve(String.valueOf(r)).normalize();
        if (Files.isDirectory(p)) {
          out.addAll(render(p));
        } else {
          out.addAll(Repo.yamlDocuments(Repo.read(p)));
        }
      }
    }
    Object patches = k.get("patches");
    if (patches != null) {
      for (Object p : Yamls.list(patches, where + " patches")) {
        Map<String, Object> patch = Yamls.map(p, where + " patch");
        if (patch.keySet().size() != 1 || !patch.containsKey("path")) {
          throw new AssertionError(where + ": only 'patches: - path: FILE' is supported: " + patch);
        }
        Path file = dir.resolve(String.valueOf(patch.get("path")));
        for (Map<String, Object> doc : Repo.yamlDocuments(Repo.read(file))) {
          apply(out, doc, file.toString());
        }
      }
    }
    Object labels = k.get("labels");
    if (labels != null) {
      for (Object l : Yamls.list(labels, where + " labels")) {
        Map<String, Object> pairs = Yamls.map(Yamls.map(l, where).get("pairs"), where + " pairs");
        for (Map<String, Object> r : out) {
          Map<String, Object> metadata = Yamls.map(r.get("metadata"), "metadata");
          @SuppressWarnings("unchecked")
          Map<String, Object> existing =
              (Map<String, Object>) metadata.computeIfAbsent("labels", x -> new LinkedHashMap<>());
          existing.putAll(pairs);
        }
      }
    }
    Object namespace = k.get("namespace");
    if (namespace != null) {
      for (Map<String, Object> r : out) {
        Yamls.map(r.get("metadata"), "metadata").put("namespace", namespace);
        if (r.get("subjects") instanceof List<?> subjects) {
          for (Object s : subjects) {
            Map<String, Object> subject = Yamls.map(s, "subject");
            if ("ServiceAccount".equals(subject.get("kind"))) {
              subject.put("namespace", namespace);
            }
          }
        }
      }
    }
    return out;
  }

  /** The single resource of {@code kind} in {@code resources}. */
  static Map<String, Object> single(List<Map<String, Object>> resources, String kind) {
    List<Map<String, Object>> found = all(resources, kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }

  /** Every resource of {@code kind}. */
  static List<Map<String, Object>> all(List<Map<String, Object>> resources, String kind) {
    List<Map<String, Object>> found = new ArrayList<>();
    for (Map<String, Object> r : resources) {
      if (kind.equals(r.get("kind"))) {
        found.add(r);
      }
    }
    return found;
  }

  /** A resource's {@code metadata.name}. */
  static String name(Map<String, Object> resource) {
    return Yamls.text(Yamls.at(resource, "metadata", "name"));
  }

  private static void apply(
      List<Map<String, Object>> resources, Map<String, Object> patch, String f) {
    for (Map<String, Object> r : resources) {
      if (Objects.equals(r.get("kind"), patch.get("kind"))
          && Objects.equals(name(r), name(patch))
          && Objects.equals(group(r), group(patch))) {
        merge(r, patch);
        return;
      }
    }
    throw new AssertionError(
        f + ": the patch targets " + patch.get("kind") + "/" + name(patch) + ", which is absent");
  }

  private static String group(Map<String, Object> resource) {
    String apiVersion = Yamls.text(resource.get("apiVersion"));
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  @SuppressWarnings("unchecked")
  private static void merge(Map<String, Object> target, Map<String, Object> patch) {
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      Object value = e.getValue();
      if (value == null) {
        target.remove(e.getKey());
      } else if (value instanceof Map && target.get(e.getKey()) instanceof Map) {
        merge((Map<String, Object>) target.get(e.getKey()), (Map<String, Object>) value);
      } else {
        target.put(e.getKey(), Yamls.copy(value));
      }
    }
  }
}
