package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which retained checkpoint a local start restores, and which folders it removes. */
class LocalStackCheckpointsTest {

  @TempDir Path checkpoints;

  @Test
  void restoresTheNewestAndRemovesEveryOtherJobFolder() throws IOException {
    checkpoint("job-a", 3, Instant.parse("2026-11-27T10:00:00Z"));
    Path newest = checkpoint("job-b", 7, Instant.parse("2026-11-27T11:00:00Z"));
    checkpoint("job-c", 12, Instant.parse("2026-11-27T09:00:00Z"));
    Files.createDirectories(checkpoints.resolve("job-d").resolve("shared"));

    Optional<Path> found = LocalStack.newestCheckpoint(checkpoints);
    assertThat(found).contains(newest);

    assertThat(LocalStack.pruneCheckpoints(checkpoints, found))
        .extracting(p -> p.getFileName().toString())
        .containsExactlyInAnyOrder("job-a", "job-c", "job-d");
    try (var left = Files.list(checkpoints)) {
      assertThat(left).extracting(p -> p.getFileName().toString()).containsExactly("job-b");
    }
    assertThat(newest.resolve("_metadata")).exists();
    assertThat(LocalStack.newestCheckpoint(checkpoints)).contains(newest);
  }

  @Test
  void nothingToKeepRemovesEverythingAndAMissingFolderIsFine() throws IOException {
    Files.createDirectories(checkpoints.resolve("job-x").resolve("taskowned"));
    assertThat(LocalStack.newestCheckpoint(checkpoints)).isEmpty();
    assertThat(LocalStack.pruneCheckpoints(checkpoints, Optional.empty())).hasSize(1);
    try (var left = Files.list(checkpoints)) {
      assertThat(left).isEmpty();
    }
    assertThat(LocalStack.pruneCheckpoints(checkpoints.resolve("absent"), Optional.empty()))
        .isEmpty();
  }

  private Path checkpoint(String job, int n, Instant time) throws IOException {
    Path chk = checkpoints.resolve(job).resolve("chk-" + n);
    Files.createDirectories(chk);
    Path metadata = Files.writeString(chk.resolve("_metadata"), "metadata of " + job);
    Files.setLastModifiedTime(metadata, FileTime.from(time));
    return chk;
  }
}
