package dev.flywheel.deploy.descriptors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The repository the tests run in: its root (system property {@code flywheel.repo.root}, set by
 * surefire in the parent pom), YAML documents and the Maven poms the descriptors must agree with.
 */
final class Repo {
  private Repo() {}

  /** The repository root. */
  static Path root() {
    String property = System.getProperty("flywheel.repo.root");
    Path root =
        property != null && !property.isBlank()
            ? Paths.get(property)
            : Paths.get("").toAbsolutePath().getParent(); // an IDE runs tests in deploy/
    if (!Files.isRegularFile(root.resolve("pom.xml"))
        || !Files.isRegularFile(root.resolve("docker-compose.yml"))) {
      throw new IllegalStateException(
          "flywheel.repo.root (" + root + ") is not the repository root: no pom.xml there");
    }
    return root;
  }

  /** {@code relative} under the repository root. */
  static Path path(String relative) {
    return root().resolve(relative);
  }

  /** The text of a file. */
  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every YAML document of {@code text}, in order (empty documents skipped). */
  static List<Map<String, Object>> yamlDocuments(String text) {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : yaml.loadAll(text)) {
      if (doc != null) {
        docs.add(Yamls.map(doc, "document"));
      }
    }
    return docs;
  }

  /** The single YAML document of {@code file}. */
  static Map<String, Object> yaml(Path file) {
    List<Map<String, Object>> docs = yamlDocuments(read(file));
    if (docs.size() != 1) {
      throw new IllegalStateException(file + ": expected one YAML document, got " + docs.size());
    }
    return docs.get(0);
  }

  /** A property of the parent pom, e.g. {@code flink.version}. */
  static String parentProperty(String name) {
    Element properties = child(pom(path("pom.xml")).getDocumentElement(), "properties");
    Element value = child(properties, name);
    if (value == null) {
      throw new IllegalStateException("the parent pom has no <" + name + "> property");
    }
    return value.getTextContent().trim();
  }

  /** The parent pom's version: every module's version. */
  static String projectVersion() {
    return child(pom(path("pom.xml")).getDocumentElement(), "version").getTextContent().trim();
  }

  /**
   * The file name of the jar a module's {@code package} phase builds for deployment: its shade
   * plugin's attached artifact when shaded that way, else the main artifact.
   */
  static String deployedJarName(String module) {
    Element project = pom(path(module + "/pom.xml")).getDocumentElement();
    String artifactId = child(project, "artifactId").getTextContent().trim();
    Element build = child(project, "build");
    Element finalNameElement = build == null ? null : child(build, "finalName");
    String base =
        finalNameElement != null
            ? finalNameElement.getTextContent().trim()
            : artifactId + "-" + projectVersion();
    String classifier = null;
    NodeList plugins = project.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      Element pluginArtifact = child(plugin, "artifactId");
      if (pluginArtifact == null
          || !pluginArtifact.getTextContent().trim().equals("maven-shade-plugin")) {
        continue;
      }
      NodeList attached = plugin.getElementsByTagName("shadedArtifactAttached");
      if (attached.getLength() > 0 && attached.item(0).getTextContent().trim().equals("true")) {
        NodeList name = plugin.getElementsByTagName("shadedClassifierName");
        classifier = name.getLength() > 0 ? name.item(0).getTextContent().trim() : "shaded";
      }
    }
    return base + (classifier == null ? "" : "-" + classifier) + ".jar";
  }

  private static Document pom(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(in);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  /** The first direct child element of {@code parent} named {@code name}, or null. */
  private static Element child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }
}
