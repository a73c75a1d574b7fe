package dev.flywheel.deploy.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flywheel.deploy.bench.BenchResult.FrameCount;
import dev.flywheel.deploy.bench.BenchResult.Goal;
import dev.flywheel.deploy.bench.BenchResult.JobRun;
import dev.flywheel.deploy.bench.BenchResult.RateResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Writes a {@link BenchResult} as JSON and as a short Markdown report. */
public final class BenchReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchReport() {}

  /** The result as JSON. */
  public static String json(BenchResult result) throws IOException {
    return JSON.writeValueAsString(result);
  }

  /** Writes {@code <name>.json} and {@code <name>.md} into {@code dir}; returns both paths. */
  public static List<Path> write(BenchResult result, Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Path json = dir.resolve(name + ".json");
    Path md = dir.resolve(name + ".md");
    Files.writeString(json, json(result) + "\n");
    Files.writeString(md, markdown(result));
    return List.of(json, md);
  }

  /**
   * What the search's rate is: bracketed by a failed probe above it, only a lower bound (every
   * probe sustained), or the search's unprobed bottom (no probe sustained).
   */
  static String searchOutcome(BenchResult.Sustainable su) {
    if (!su.found()) {
      return "no probe was sustained: this is the search's bottom, not probed";
    }
    if (su.bracketed()) {
      return String.format(
          Locale.ROOT,
          "bracketed: %,.0f/s (%.0f %% of replay) was not sustained",
          su.failedRate(),
          100 * su.failedRate() / su.replayRate());
    }
    return "only a lower bound: every probe was sustained";
  }

  /** {@code x} without a trailing ".0". */
  private static String plain(double x) {
    return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
  }

  /** The result as Markdown: conditions, throughput, latency and freshness, goals. */
  public static String markdown(BenchResult r) {
    StringBuilder b = new StringBuilder();
    var m = r.machine();
    b.append("Command: `").append(r.command()).append("`\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "Date: %s; machine: %d CPUs (`nproc`), %s; Java %s; %s. Load average (1 min) %.2f at"
                + " the start, %.2f at the end.%n%n",
            r.date(),
            m.nproc(),
            m.cpuModel(),
            m.javaVersion(),
            m.os(),
            m.loadAverageStart(),
            m.loadAverageEnd()));
    if (r.jvmArguments() != null && !r.jvmArguments().isEmpty()) {
      // the heap's sizing and G1's regions move every figure (docs/bench/pipeline.md, "Eleventh
      // round"): the options are part of the conditions
      b.append("Harness JVM options: `")
          .append(String.join(" ", r.jvmArguments()))
          .append("`.\n\n");
    }
    int repeats = ((Number) r.settings().getOrDefault("repeats", 0)).intValue();
    b.append("Figures are the median [min–max] over ").append(repeats).append(" repeats.\n\n");
    if (r.throughput() != null && r.events() != null) {
      var e = r.events();
      var t = r.throughput();
      b.append(
          String.format(
              Locale.ROOT,
              "### Throughput: %,d events (%.0f bytes on average; %,d requests, %,d impressions,"
                  + " %,d clicks), %d partitions, %s%n%n",
              e.records(),
              e.averageBytes(),
              e.requests(),
              e.impressions(),
              e.clicks(),
              e.partitions(),
              r.settings().get("deliveryGuarantee")));
      b.append(
          "| job | records/s, steady (middle 80 % of outputs) | records/s, first → last output |"
              + " records/s, Flink net runtime | CPU harness JVM (cores) | CPU broker (cores) |"
              + " heap after GC, max seen (MiB) |\n");
      b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
      jobRow(
          b,
          "identity",
          t.identity(),
          t.identityRecordsPerSecondSteady(),
          t.identityRecordsPerSecond(),
          t.identityRecordsPerSecondNetRuntime());
      jobRow(
          b,
          "pipeline",
          t.pipeline(),
          t.pipelineRecordsPerSecondSteady(),
          t.pipelineRecordsPerSecond(),
          t.pipelineRecordsPerSecondNetRuntime());
      b.append("| pipeline / identity | ")
          .append(percent(t.pipelineToIdentitySteady()))
          .append(" | ")
          .append(percent(t.pipelineToIdentity()))
          .append(" | ")
          .append(percent(t.pipelineToIdentityNetRuntime()))
          .append(" | | | |\n\n");
    }
    if (r.sustainable() != null) {
      var su = r.sustainable();
      b.append(
          String.format(
              Locale.ROOT,
              "### Highest sustainable open-loop rate: %,.0f/s (%.0f %% of the replay throughput,"
                  + " %,.0f/s)%s%n%n",
              su.rate(),
              100 * su.rate() / su.replayRate(),
              su.replayRate(),
              "; " + searchOutcome(su)));
      RateSearch search = LatencyBench.SEARCH;
      b.append(
          "A probe is sustained if its median latency is at most 500 ms and every prediction came"
              + " back (one job, probes in the order run, each 5 s of warm-up and 15 s"
              + " measured, after 30 s at 20 % of the replay throughput for the job's start).");
      b.append(
          String.format(
              Locale.ROOT,
              " The first probe is at %.0f %% of the replay throughput; while they are sustained,"
                  + " each next one is × %s, up to %.0f %%; after the first that is not, they"
                  + " bisect between the highest sustained and the lowest failed probe (from %.0f"
                  + " %% if none was sustained); %d probes at most.%n%n",
              100 * search.start(),
              plain(search.growth()),
              100 * search.cap(),
              100 * search.low(),
              search.budget()));
      b.append(
          "| probe rate (records/s) | of replay | p50 | p99 | producer lag p99 |"
              + " predictions missing | sustained |\n");
      b.append("| --- | --- | --- | --- | --- | --- | --- |\n");
      for (BenchResult.Probe p : su.probes()) {
        b.append(
            String.format(
                Locale.ROOT,
                "| %,.0f | %.0f %% | %,.0f | %,.0f | %,.0f | %d | %s |%n",
                p.offeredRate(),
                100 * p.fractionOfReplay(),
                p.p50Ms(),
                p.p99Ms(),
                p.producerLagP99Ms(),
                p.missingPredictions(),
                p.sustained() ? "yes" : "no"));
      }
      b.append('\n');
    }
    if (r.latency() != null && !r.latency().isEmpty()) {
      b.append(
          "### Latency (event intended send time → prediction appended, ms) and model freshness"
              + " (ms)\n\n");
      b.append(
          "| offered rate (records/s) | of basis | p50 | p99 | p99.9 | max | freshness p50 |"
              + " freshness p99 | predictions without freshness | predictions missing | CPU harness /"
              + " broker (cores) | producer lag p99 | GC pauses: count, total, longest |\n");
      b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
      for (RateResult rate : r.latency()) {
        b.append(String.format(Locale.ROOT, "| %,.0f | ", rate.offeredRate()))
            .append(Double.isNaN(rate.fractionOfMax()) ? "-" : percent(rate.fractionOfMax()))
            .append(" | ")
            .append(fmt(rate.latencyP50Ms()))
            .append(" | ")
            .append(fmt(rate.latencyP99Ms()))
            .append(" | ")
            .append(fmt(rate.latencyP999Ms()))
            .append(" | ")
            .append(fmt(rate.latencyMaxMs()))
            .append(" | ")
            .append(fmt(rate.freshnessP50Ms()))
            .append(" | ")
            .append(fmt(rate.freshnessP99Ms()))
            .append(" | ")
            .append(fmt(rate.freshnessUnknown()))
            .append(" | ")
            .append(fmt(rate.missingPredictions()))
            .append(" | ")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.2f / %.2f",
                    rate.harnessCores().median(),
                    rate.brokerCores().median()))
            .append(" | ")
            .append(fmt(rate.producerLagP99Ms()))
            .append(" | ")
            .append(
                String.format(
                    Locale.ROOT,
                    "%.0f, %.0f, %.0f",
                    rate.gcPauseCount().median(),
                    rate.gcPauseTotalMs().median(),
                    rate.gcPauseMaxMs().median()))
            .append(" |\n");
      }
      b.append('\n');
    }
    if (!r.goals().isEmpty()) {
      b.append(
          "### Goals\n\n| goal | target | measured (median) | met |\n| --- | --- | --- | --- |\n");
      for (Goal g : r.goals()) {
        b.append("| ")
            .append(g.goal())
            .append(" | ")
            .append(g.target())
            .append(" | ")
            .append(
                Double.isNaN(g.measured())
                    ? "-"
                    : String.format(Locale.ROOT, "%,.2f %s", g.measured(), g.unit()))
            .append(" | ")
            .append(g.met() == null ? "not measured" : g.met() ? "yes" : "**no**")
            .append(" |\n");
      }
      b.append('\n');
    }
    if (r.profile() != null) {
      b.append("### JFR: ")
          .append(r.profile().samples())
          .append(" execution samples of the measured pipeline repeats\n\n");
      frames(b, "thread (task)", r.profile().threads());
      frames(b, "top of stack (self time)", r.profile().topFrames());
      frames(b, "topmost Flywheel frame (time in and below it)", r.profile().topFlywheelFrames());
    }
    if (!r.notes().isEmpty()) {
      b.append("Notes:\n\n");
      for (String note : r.notes()) {
        b.append("* ").append(note).append('\n');
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static void frames(StringBuilder b, String title, List<FrameCount> frames) {
    b.append("| ").append(title).append(" | samples | share |\n| --- | --- | --- |\n");
    for (FrameCount f : frames.subList(0, Math.min(12, frames.size()))) {
      b.append("| `")
          .append(f.frame())
          .append("` | ")
          .append(f.samples())
          .append(" | ")
          .append(String.format(Locale.ROOT, "%.1f %%", 100 * f.share()))
          .append(" |\n");
    }
    b.append('\n');
  }

  private static void jobRow(
      StringBuilder b,
      String name,
      List<JobRun> runs,
      Summary rateSteady,
      Summary rate,
      Summary rateNet) {
    b.append("| ")
        .append(name)
        .append(" | ")
        .append(fmt(rateSteady))
        .append(" | ")
        .append(fmt(rate))
        .append(" | ")
        .append(fmt(rateNet))
        .append(" | ")
        .append(fmt2(summarise(runs, run -> run.usage().harnessCores())))
        .append(" | ")
        .append(fmt2(summarise(runs, run -> run.usage().brokerCores())))
        .append(" | ")
        .append(fmt(summarise(runs, run -> run.usage().heapAfterGcBytes() / 1048576.0)))
        .append(" of ")
        .append(
            runs.isEmpty()
                ? "-"
                : String.format(Locale.ROOT, "%,d", runs.get(0).usage().heapMaxBytes() / 1048576))
        .append(" |\n");
  }

  static Summary summarise(List<JobRun> runs, ToDoubleFunction<JobRun> f) {
    return Summary.of(runs.stream().map(run -> f.applyAsDouble(run)).toList());
  }

  /** {@code median [min–max]} with thousands separators and no decimals. */
  static String fmt(Summary s) {
    if (s.n() == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%,.0f [%,.0f–%,.0f]", s.median(), s.min(), s.max());
  }

  private static String fmt2(Summary s) {
    if (s.n() == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", s.median(), s.min(), s.max());
  }

  private static String percent(Summary s) {
    if (s.n() == 0) {
      return "-";
    }
    return String.format(
        Locale.ROOT, "%.0f %% [%.0f–%.0f %%]", 100 * s.median(), 100 * s.min(), 100 * s.max());
  }

  private static String percent(double f) {
    return String.format(Locale.ROOT, "%.0f %%", 100 * f);
  }
}
