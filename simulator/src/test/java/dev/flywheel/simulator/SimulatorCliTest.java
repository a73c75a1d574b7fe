package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulatorCliTest {

  @TempDir Path dir;

  @Test
  void helpListsTheOptions() {
    StringWriter text = new StringWriter();
    CommandLine cmd = SimulatorCli.commandLine(new SimulatorCli());
    cmd.setOut(new PrintWriter(text));
    assertThat(cmd.execute("--help")).isZero();
    assertThat(text.toString())
        .contains("--bootstrap-servers", "--policy", "--rate", "--epsilon", "--seed", "--drift-at")
        .contains("--time-scale", "--out", "--offline", "--requests", "--duration", "--candidates");
  }

  @Test
  void badOptionsFailWithTheOptionsName() {
    StringWriter err = new StringWriter();
    CommandLine cmd = SimulatorCli.commandLine(new SimulatorCli());
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute("--offline", "-k", "30")).isEqualTo(2);
    assertThat(err.toString()).contains("-k must be in [1, --candidates=20], got 30");

    StringWriter err2 = new StringWriter();
    CommandLine cmd2 = SimulatorCli.commandLine(new SimulatorCli());
    cmd2.setErr(new PrintWriter(err2));
    assertThat(cmd2.execute("--duration", "ten minutes")).isEqualTo(2);
    assertThat(err2.toString()).contains("not a duration");
  }

  @Test
  void defaultsParseIntoValidSettings() {
    SimulatorCli cli = new SimulatorCli();
    SimulatorCli.commandLine(cli)
        .parseArgs("--policy", "ORACLE", "--run-id", "", "--drift", "rotate_items");
    SimulatorSettings s = cli.settings();
    assertThat(s.policy()).isEqualTo(SimulatorSettings.PolicyKind.ORACLE);
    assertThat(s.world())
        .isEqualTo(WorldConfig.defaults().withDrift(0, WorldConfig.DriftKind.ROTATE_ITEMS));
    assertThat(s.k()).isEqualTo(5);
    assertThat(s.candidates()).isEqualTo(20);
    assertThat(s.predictionTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.runId()).isEmpty();
    assertThat(s.drainClicks()).isTrue();
  }

  @Test
  void launchersParseSettingsWithoutRunning() {
    SimulatorSettings s =
        SimulatorCli.parse(
            "--bootstrap-servers", "broker:29092", "--rate", "50", "--time-scale", "10");
    assertThat(s.bootstrapServers()).isEqualTo("broker:29092");
    assertThat(s.rate()).isEqualTo(50.0);
    assertThat(s.timeScale()).isEqualTo(10.0);
    assertThatThrownBy(() -> SimulatorCli.parse("--epsilon", "2"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--epsilon");
  }

  @Test
  void offlineRunPrintsBothPoliciesAndWritesTheCurve() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SimulatorCli cli = new SimulatorCli(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code =
        SimulatorCli.commandLine(cli)
            .execute(
                "--offline",
                "--requests",
                "2000",
                "--window",
                "500",
                "--drift-at",
                "1000",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("random CTR")
        .contains("oracle CTR")
        .contains("expected");
    assertThat(Files.exists(dir.resolve(LearningCurve.CSV))).isTrue();
    assertThat(Files.exists(dir.resolve(LearningCurve.PNG))).isTrue();
  }

  @Test
  void docsListEveryOption() throws Exception {
    String root = System.getProperty("flywheel.repo.root");
    assertThat(root).as("system property flywheel.repo.root (set by the build)").isNotNull();
    String docs = Files.readString(Path.of(root, "docs", "simulator.md"));
    CommandLine cmd = SimulatorCli.commandLine(new SimulatorCli());
    for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
      String name = o.longestName().replace("--", "");
      String cell = o.negatable() ? "`--[no-]" + name + "`" : "`" + o.longestName() + "`";
      assertThat(docs).as("docs/simulator.md lists %s", o.longestName()).contains(cell);
    }
  }

  @Test
  void durationsReadUnitsAndIso() {
    SimulatorCli.DurationConverter c = new SimulatorCli.DurationConverter();
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(c.convert("PT2M")).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.convert("3")).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.convert("0")).isEqualTo(Duration.ZERO);
  }
}
