package dev.flywheel.replay;

import dev.flywheel.model.ModelConfig;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import dev.flywheel.model.metrics.ProgressiveMetrics;
import dev.flywheel.model.metrics.RunningBaseRate;
import dev.flywheel.model.metrics.WindowedMetrics;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code replay} command: streams a CSV file in file order through progressive validation (each
 * row is scored, then learned) for three learners in one pass: the running base rate, online
 * logistic regression (the model without hidden layers) and the configured model.
 *
 * <p>Output: the detected schema, progress lines, a bad-row summary, then exactly one line per
 * learner: {@code replay <learner> examples=<n> logloss=<x> auc=<y> accuracy=<z>
 * examples_per_s=<r>}.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    version = "replay 0.1.0",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description =
        "Progressive validation of a CSV stream: each row is scored, then learned, in file order,"
            + " by three learners: the running base rate, online logistic regression, and the"
            + " model. Columns are auto-detected from the first rows unless named; the schema is"
            + " printed first. Ends with one line per learner: replay <learner> examples=<n>"
            + " logloss=<x> auc=<y> accuracy=<z> examples_per_s=<r>.")
public final class ReplayCommand implements Callable<Integer> {
  /** Columns with these names are ignored unless named in another option. */
  static final String DEFAULT_AUTO_IGNORE =
      "(?i)(timestamp|datetime|date|time|index|propensity(_score)?)";

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CSV", description = "CSV file with a header row.")
  Path file;

  @Option(
      names = "--label",
      paramLabel = "COLUMN",
      description =
          "Label column (0/1 for logistic loss). Default: the first column named label, class,"
              + " click, y or target (case-insensitive).")
  String label;

  @Option(
      names = "--categorical",
      split = ",",
      paramLabel = "COLUMN",
      description = "Columns hashed as name=value (comma-separated).")
  List<String> categorical = new ArrayList<>();

  @Option(
      names = "--numeric",
      split = ",",
      paramLabel = "COLUMN",
      description = "Columns used as numbers, scaled online by the model (comma-separated).")
  List<String> numeric = new ArrayList<>();

  @Option(
      names = "--ignore",
      split = ",",
      paramLabel = "COLUMN",
      description = "Columns not used (comma-separated).")
  List<String> ignore = new ArrayList<>();

  @Option(
      names = "--auto-ignore",
      paramLabel = "REGEX",
      defaultValue = DEFAULT_AUTO_IGNORE,
      description =
          "Columns whose whole name matches this regex, and unnamed columns, are ignored unless"
              + " named in --categorical or --numeric. Default: ${DEFAULT-VALUE}")
  String autoIgnore;

  @Option(
      names = "--detect-rows",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Rows read to detect column kinds and numeric bin cut points. Default: ${DEFAULT-VALUE}")
  int detectRows;

  @Option(
      names = "--max-categorical-integers",
      paramLabel = "K",
      defaultValue = "64",
      description =
          "A numeric column holding only integers with at most K distinct values (in the detection"
              + " rows) is treated as categorical. Default: ${DEFAULT-VALUE}")
  int maxCategoricalIntegers;

  @Option(
      names = "--numeric-bins",
      paramLabel = "K",
      defaultValue = "16",
      description =
          "Also add each numeric column as a categorical feature: its bin among K quantile bins"
              + " of the detection rows; 0 or 1 = off. Default: ${DEFAULT-VALUE}")
  int numericBins;

  @Option(
      names = "--cross-bins",
      description =
          "Also add every pair of binned numeric columns as one categorical cross feature."
              + " Default: ${DEFAULT-VALUE}")
  boolean crossBins;

  @Option(
      names = "--initial-rate",
      paramLabel = "P",
      defaultValue = "0.01",
      description =
          "Logistic loss: both trained learners start predicting P (their output bias starts at"
              + " logit(P)); a prior guess of the positive rate, in (0, 1). The default suits"
              + " click streams; 0.5 is the uninformed start. Default: ${DEFAULT-VALUE}")
  double initialRate;

  @Option(
      names = "--initial-mean",
      paramLabel = "Y",
      defaultValue = "0",
      description =
          "Squared loss: both trained learners start predicting Y (their output bias)."
              + " Default: ${DEFAULT-VALUE}")
  double initialMean;

  @Option(
      names = "--hash-bits",
      paramLabel = "BITS",
      defaultValue = "18",
      description = "Feature buckets = 2^BITS, in [1, 28]. Default: ${DEFAULT-VALUE}")
  int hashBits;

  @Option(
      names = "--embedding-dim",
      paramLabel = "D",
      defaultValue = "16",
      description = "Width of a feature embedding row of the model. Default: ${DEFAULT-VALUE}")
  int embeddingDim;

  @Option(
      names = "--hidden",
      paramLabel = "WIDTHS",
      defaultValue = "32,16",
      description =
          "Hidden ReLU layer widths of the model, e.g. 32,16; 'none' = no hidden layer (then the"
              + " model is logistic regression). Default: ${DEFAULT-VALUE}")
  String hidden;

  @Option(
      names = "--interactions",
      paramLabel = "KIND",
      defaultValue = "NONE",
      description =
          "NONE, or FM: the model adds a factorisation-machine term over its embedding table"
              + " (needs hidden layers; the logistic-regression learner never has it). Default:"
              + " ${DEFAULT-VALUE}")
  ModelConfig.Interactions interactions;

  @Option(
      names = "--loss",
      paramLabel = "LOSS",
      defaultValue = "LOGISTIC",
      description =
          "LOGISTIC (0/1 labels) or SQUARED (numeric labels; the result lines then report"
              + " mse= instead of logloss, auc and accuracy, and base_rate is the running mean)."
              + " Default: ${DEFAULT-VALUE}")
  ModelConfig.LossType loss;

  @Option(
      names = "--optimizer",
      paramLabel = "OPT",
      defaultValue = "ADAGRAD",
      description = "SGD, ADAGRAD or ADAM, for both trained learners. Default: ${DEFAULT-VALUE}")
  ModelConfig.OptimizerType optimizer;

  @Option(
      names = "--learning-rate",
      paramLabel = "RATE",
      defaultValue = "0.1",
      description = "Step size of both trained learners, > 0. Default: ${DEFAULT-VALUE}")
  double learningRate;

  @Option(
      names = "--adagrad-initial-accumulator",
      paramLabel = "A0",
      defaultValue = "4",
      description =
          "AdaGrad's accumulator of squared gradients starts at A0 for every parameter, so the"
              + " first steps of a rarely seen feature are at most RATE/sqrt(A0) per unit"
              + " gradient; > 0. Default: ${DEFAULT-VALUE}")
  double adagradInitialAccumulator;

  @Option(
      names = "--l2",
      paramLabel = "L2",
      defaultValue = "0.01",
      description = "L2 penalty on weights (not biases), >= 0. Default: ${DEFAULT-VALUE}")
  double l2;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Rows per training batch; each row is scored with the model from before its batch."
              + " Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--seed",
      paramLabel = "SEED",
      defaultValue = "42",
      description = "Seed of the weight initialisation. Default: ${DEFAULT-VALUE}")
  long seed;

  @Option(
      names = "--progress-every",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Print a progress line every N rows; 0 = never. Default: ${DEFAULT-VALUE}")
  long progressEvery;

  @Option(
      names = "--window",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "Progress lines also show the model's log loss and AUC over the last N rows."
              + " Default: ${DEFAULT-VALUE}")
  int window;

  @Option(
      names = "--passes",
      paramLabel = "P",
      defaultValue = "1",
      description =
          "Stream the file P times, learning all the while. Quality figures are from the first"
              + " pass only (progressive validation); examples_per_s is over all passes, for"
              + " files too short to measure steady-state throughput. Default: ${DEFAULT-VALUE}")
  int passes;

  /** Runs the command and returns its exit code (0 ok, 1 I/O error, 2 usage error). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new ReplayCommand());
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          commandLine.getErr().println("replay: error: " + ex.getMessage());
          return ex instanceof IOException ? 1 : 2;
        });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(out, err, args));
  }

  private int[] hiddenLayers() {
    String h = hidden.trim();
    if (h.isEmpty() || h.equalsIgnoreCase("none")) {
      return new int[0];
    }
    String[] parts = h.split(",");
    int[] widths = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        widths[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw bad("--hidden must be comma-separated positive integers or 'none', got '" + h + "'");
      }
      if (widths[i] < 1) {
        throw bad("--hidden widths must be >= 1, got '" + h + "'");
      }
    }
    return widths;
  }

  private ParameterException bad(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private void require(boolean ok, String message) {
    if (!ok) {
      throw bad(message);
    }
  }

  private ModelConfig config(int[] hiddenLayers) {
    try {
      return ModelConfig.builder()
          .hashBits(hashBits)
          .embeddingDim(embeddingDim)
          .hiddenLayers(hiddenLayers)
          .loss(loss)
          .optimizer(optimizer)
          .interactions(interactions)
          .learningRate(learningRate)
          .l2(l2)
          .adagradInitialAccumulator(adagradInitialAccumulator)
          .seed(seed)
          .maxBatchSize(batchSize)
          .build();
    } catch (IllegalArgumentException e) {
      throw bad("invalid model option: " + e.getMessage());
    }
  }

  @Override
  public Integer call() throws IOException {
    require(
        hashBits >= 1 && hashBits <= FeatureHasher.MAX_BITS,
        "--hash-bits must be in [1, 28], got " + hashBits);
    require(detectRows >= 1, "--detect-rows must be >= 1, got " + detectRows);
    require(
        maxCategoricalIntegers >= 0,
        "--max-categorical-integers must be >= 0, got " + maxCategoricalIntegers);
    require(
        numericBins >= 0 && numericBins <= 1024,
        "--numeric-bins must be in [0, 1024], got " + numericBins);
    require(
        batchSize >= 1 && batchSize <= 65536,
        "--batch-size must be in [1, 65536], got " + batchSize);
    require(progressEvery >= 0, "--progress-every must be >= 0, got " + progressEvery);
    require(window >= 1, "--window must be >= 1, got " + window);
    require(passes >= 1, "--passes must be >= 1, got " + passes);
    require(
        learningRate > 0 && Double.isFinite(learningRate),
        "--learning-rate must be > 0, got " + learningRate);
    require(
        initialRate > 0 && initialRate < 1, "--initial-rate must be in (0, 1), got " + initialRate);
    require(Double.isFinite(initialMean), "--initial-mean must be finite, got " + initialMean);
    require(
        adagradInitialAccumulator > 0 && Double.isFinite(adagradInitialAccumulator),
        "--adagrad-initial-accumulator must be > 0, got " + adagradInitialAccumulator);
    require(l2 >= 0 && Double.isFinite(l2), "--l2 must be >= 0, got " + l2);
    Pattern ignorePattern;
    try {
      ignorePattern = Pattern.compile(autoIgnore);
    } catch (PatternSyntaxException e) {
      throw bad("--auto-ignore is not a valid regex: " + e.getDescription());
    }
    ModelConfig modelConfig = config(hiddenLayers());
    ModelConfig logisticConfig =
        modelConfig.toBuilder().hiddenLayers().interactions(ModelConfig.Interactions.NONE).build();

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CsvSchema schema = detect(ignorePattern);
    out.println(schema.describe());
    out.println("model " + modelConfig);

    double initialPrediction = loss == ModelConfig.LossType.LOGISTIC ? initialRate : initialMean;
    FeatureHasher hasher = new FeatureHasher(hashBits, modelConfig.hashSeed());
    RowEncoder encoder =
        new RowEncoder(schema, hasher, loss == ModelConfig.LossType.LOGISTIC, crossBins);
    Replay replay =
        new Replay(
            encoder,
            new ModelLearner(logisticConfig, initialPrediction),
            new ModelLearner(modelConfig, initialPrediction),
            batchSize,
            window,
            progressEvery,
            out,
            err);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    boolean cpuTime = threads.isCurrentThreadCpuTimeSupported();
    long startCpuNanos = cpuTime ? threads.getCurrentThreadCpuTime() : 0;
    long startNanos = System.nanoTime();
    for (int pass = 1; pass <= passes; pass++) {
      try (CsvReader reader = open()) {
        reader.next(); // header, checked by detect()
        replay.pass(reader, pass == 1, startNanos);
      }
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double perSecond = replay.rowsRead() / Math.max(seconds, 1e-9);
    out.println(replay.badRowSummary());
    if (cpuTime) {
      // on a shared machine wall-clock throughput depends on the load; the CPU time of this
      // thread (which parses, hashes and trains) does much less
      double cpuSeconds = (threads.getCurrentThreadCpuTime() - startCpuNanos) / 1e9;
      out.printf(
          Locale.ROOT,
          "throughput rows=%d wall_s=%.3f cpu_s=%.3f examples_per_cpu_s=%.0f%n",
          replay.rowsRead(),
          seconds,
          cpuSeconds,
          replay.rowsRead() / Math.max(cpuSeconds, 1e-9));
    }
    if (passes > 1) {
      out.printf(
          Locale.ROOT,
          "passes=%d: quality figures are from pass 1, examples_per_s over all %d passes"
              + " (%d rows in %.3f s)%n",
          passes,
          passes,
          replay.rowsRead(),
          seconds);
    }
    boolean regression = loss == ModelConfig.LossType.SQUARED;
    printResult(out, "base_rate", replay.baseMetrics(), perSecond, regression);
    printResult(out, "logistic", replay.logisticMetrics(), perSecond, regression);
    printResult(out, "model", replay.modelMetrics(), perSecond, regression);
    return 0;
  }

  private static void printResult(
      PrintWriter out, String name, ProgressiveMetrics m, double perSecond, boolean regression) {
    if (regression) {
      out.printf(
          Locale.ROOT,
          "replay %s examples=%d mse=%.6f examples_per_s=%.0f%n",
          name,
          m.count(),
          m.meanSquaredError(),
          perSecond);
      return;
    }
    out.printf(
        Locale.ROOT,
        "replay %s examples=%d logloss=%.6f auc=%.6f accuracy=%.6f examples_per_s=%.0f%n",
        name,
        m.count(),
        m.logLoss(),
        m.auc(),
        m.accuracy(),
        perSecond);
  }

  private CsvReader open() throws IOException {
    Reader reader;
    try {
      reader = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException(
          "cannot read CSV file '"
              + file
              + "': "
              + e.getClass().getSimpleName()
              + " "
              + e.getMessage(),
          e);
    }
    return new CsvReader(reader, 1 << 20);
  }

  private CsvSchema detect(Pattern ignorePattern) throws IOException {
    List<String> header = new ArrayList<>();
    List<String[]> sample = new ArrayList<>();
    try (CsvReader reader = open()) {
      if (!reader.next()) {
        throw new IOException("CSV file '" + file + "' is empty (no header row)");
      }
      for (int f = 0; f < reader.fieldCount(); f++) {
        header.add(reader.field(f));
      }
      while (sample.size() < detectRows && reader.next()) {
        String[] row = new String[reader.fieldCount()];
        for (int f = 0; f < row.length; f++) {
          row[f] = reader.field(f);
        }
        sample.add(row);
      }
    }
    return SchemaDetector.detect(
        header,
        sample,
        new SchemaDetector.Settings(
            label,
            nonBlank(categorical),
            nonBlank(numeric),
            nonBlank(ignore),
            ignorePattern,
            maxCategoricalIntegers,
            numericBins));
  }

  private static List<String> nonBlank(List<String> names) {
    return names.stream().filter(n -> !n.isBlank()).toList();
  }

  /** The state of one replay: the learners, their metrics and the counters. */
  static final class Replay {
    private static final int MAX_REPORTED_BAD_ROWS = 5;

    private final RowEncoder encoder;
    private final Learner logistic;
    private final Learner model;
    private final SparseBatch batch;
    private final int batchSize;
    private final double[] logisticPredictions;
    private final double[] modelPredictions;
    private final RunningBaseRate baseRate = new RunningBaseRate();
    private final ProgressiveMetrics baseMetrics = new ProgressiveMetrics();
    private final ProgressiveMetrics logisticMetrics = new ProgressiveMetrics();
    private final ProgressiveMetrics modelMetrics = new ProgressiveMetrics();
    private final WindowedMetrics recent;
    private final long progressEvery;
    private final PrintWriter out;
    private final PrintWriter err;
    private final long[] badRows = new long[RowEncoder.Status.values().length];
    private long badRowsTotal;
    private long rowsRead;
    private boolean record;
    private double labelSum;
    private long labelCount;

    Replay(
        RowEncoder encoder,
        Learner logistic,
        Learner model,
        int batchSize,
        int window,
        long progressEvery,
        PrintWriter out,
        PrintWriter err) {
      this.encoder = encoder;
      this.logistic = logistic;
      this.model = model;
      this.batchSize = batchSize;
      this.batch = new SparseBatch(batchSize, 64);
      this.logisticPredictions = new double[batchSize];
      this.modelPredictions = new double[batchSize];
      this.recent = new WindowedMetrics(window);
      this.progressEvery = progressEvery;
      this.out = out;
      this.err = err;
    }

    /** Streams the rest of {@code reader}; metrics are recorded only when {@code record}. */
    void pass(CsvReader reader, boolean record, long startNanos) throws IOException {
      this.record = record;
      int expected = encoder.schema().columns();
      while (reader.next()) {
        rowsRead++;
        RowEncoder.Status status = encoder.encode(reader, batch);
        if (status != RowEncoder.Status.OK) {
          if (record) {
            badRow(reader, status, expected);
          }
          continue;
        }
        double y = encoder.label();
        if (record) {
          baseMetrics.add(basePrediction(), y);
        }
        baseRate.learn(y);
        labelSum += y;
        labelCount++;
        if (batch.size() == batchSize) {
          flush();
        }
        if (progressEvery > 0 && rowsRead % progressEvery == 0) {
          progress(startNanos);
        }
      }
      flush();
    }

    /** The running base rate, or for numeric labels the running mean (0 before any label). */
    private double basePrediction() {
      if (encoder.binaryLabel()) {
        return baseRate.predict();
      }
      return labelCount == 0 ? 0 : labelSum / labelCount;
    }

    private void flush() {
      int n = batch.size();
      if (n == 0) {
        return;
      }
      logistic.scoreThenLearn(batch, logisticPredictions);
      model.scoreThenLearn(batch, modelPredictions);
      if (record) {
        for (int i = 0; i < n; i++) {
          double y = batch.label(i);
          logisticMetrics.add(logisticPredictions[i], y);
          modelMetrics.add(modelPredictions[i], y);
          recent.add(modelPredictions[i], y);
        }
      }
      batch.clear();
    }

    private void progress(long startNanos) {
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      out.printf(
          Locale.ROOT,
          "progress rows=%d rows_per_s=%.0f model_logloss=%.6f model_auc=%.6f"
              + " recent_logloss=%.6f recent_auc=%.6f base_rate_logloss=%.6f%n",
          rowsRead,
          rowsRead / Math.max(seconds, 1e-9),
          modelMetrics.logLoss(),
          modelMetrics.auc(),
          recent.logLoss(),
          recent.auc(),
          baseMetrics.logLoss());
      out.flush();
    }

    private void badRow(CsvReader reader, RowEncoder.Status status, int expected) {
      badRows[status.ordinal()]++;
      badRowsTotal++;
      if (badRowsTotal <= MAX_REPORTED_BAD_ROWS) {
        String why =
            switch (status) {
              case FIELD_COUNT -> "has " + reader.fieldCount() + " fields, expected " + expected;
              case NUMERIC -> "has a value that is not a number in a numeric column";
              case LABEL ->
                  "has a label that is not " + (encoder.binaryLabel() ? "0 or 1" : "a number");
              default -> status.name();
            };
        err.println("replay: bad row at record " + reader.recordNumber() + ": " + why);
      }
    }

    String badRowSummary() {
      return "bad_rows total="
          + badRowsTotal
          + " field_count="
          + badRows[RowEncoder.Status.FIELD_COUNT.ordinal()]
          + " numeric="
          + badRows[RowEncoder.Status.NUMERIC.ordinal()]
          + " label="
          + badRows[RowEncoder.Status.LABEL.ordinal()];
    }

    long rowsRead() {
      return rowsRead;
    }

    ProgressiveMetrics baseMetrics() {
      return baseMetrics;
    }

    ProgressiveMetrics logisticMetrics() {
      return logisticMetrics;
    }

    ProgressiveMetrics modelMetrics() {
      return modelMetrics;
    }
  }
}
