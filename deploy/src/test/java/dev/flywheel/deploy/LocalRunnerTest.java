package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The runner's options: help, defaults, validation naming the option. */
class LocalRunnerTest {

  @Test
  void helpListsEveryOption() {
    String usage = new CommandLine(new LocalRunner()).getUsageMessage();
    assertThat(usage)
        .contains("--state-dir", "--kafka-port", "--controller-port", "--dashboard-port")
        .contains("--parallelism", "--partitions", "--checkpoint-interval", "--progress-interval")
        .contains("--no-restore", "--kafka-heap", "--kafka-jvm-option", "--job", "identity")
        .contains("JOB_OPTION");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    LocalRunner runner = new LocalRunner();
    new CommandLine(runner).parseArgs();
    LocalStack.Settings settings = runner.settings();
    assertThat(settings.stateDir()).isEqualTo(Path.of(".flywheel").toAbsolutePath().normalize());
    assertThat(settings.kafkaPort()).isEqualTo(9092);
    assertThat(settings.controllerPort()).isEqualTo(9093);
    assertThat(settings.dashboardPort()).isEqualTo(8081);
    assertThat(settings.parallelism()).isEqualTo(2);
    assertThat(settings.progressInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.restore()).isTrue();
    assertThat(settings.job()).isEqualTo("identity");
  }

  @Test
  void passesArgumentsAfterDoubleDashToTheJob() {
    LocalRunner runner = new LocalRunner();
    new CommandLine(runner)
        .parseArgs("--parallelism", "1", "--", "--delivery-guarantee", "exactly-once");
    assertThat(runner.settings().jobArgs()).containsExactly("--delivery-guarantee", "exactly-once");
  }

  @Test
  void badValuesNameTheirOption() {
    LocalRunner runner = new LocalRunner();
    new CommandLine(runner).parseArgs("--dashboard-port", "9092");
    assertThatThrownBy(runner::settings)
        .hasMessageContaining("--kafka-port, --controller-port and --dashboard-port must differ");
    LocalRunner zero = new LocalRunner();
    new CommandLine(zero).parseArgs("--parallelism", "0");
    assertThatThrownBy(zero::settings).hasMessageContaining("--parallelism must be >= 1, got 0");
    assertThatThrownBy(() -> PipelineLaunchers.get("nope"))
        .hasMessageContaining("--job: unknown job 'nope'")
        .hasMessageContaining("identity");
  }

  @Test
  void identityJobOptionsAreValidatedOnce() {
    assertThat(
            IdentityJob.Options.parse("--delivery-guarantee", "exactly-once").deliveryGuarantee())
        .isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    assertThatThrownBy(() -> IdentityJob.Options.parse("--transaction-timeout", "20m"))
        .hasMessageContaining("--transaction-timeout must be in (0, PT10M], got PT20M");
    assertThatThrownBy(() -> IdentityJob.Options.parse("--delivery-guarantee", "twice"))
        .hasMessageContaining("expected at-least-once, exactly-once or none");
  }
}
