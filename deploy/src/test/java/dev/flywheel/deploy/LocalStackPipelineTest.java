package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.deploy.testing.KafkaTestClients;
import dev.flywheel.deploy.testing.LocalKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The local runner with its default job, the pipeline: events produced to the runner's broker are
 * predicted, and every field of the progress line is read from the job's metrics.
 */
class LocalStackPipelineTest {
  private static final int EXAMPLES = 200;

  @TempDir Path stateDir;

  @Test
  void runsThePipelineAndFillsTheProgressLine() throws Exception {
    LocalRunner runner = new LocalRunner();
    new CommandLine(runner)
        .parseArgs(
            "--state-dir=" + stateDir,
            "--kafka-port=" + LocalKafkaExtension.freePort(),
            "--controller-port=" + LocalKafkaExtension.freePort(),
            "--dashboard-port=" + LocalKafkaExtension.freePort(),
            "--checkpoint-interval=1s",
            "--kafka-heap=512m",
            "--kafka-jvm-option=" + LocalKafkaExtension.TEST_BROKER_JVM_OPTIONS.get(0),
            "--",
            "--flywheel.trainer.batch-size=16",
            "--flywheel.trainer.max-wait=100ms",
            "--flywheel.trainer.publish-interval=200ms",
            "--flywheel.model.hash-bits=10");
    LocalStack.Settings settings = runner.settings();
    assertThat(settings.job()).isEqualTo(FlywheelLauncher.NAME);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (LocalStack stack =
        LocalStack.start(settings, new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
      for (int i = 0; i < EXAMPLES; i++) {
        String json =
            ("{\"v\":1,\"type\":\"example\",\"ts\":%d,\"id\":\"e-%d\",\"label\":%d,"
                    + "\"features\":{\"day\":\"%d\",\"price\":%.2f}}")
                .formatted(1_732_700_000_000L + 10L * i, i, i % 3 == 0 ? 1 : 0, i % 7, i / 100.0);
        records.add(Map.entry(utf8("e-" + i), utf8(json)));
      }
      records.add(Map.entry(utf8("bad"), utf8("not json")));
      String bootstrap = stack.kafka().bootstrapServers();
      KafkaTestClients.produce(bootstrap, FlywheelTopics.EVENTS, records);
      KafkaTestClients.consume(
          bootstrap, FlywheelTopics.PREDICTIONS, EXAMPLES, Duration.ofSeconds(90), false);

      ProgressReporter progress = stack.progressReporter();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      ProgressReporter.Sample sample = progress.sample();
      while (!(sample.examplesTrained().orElse(0) >= EXAMPLES - 16
              && sample.dlqRecords().orElse(0) >= 1
              && sample.logLoss().isPresent()
              && sample.modelVersion().orElse(0) >= 1)
          && System.nanoTime() < deadline) {
        Thread.sleep(500);
        sample = progress.sample();
      }
      String line = ProgressReporter.format(null, sample, Duration.ofSeconds(1));
      System.out.println("LocalStackPipelineTest: " + line);
      assertThat(sample.state()).as(line).isEqualTo("RUNNING");
      assertThat(sample.eventsIn()).as(line).hasValue(EXAMPLES + 1.0);
      assertThat(sample.examplesTrained().orElse(0))
          .as("examples trained within 60 s (all but a last partial batch): %s", line)
          .isBetween(EXAMPLES - 16.0, (double) EXAMPLES);
      assertThat(sample.dlqRecords()).as(line).hasValue(1.0);
      assertThat(sample.modelVersion().orElse(0)).as(line).isGreaterThanOrEqualTo(1);
      assertThat(sample.logLoss().orElse(Double.NaN)).as(line).isBetween(0.0, 5.0);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("job 'flywheel' submitted");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
