package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.deploy.InProcessLoop.Result;
import dev.flywheel.deploy.InProcessLoop.Settings;
import dev.flywheel.jobs.config.JobSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The closed loop in-process, as a fast regression test of what the pipeline learns: the job's
 * decoder, crosses and model options against the simulator's world, seeded and single-threaded, so
 * the figures are exact for a given code (no timing in them). The margins below are what a change
 * to the decoder, the hasher or the model defaults must not lose.
 */
class InProcessLoopTest {
  private static final int REQUESTS = 16_000;

  private static Result run(String... jobArgs) {
    Settings d = Settings.defaults(JobSettings.fromArgs(jobArgs));
    return InProcessLoop.run(
        new Settings(
            REQUESTS,
            2_000,
            d.candidates(),
            d.k(),
            0.02,
            42L,
            0,
            d.negativeDelay(),
            d.clickRequestsPerSecond(),
            d.publishEvery(),
            d.job()));
  }

  private static String report(Result r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InProcessLoop.report(
        Settings.defaults(JobSettings.defaults()),
        r,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void withTheSimulatorsCrossesTheLoopLearnsMostOfTheWayToTheOracle() {
    // exactly the job options ./flywheel local --simulate gives (crosses, accumulator start 0)
    Result crossed =
        run(LocalSimulation.jobArgs(FlywheelLauncher.NAME, List.of()).toArray(new String[0]));
    Result plain = run();
    double model = Result.lastCtr(crossed.model(), 4);
    double random = Result.lastCtr(crossed.random(), 4);
    double oracle = Result.lastCtr(crossed.oracle(), 4);
    double withoutCrosses = Result.lastCtr(plain.model(), 4);
    System.out.printf(
        "in-process loop, last 4 windows of %d requests: model %.4f (without crosses %.4f), random"
            + " %.4f, oracle %.4f%n",
        REQUESTS, model, withoutCrosses, random, oracle);
    // 40 000 impressions per policy: the standard error of a CTR near 13 % is ~0.17 points
    assertThat(model)
        .as("model vs random; curve:%n%s", report(crossed))
        .isGreaterThan(2.2 * random);
    assertThat(model).as("model vs the oracle").isGreaterThan(0.7 * oracle);
    assertThat(withoutCrosses)
        .as("the crosses carry the interactions; without them:%n%s", report(plain))
        .isLessThan(model - 0.02);
    assertThat(crossed.trainedExamples())
        .as("labels reach the trainer after their delays")
        .isBetween(5L * REQUESTS - 10_000, 5L * REQUESTS);
  }
}
