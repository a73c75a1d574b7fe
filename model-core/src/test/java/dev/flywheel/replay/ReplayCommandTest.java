package dev.flywheel.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class ReplayCommandTest {
  private static final Pattern RESULT =
      Pattern.compile(
          "replay (base_rate|logistic|model) examples=(\\d+) logloss=(\\d+\\.\\d{6})"
              + " auc=(\\d+\\.\\d{6}|NaN) accuracy=(\\d+\\.\\d{6}) examples_per_s=(\\d+)");

  @TempDir Path dir;

  /** Exit code, stdout lines and stderr of one run. */
  record Run(int code, List<String> out, String err) {
    /** The last three lines, parsed; fails unless they are the three result lines in order. */
    Result result(String learner) {
      List<String> last = out.subList(out.size() - 3, out.size());
      for (int i = 0; i < 3; i++) {
        assertThat(last.get(i)).matches(RESULT);
      }
      assertThat(last.get(0)).startsWith("replay base_rate ");
      assertThat(last.get(1)).startsWith("replay logistic ");
      assertThat(last.get(2)).startsWith("replay model ");
      for (String line : last) {
        Matcher m = RESULT.matcher(line);
        assertThat(m.matches()).isTrue();
        if (m.group(1).equals(learner)) {
          return new Result(
              Long.parseLong(m.group(2)),
              Double.parseDouble(m.group(3)),
              Double.parseDouble(m.group(4)),
              Double.parseDouble(m.group(5)),
              Long.parseLong(m.group(6)));
        }
      }
      throw new AssertionError("no line for " + learner + " in " + out);
    }
  }

  record Result(long examples, double logLoss, double auc, double accuracy, long perSecond) {}

  private static Run replay(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ReplayCommand.run(new PrintWriter(out), new PrintWriter(err), args);
    List<String> lines = Arrays.asList(out.toString().split("\\R"));
    return new Run(code, lines, err.toString());
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * An OBD-like stream with signal: clicks depend on the colour and on a numeric score; an unnamed
   * index and a timestamp column to be ignored.
   */
  private Path clickStream(int rows) throws IOException {
    Random random = new Random(7);
    StringBuilder sb = new StringBuilder(",timestamp,colour,slot,score,click\n");
    String[] colours = {"red", "green", "blue", "black"};
    for (int i = 0; i < rows; i++) {
      int c = random.nextInt(colours.length);
      double score = random.nextGaussian();
      double z = -2 + (c == 0 ? 2.5 : 0) + 1.5 * score;
      int y = random.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
      sb.append(i)
          .append(",2019-11-24 00:00:")
          .append(i % 60)
          .append(',')
          .append(colours[c])
          .append(',')
          .append(1 + random.nextInt(3))
          .append(',')
          .append(String.format(Locale.ROOT, "%.4f", score))
          .append(',')
          .append(y)
          .append('\n');
    }
    return write("clicks.csv", sb.toString());
  }

  @Test
  void autoDetectsTheSchemaAndLearns() throws IOException {
    Run run = replay(clickStream(6_000).toString(), "--progress-every", "2000");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().get(0))
        .isEqualTo(
            "schema label=click categorical=[colour, slot] numeric=[score]"
                + " ignored=[<unnamed #0>, timestamp] binned_numeric=1");
    assertThat(run.out()).filteredOn(l -> l.startsWith("progress rows=")).hasSize(3);
    assertThat(run.out()).contains("bad_rows total=0 field_count=0 numeric=0 label=0");
    assertThat(run.out())
        .anyMatch(
            l ->
                l.matches(
                    "throughput rows=6000 wall_s=\\d+\\.\\d{3} cpu_s=\\d+\\.\\d{3}"
                        + " examples_per_cpu_s=\\d+"));
    Result base = run.result("base_rate");
    Result logistic = run.result("logistic");
    Result model = run.result("model");
    assertThat(base.examples()).isEqualTo(6_000);
    assertThat(model.examples()).isEqualTo(6_000);
    assertThat(base.auc()).isLessThan(0.6);
    assertThat(logistic.auc()).isGreaterThan(0.8);
    assertThat(model.auc()).isGreaterThan(0.8);
    assertThat(logistic.logLoss()).isLessThan(base.logLoss() - 0.05);
    assertThat(model.logLoss()).isLessThan(base.logLoss() - 0.05);
    assertThat(model.perSecond()).isPositive();
  }

  @Test
  void overridesChangeTheSchema() throws IOException {
    Path file = clickStream(500);
    Run run =
        replay(
            file.toString(),
            "--label",
            "slot",
            "--numeric",
            "",
            "--categorical",
            "score",
            "--ignore",
            "colour,click",
            "--numeric-bins",
            "0",
            "--loss",
            "squared");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().get(0))
        .isEqualTo(
            "schema label=slot categorical=[score] numeric=[]"
                + " ignored=[<unnamed #0>, timestamp, colour, click]");
    // squared loss: the result lines report the mean squared error
    assertThat(run.out().get(run.out().size() - 1))
        .matches("replay model examples=500 mse=\\d+\\.\\d{6} examples_per_s=\\d+");
    assertThat(run.out().get(run.out().size() - 3))
        .startsWith("replay base_rate examples=500 mse=");

    Run numeric = replay(file.toString(), "--numeric", "slot", "--hidden", "none");
    assertThat(numeric.out().get(0)).contains("categorical=[colour] numeric=[slot, score]");
  }

  @Test
  void badRowsAreCountedAndSkipped() throws IOException {
    Path file =
        write(
            "bad.csv",
            "colour,price,label\n"
                + "red,1.5,1\n"
                + "blue,2.5\n" // wrong field count
                + "red,abc,0\n" // not a number in a numeric column
                + "red,2.0,7\n" // label not 0/1
                + "green,0.5,0\n"
                + "blue,,1\n"); // a missing numeric value is not an error
    Run run = replay(file.toString(), "--numeric", "price");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("bad_rows total=3 field_count=1 numeric=1 label=1");
    assertThat(run.err())
        .contains("bad row at record 3: has 2 fields, expected 3")
        .contains("bad row at record 4: has a value that is not a number in a numeric column")
        .contains("bad row at record 5: has a label that is not 0 or 1");
    assertThat(run.result("base_rate").examples()).isEqualTo(3);
    assertThat(run.result("model").examples()).isEqualTo(3);
  }

  @Test
  void unknownColumnIsAClearError() throws IOException {
    Path file = write("small.csv", "a,b,y\n1,x,0\n");
    Run run = replay(file.toString(), "--numeric", "nope");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("unknown column 'nope' in --numeric; columns are: [a, b, y]");

    Run noLabel = replay(write("nolabel.csv", "a,b\n1,2\n").toString());
    assertThat(noLabel.code()).isEqualTo(2);
    assertThat(noLabel.err()).contains("no label column found").contains("[a, b]");
  }

  @Test
  void unreadableFileIsAClearError() {
    Path missing = dir.resolve("missing.csv");
    Run run = replay(missing.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("cannot read CSV file '" + missing + "'");
  }

  @Test
  void invalidOptionValuesNameTheOption() throws IOException {
    Path file = write("small.csv", "a,y\n1,0\n");
    assertThat(replay(file.toString(), "--hash-bits", "40").err())
        .contains("--hash-bits must be in [1, 28], got 40");
    assertThat(replay(file.toString(), "--learning-rate", "-1").err())
        .contains("--learning-rate must be > 0, got -1.0");
    assertThat(replay(file.toString(), "--hidden", "8,x").err())
        .contains("--hidden must be comma-separated positive integers or 'none', got '8,x'");
    assertThat(replay(file.toString(), "--optimizer", "LBFGS").err())
        .contains("--optimizer")
        .contains("LBFGS");
    assertThat(replay(file.toString(), "--auto-ignore", "(").err())
        .contains("--auto-ignore is not a valid regex");
    assertThat(replay(file.toString(), "--batch-size", "0").code()).isEqualTo(2);
    assertThat(replay(file.toString(), "--initial-rate", "1").err())
        .contains("--initial-rate must be in (0, 1), got 1.0");
    assertThat(replay(file.toString(), "--adagrad-initial-accumulator", "0").err())
        .contains("--adagrad-initial-accumulator must be > 0, got 0.0");
  }

  @Test
  void factorizationMachineInteractionsLearnToo() throws IOException {
    Run run = replay(clickStream(6_000).toString(), "--interactions", "fm");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).anyMatch(l -> l.contains("interactions=FM"));
    Result base = run.result("base_rate");
    Result model = run.result("model");
    assertThat(model.auc()).isGreaterThan(0.8);
    assertThat(model.logLoss()).isLessThan(base.logLoss() - 0.05);
    Path file = write("tiny.csv", "a,y\n1,0\n");
    assertThat(replay(file.toString(), "--interactions", "fm", "--hidden", "none").err())
        .contains("interactions FM needs a deep tower");
  }

  @Test
  void passesRepeatTheStreamButMeasureQualityOnTheFirst() throws IOException {
    Path file = clickStream(300);
    Run run = replay(file.toString(), "--passes", "3", "--progress-every", "0");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).anyMatch(l -> l.startsWith("passes=3: quality figures are from pass 1"));
    assertThat(run.result("model").examples()).isEqualTo(300);
    assertThat(run.result("base_rate").examples()).isEqualTo(300);
  }

  @Test
  void helpListsEveryOption() {
    Run run = replay("--help");
    assertThat(run.code()).isZero();
    String help = String.join("\n", run.out());
    List<OptionSpec> options = new CommandLine(new ReplayCommand()).getCommandSpec().options();
    assertThat(options).hasSizeGreaterThan(20);
    for (OptionSpec option : options) {
      assertThat(help).contains(option.longestName());
      assertThat(option.description()).as(option.longestName()).isNotEmpty();
      assertThat(String.join(" ", option.description()))
          .as(option.longestName())
          .hasSizeGreaterThan(10);
    }
    assertThat(help).contains("CSV");
  }
}
