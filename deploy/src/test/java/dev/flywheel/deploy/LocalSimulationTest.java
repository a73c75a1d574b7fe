package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.simulator.SimulatorCli;
import dev.flywheel.simulator.SimulatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The arguments {@code ./flywheel local --simulate} gives the simulator and the job. */
class LocalSimulationTest {

  @Test
  void defaultsApplyOnlyWhereTheUserGaveNothing() {
    List<String> args =
        LocalSimulation.simulatorArgs(
            "localhost:19092",
            Path.of("state"),
            List.of("--rate", "300", "--time-scale=5", "--requests", "1000"));
    SimulatorSettings s = SimulatorCli.parse(args.toArray(String[]::new));

    assertThat(s.bootstrapServers()).isEqualTo("localhost:19092");
    assertThat(s.rate()).isEqualTo(300);
    assertThat(s.timeScale()).isEqualTo(5); // the user's, not the default 20
    assertThat(s.requests()).isEqualTo(1000);
    assertThat(s.curveEvery()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.outDir()).isEqualTo(Path.of("state", "simulator"));

    SimulatorSettings plain =
        SimulatorCli.parse(
            LocalSimulation.simulatorArgs("localhost:9092", Path.of("s"), List.of())
                .toArray(String[]::new));
    assertThat(plain.timeScale()).isEqualTo(Double.parseDouble(LocalSimulation.TIME_SCALE));
  }

  @Test
  void aBadSimulatorOptionIsNamed() {
    List<String> args =
        LocalSimulation.simulatorArgs("localhost:9092", Path.of("s"), List.of("--k", "30"));
    assertThatThrownBy(() -> SimulatorCli.parse(args.toArray(String[]::new)))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("-k");
  }

  @Test
  void thePipelineGetsTheDemoWindowCrossesAndAccumulatorUnlessGivenThem() {
    assertThat(LocalSimulation.jobArgs(FlywheelLauncher.NAME, List.of("--a", "b")))
        .containsExactly(
            LocalSimulation.ATTRIBUTION_WINDOW_OPTION,
            LocalSimulation.ATTRIBUTION_WINDOW,
            LocalSimulation.CROSSES_OPTION,
            "segment*category,segment*item",
            LocalSimulation.ADAGRAD_INITIAL_ACCUMULATOR_OPTION,
            "0",
            "--a",
            "b");
    List<String> given =
        List.of(
            LocalSimulation.ATTRIBUTION_WINDOW_OPTION + "=5m",
            LocalSimulation.CROSSES_OPTION,
            "",
            LocalSimulation.ADAGRAD_INITIAL_ACCUMULATOR_OPTION + "=0.1");
    assertThat(LocalSimulation.jobArgs(FlywheelLauncher.NAME, given)).isEqualTo(given);
    assertThat(
            LocalSimulation.jobArgs(
                FlywheelLauncher.NAME, List.of(LocalSimulation.CROSSES_OPTION + "=segment*item")))
        .containsExactly(
            LocalSimulation.ATTRIBUTION_WINDOW_OPTION,
            LocalSimulation.ATTRIBUTION_WINDOW,
            LocalSimulation.ADAGRAD_INITIAL_ACCUMULATOR_OPTION,
            "0",
            LocalSimulation.CROSSES_OPTION + "=segment*item");
    assertThat(LocalSimulation.jobArgs(IdentityLauncher.NAME, List.of())).isEmpty();
  }

  @Test
  void simArgsSplitOnWhitespace() {
    assertThat(LocalSimulation.split("  --rate 300\t--seed  7 "))
        .containsExactly("--rate", "300", "--seed", "7");
    assertThat(LocalSimulation.split(null)).isEmpty();
    assertThat(LocalSimulation.split("   ")).isEmpty();
  }
}
