package dev.flywheel.deploy.descriptors;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a deadline; its output goes through files, never a pipe. */
final class Commands {
  private Commands() {}

  /** What a finished command printed and returned. */
  record Result(int exitCode, String stdout, String stderr) {}

  /**
   * Runs {@code command}; fails when it is still running after {@code deadline}. Throws {@link
   * IOException} when the program cannot be started at all.
   */
  static Result run(Duration deadline, String... command) throws IOException, InterruptedException {
    File out = File.createTempFile("command", ".out");
    File err = File.createTempFile("command", ".err");
    try {
      Process p =
          new ProcessBuilder(List.of(command)).redirectOutput(out).redirectError(err).start();
      if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + deadline);
      }
      return new Result(
          p.exitValue(),
          Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out.toPath());
      Files.deleteIfExists(err.toPath());
    }
  }

  /** Whether {@code command} can be started and exits with 0 within 20 s. */
  static boolean works(String... command) {
    try {
      return run(Duration.ofSeconds(20), command).exitCode() == 0;
    } catch (IOException | AssertionError e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
