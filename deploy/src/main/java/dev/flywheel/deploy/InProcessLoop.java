package dev.flywheel.deploy;

import dev.flywheel.jobs.config.FlywheelOptions;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.model.Model;
import dev.flywheel.model.SparseBatch;
import dev.flywheel.simulator.CurveRecorder;
import dev.flywheel.simulator.EventWriter;
import dev.flywheel.simulator.ModelPolicy;
import dev.flywheel.simulator.OfflineRun;
import dev.flywheel.simulator.OraclePolicy;
import dev.flywheel.simulator.Outcome;
import dev.flywheel.simulator.RandomPolicy;
import dev.flywheel.simulator.Ranking;
import dev.flywheel.simulator.Request;
import dev.flywheel.simulator.SimulatorCli;
import dev.flywheel.simulator.Slate;
import dev.flywheel.simulator.World;
import dev.flywheel.simulator.WorldConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * The closed loop in one thread, without Kafka or Flink, for tuning in seconds: the simulator's
 * {@link World} and {@link EventWriter} produce the very JSON events the application sends, the
 * job's {@link EventDecoder} (with the job's options: hashing, feature crosses) decodes them, a
 * "scorer" {@link Model} ranks each request's candidates, the simulator's ε-greedy {@link
 * ModelPolicy} chooses the slate, the world draws the clicks, and a "trainer" model learns from the
 * impressions with their labels after the delays the pipeline would add, in mini-batches of the
 * job's batch size; every {@code publishEvery} requests the trainer's model is copied to the scorer
 * (freshness). Random and the oracle play the same requests and click draws, as in the simulator.
 *
 * <p>Delays, in requests (at the local runner's 200 requests/s and time scale 20): a negative
 * reaches the trainer when the attribution window of its impression has passed in event time
 * (default 1 850 requests: 3 min + the 5 s watermark delay, / 20, × 200/s); a positive when its
 * click arrives (the world's click delay in seconds × {@code clickRequestsPerSecond}, default 10 =
 * 200/s / 20). What it leaves out: Kafka and checkpoint latency, the scorer's parallel copies,
 * requests that fall back to random slates on a slow machine. So it is an upper bound of what the
 * pipeline reaches with the same options, and the place to compare options fast.
 *
 * <p>Run it with {@code ./flywheel sim-loop [options] [--flywheel.<job option> value ...]}; {@link
 * #main} prints the options. Like {@code ./flywheel local --simulate}, the command line gives the
 * job the simulator's feature crosses ({@link LocalSimulation#CROSSES}) unless told otherwise.
 */
public final class InProcessLoop {

  /**
   * What to run.
   *
   * @param requests requests to play
   * @param window requests per curve window
   * @param candidates candidates per request
   * @param k items shown per request
   * @param epsilon the model policy's exploration probability per position
   * @param seed the world's seed
   * @param driftAt request index of the drift (0 = none)
   * @param negativeDelay requests between an impression and its negative label at the trainer
   * @param clickRequestsPerSecond requests per second of (simulated) click delay
   * @param publishEvery requests between two publications of the trainer's model to the scorer
   * @param job the job's settings (hashing, crosses, model options, batch size)
   */
  public record Settings(
      int requests,
      int window,
      int candidates,
      int k,
      double epsilon,
      long seed,
      long driftAt,
      int negativeDelay,
      double clickRequestsPerSecond,
      int publishEvery,
      JobSettings job) {

    /**
     * The defaults: the recorded loop run's scenario (40 000 requests, windows of 2 000) with the
     * simulator's default ε and the given job settings.
     */
    public static Settings defaults(JobSettings job) {
      double epsilon = SimulatorCli.parse().epsilon();
      return new Settings(40_000, 2_000, 20, 5, epsilon, 42L, 0, 1_850, 10.0, 200, job);
    }
  }

  /**
   * The three curves of a run.
   *
   * @param model the model policy
   * @param random the random policy on the same requests
   * @param oracle the oracle on the same requests
   * @param trainedExamples examples the trainer learned from
   */
  public record Result(
      CurveRecorder model, CurveRecorder random, CurveRecorder oracle, long trainedExamples) {

    /** Mean CTR of the last {@code n} windows of a curve. */
    public static double lastCtr(CurveRecorder curve, int n) {
      List<CurveRecorder.Window> w = curve.windows();
      long clicks = 0;
      long impressions = 0;
      for (int i = Math.max(0, w.size() - n); i < w.size(); i++) {
        clicks += w.get(i).clicks();
        impressions += w.get(i).impressions();
      }
      return impressions == 0 ? Double.NaN : (double) clicks / impressions;
    }
  }

  /** A logged impression waiting for its label. */
  private record Pending(long due, long seq, Event impression, double label) {}

  private InProcessLoop() {}

  /** Plays the loop; see the class comment. */
  public static Result run(Settings s) {
    WorldConfig config = WorldConfig.defaults().withSeed(s.seed());
    if (s.driftAt() > 0) {
      config = config.withDrift(s.driftAt(), WorldConfig.DriftKind.BOTH);
    }
    World world = new World(config);
    EventWriter writer = new EventWriter(world, "default", "");
    EventDecoder decoder = new EventDecoder(s.job().decoderConfig());
    ModelPolicy policy = new ModelPolicy(world, s.epsilon());
    CurveRecorder modelCurve = new CurveRecorder("model", s.window());

    Model trainer = s.job().newModel();

    Model scorer = trainer.copy();
    int batchSize = s.job().batchSize();
    SparseBatch scoreBatch = new SparseBatch(s.candidates(), 32);
    SparseBatch trainBatch = new SparseBatch(batchSize, 32);
    double[] scores = new double[s.candidates()];
    PriorityQueue<Pending> pending =
        new PriorityQueue<>(
            (a, b) ->
                a.due() != b.due() ? Long.compare(a.due(), b.due()) : Long.compare(a.seq, b.seq));
    long seq = 0;
    long trained = 0;
    long ts = 1_767_225_600_000L; // 2026-01-01: any valid event time

    for (long n = 0; n < s.requests(); n++) {
      // labels that reached the trainer by now, in mini-batches of the job's size
      while (!pending.isEmpty() && pending.peek().due() <= n) {
        Pending p = pending.poll();
        p.impression().addFeatures(trainBatch);
        trainBatch.endExample(p.label(), 1.0);
        if (trainBatch.size() == batchSize) {
          trainer.train(trainBatch, null);
          trained += trainBatch.size();
          trainBatch.clear();
        }
      }
      if (n % s.publishEvery() == 0 && trainer.version() != scorer.version()) {
        scorer = trainer.copy();
      }

      Request r = world.request(n, s.candidates());
      Event request = decoder.decode(writer.request(r, ts + n));
      if (request == null) {
        throw new IllegalStateException("request rejected: " + decoder.failure());
      }
      int c = request.candidateCount();
      scoreBatch.clear();
      for (int j = 0; j < c; j++) {
        request.addCandidateFeatures(scoreBatch, j);
        scoreBatch.endExample(0.0);
      }
      scorer.score(scoreBatch, scores);
      Ranking ranking =
          new Ranking(
              request.requestId,
              "default",
              scorer.version(),
              request.candidateItemIds,
              java.util.Arrays.copyOf(scores, c));
      Slate slate = policy.choose(r, ranking, s.k());
      Outcome o = world.outcome(r, slate.items());
      modelCurve.record(n, slate, o, scorer.version());
      for (int pos = 0; pos < s.k(); pos++) {
        int item = slate.items()[pos];
        Event impression =
            decoder.decode(writer.impression(r, item, pos, slate.propensities()[pos], ts + n));
        if (impression == null) {
          throw new IllegalStateException("impression rejected: " + decoder.failure());
        }
        boolean clicked = o.clicked()[pos];
        long delay =
            clicked
                ? Math.round(o.delaySeconds()[pos] * s.clickRequestsPerSecond())
                : s.negativeDelay();
        pending.add(new Pending(n + Math.max(1, delay), seq++, impression, clicked ? 1 : 0));
      }
    }
    CurveRecorder random =
        OfflineRun.run(
            world, new RandomPolicy(world), s.requests(), s.candidates(), s.k(), s.window());
    CurveRecorder oracle =
        OfflineRun.run(
            world, new OraclePolicy(world), s.requests(), s.candidates(), s.k(), s.window());
    return new Result(modelCurve, random, oracle, trained);
  }

  /** Prints the curve per window and the summary lines. */
  public static void report(Settings s, Result r, PrintStream out) {
    out.println(
        "requests   model   random  oracle  model/random  model/oracle  model logloss  version");
    List<CurveRecorder.Window> m = r.model().windows();
    for (int i = 0; i < m.size(); i++) {
      double mc = m.get(i).ctr();
      double rc = r.random().windows().get(i).ctr();
      double oc = r.oracle().windows().get(i).ctr();
      out.printf(
          Locale.ROOT,
          "%8d  %6.2f%%  %6.2f%%  %6.2f%%  %11.2fx  %11.1f%%  %13.4f  %7d%n",
          Math.min((long) (i + 1) * s.window(), s.requests()),
          100 * mc,
          100 * rc,
          100 * oc,
          mc / rc,
          100 * mc / oc,
          m.get(i).logLoss(),
          m.get(i).modelVersion());
    }
    for (int n : new int[] {1, 5}) {
      double mc = Result.lastCtr(r.model(), n);
      double rc = Result.lastCtr(r.random(), n);
      double oc = Result.lastCtr(r.oracle(), n);
      out.printf(
          Locale.ROOT,
          "last %d window%s: model %.2f%%  random %.2f%%  oracle %.2f%%  → %.2fx random, %.1f%% of"
              + " the oracle%n",
          n,
          n == 1 ? " " : "s",
          100 * mc,
          100 * rc,
          100 * oc,
          mc / rc,
          100 * mc / oc);
    }
    if (s.driftAt() > 0) {
      int driftWindow = (int) (s.driftAt() / s.window());
      double before = 0;
      int counted = 0;
      for (int i = Math.max(0, driftWindow - 3); i < driftWindow; i++) {
        before += m.get(i).ctr() / r.oracle().windows().get(i).ctr();
        counted++;
      }
      before /= Math.max(1, counted);
      String back = "never";
      String at85 = "never";
      for (int i = driftWindow; i < m.size(); i++) {
        double share = m.get(i).ctr() / r.oracle().windows().get(i).ctr();
        long after = (long) (i + 1) * s.window() - s.driftAt();
        if (back.equals("never") && share >= before) {
          back = after + " requests";
        }
        if (at85.equals("never") && share >= 0.85) {
          at85 = after + " requests";
        }
      }
      out.printf(
          Locale.ROOT,
          "drift at %d: %.1f%% of the oracle over the 3 windows before; back to it by the end of"
              + " the window %s after the drift; 85%% of the oracle: %s%n",
          s.driftAt(),
          100 * before,
          back,
          at85);
    }
    out.printf(Locale.ROOT, "trained examples: %d%n", r.trainedExamples());
  }

  private static final String USAGE =
      """
      Usage: ./flywheel sim-loop [options] [--flywheel.<job option> value ...]
      The closed loop in-process (world → events → decoder → scorer → ε-greedy policy → clicks →
      delayed labels → trainer → publication), no Kafka, no Flink: seconds per run.
        --requests N            requests (default 40000)
        --window N              requests per window (default 2000)
        --candidates N, -k N    candidates per request and items shown (default 20, 5)
        --epsilon X             exploration of the model policy (default: the simulator's, 0.02)
        --seed N                world seed (default 42)
        --drift-at N            request of the drift (default 0: none)
        --negative-delay N      requests before a negative reaches the trainer (default 1850)
        --click-requests-per-second X
                                requests per second of click delay (default 10)
        --publish-every N       requests between model publications (default 200)
        --flywheel.* value      any job option; as under ./flywheel local --simulate the job
                                crosses segment*category,segment*item unless
                                --flywheel.features.crosses is given ('' for none)
      """;

  /** The command line; see {@link #USAGE}. */
  public static void main(String[] args) {
    Settings d = Settings.defaults(JobSettings.defaults());
    int requests = d.requests();
    int window = d.window();
    int candidates = d.candidates();
    int k = d.k();
    double epsilon = d.epsilon();
    long seed = d.seed();
    long driftAt = d.driftAt();
    int negativeDelay = d.negativeDelay();
    double clickRate = d.clickRequestsPerSecond();
    int publishEvery = d.publishEvery();
    List<String> jobArgs = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("-h") || a.equals("--help")) {
          System.out.print(USAGE);
          System.out.print(FlywheelOptions.helpText());
          return;
        }
        if (a.startsWith("--flywheel.")) {
          int eq = a.indexOf('=');
          if (eq > 0) {
            jobArgs.add(a.substring(0, eq));
            jobArgs.add(a.substring(eq + 1));
          } else {
            jobArgs.add(a);
            jobArgs.add(value(args, ++i, a));
          }
          continue;
        }
        String v = value(args, ++i, a);
        switch (a) {
          case "--requests" -> requests = Integer.parseInt(v);
          case "--window" -> window = Integer.parseInt(v);
          case "--candidates" -> candidates = Integer.parseInt(v);
          case "-k", "--k" -> k = Integer.parseInt(v);
          case "--epsilon" -> epsilon = Double.parseDouble(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--drift-at" -> driftAt = Long.parseLong(v);
          case "--negative-delay" -> negativeDelay = Integer.parseInt(v);
          case "--click-requests-per-second" -> clickRate = Double.parseDouble(v);
          case "--publish-every" -> publishEvery = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
        }
      }
      if (requests < 1 || window < 1 || publishEvery < 1 || negativeDelay < 0 || k > candidates) {
        throw new IllegalArgumentException(
            "--requests, --window, --publish-every must be >= 1, --negative-delay >= 0, -k <="
                + " --candidates");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("sim-loop: " + e.getMessage());
      System.exit(2);
      return;
    }
    Settings s =
        new Settings(
            requests,
            window,
            candidates,
            k,
            epsilon,
            seed,
            driftAt,
            negativeDelay,
            clickRate,
            publishEvery,
            JobSettings.fromArgs(
                LocalSimulation.jobArgs(FlywheelLauncher.NAME, jobArgs).toArray(new String[0])));
    System.out.println(
        "job options: "
            + String.join(" ", LocalSimulation.jobArgs(FlywheelLauncher.NAME, jobArgs))
            + "; ε "
            + epsilon);
    long start = System.nanoTime();
    Result r = run(s);
    report(s, r, System.out);
    System.out.printf(Locale.ROOT, "%.1f s%n", (System.nanoTime() - start) / 1e9);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
