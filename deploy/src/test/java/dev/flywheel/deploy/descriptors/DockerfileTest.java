package dev.flywheel.deploy.descriptors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.deploy.descriptors.Descriptors.Instruction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The images under deploy/docker: the Flink base of the parent pom's version on Java 17, and the
 * jars the modules' builds actually produce.
 */
class DockerfileTest {

  /** Where the job Dockerfile puts the job jar inside the image. */
  static String jobJarInImage() {
    List<String> copy = jobJarCopy();
    return copy.get(1);
  }

  private static List<String> jobJarCopy() {
    List<Instruction> dockerfile = Descriptors.dockerfile(Repo.path(Descriptors.JOB_DOCKERFILE));
    for (String copy : Descriptors.instructions(dockerfile, "COPY")) {
      List<String> paths = Descriptors.copyPaths(copy);
      if (paths.get(0).startsWith("jobs/")) {
        return paths;
      }
    }
    throw new AssertionError(Descriptors.JOB_DOCKERFILE + ": no COPY of the job jar");
  }

  @Test
  void everyDockerfileStartsFromAPinnedFlinkImageOfTheParentPomsVersion() throws IOException {
    String flink = Repo.parentProperty("flink.version");
    List<Path> dockerfiles;
    try (Stream<Path> files = Files.list(Repo.path("deploy/docker"))) {
      dockerfiles =
          files
              .filter(f -> f.getFileName().toString().matches("(.+\\.)?Dockerfile"))
              .sorted()
              .toList();
    }
    assertEquals(2, dockerfiles.size(), "the job's and the simulator's: " + dockerfiles);
    for (Path f : dockerfiles) {
      List<String> from = Descriptors.instructions(Descriptors.dockerfile(f), "FROM");
      assertFalse(from.isEmpty(), f + " has no FROM");
      for (String image : from) {
        DescriptorChecks.flinkImage(image.split("\\s+")[0], flink, f.toString());
      }
    }
  }

  @Test
  void theJobImageShipsTheJarTheJobsModuleBuildsIntoUsrlib() {
    List<String> copy = jobJarCopy();
    assertEquals(
        "jobs/target/" + Repo.deployedJarName("jobs"),
        copy.get(0),
        Descriptors.JOB_DOCKERFILE + ": the jobs module's build produces another jar");
    assertTrue(
        copy.get(1).startsWith("/opt/flink/usrlib/"),
        "application mode loads the job from usrlib: " + copy.get(1));
    String ignore = Repo.read(Repo.path(Descriptors.JOB_DOCKERFILE + ".dockerignore"));
    assertTrue(
        ignore.lines().anyMatch(l -> l.strip().equals("!" + copy.get(0))),
        "Dockerfile.dockerignore must let " + copy.get(0) + " into the build context");
    for (String c :
        Descriptors.instructions(
            Descriptors.dockerfile(Repo.path(Descriptors.JOB_DOCKERFILE)), "COPY")) {
      String source = Descriptors.copyPaths(c).get(0);
      if (source.startsWith("deploy/")) {
        assertTrue(Files.isRegularFile(Repo.path(source)), "COPY of a missing file " + source);
        assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("!" + source)), source);
      }
    }
  }

  @Test
  void theSimulatorImageShipsTheSimulatorsRunnableJarAndMainClass() {
    List<Instruction> dockerfile =
        Descriptors.dockerfile(Repo.path(Descriptors.SIMULATOR_DOCKERFILE));
    List<String> copy = Descriptors.copyPaths(Descriptors.instructions(dockerfile, "COPY").get(0));
    assertEquals(
        "simulator/target/" + Repo.deployedJarName("simulator"),
        copy.get(0),
        Descriptors.SIMULATOR_DOCKERFILE + ": the simulator module's build produces another jar");
    String ignore = Repo.read(Repo.path(Descriptors.SIMULATOR_DOCKERFILE + ".dockerignore"));
    assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("!" + copy.get(0))), copy.get(0));
    String entrypoint = Descriptors.instructions(dockerfile, "ENTRYPOINT").get(0);
    String mainClass = null;
    for (String word : entrypoint.replaceAll("[\\[\\]\",]", " ").trim().split("\\s+")) {
      if (word.startsWith("dev.flywheel.")) {
        mainClass = word;
      }
    }
    assertTrue(mainClass != null, "the ENTRYPOINT names no dev.flywheel main class: " + entrypoint);
    Path source = Repo.path("simulator/src/main/java/" + mainClass.replace('.', '/') + ".java");
    assertTrue(Files.isRegularFile(source), "main class " + mainClass + " has no source " + source);
    assertTrue(
        Repo.read(source).contains("public static void main(String[] args)"),
        mainClass + " has no main method");
  }
}
