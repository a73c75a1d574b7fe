package dev.flywheel.deploy.bench;

import java.util.List;
import java.util.Map;

/**
 * The benchmark's machine-readable result, written as JSON by {@link BenchReport}. Times are in
 * milliseconds unless a name says otherwise; rates in records per second; every summarised figure
 * is the median and [min, max] over the repeats.
 *
 * @param command the command as typed ({@code ./flywheel bench ...})
 * @param jvmArguments the harness JVM's options
 * @param date start of the run, ISO-8601 UTC
 * @param machine where it ran
 * @param settings the harness options in effect
 * @param jobArguments the pipeline's options (harness-set and user-given)
 * @param events the pre-produced events of the throughput phase (null if skipped)
 * @param throughput identity vs pipeline (null if skipped)
 * @param sustainable the search for the highest sustainable open-loop rate, or null
 * @param latency one entry per offered rate (empty if skipped)
 * @param goals the project's goals, checked against the medians
 * @param profile JFR summary of the measured pipeline repeats (null if not asked)
 * @param notes how things were measured, and anything that went wrong
 */
public record BenchResult(
    String command,
    List<String> jvmArguments,
    String date,
    Machine machine,
    Map<String, Object> settings,
    List<String> jobArguments,
    Events events,
    Throughput throughput,
    Sustainable sustainable,
    List<RateResult> latency,
    List<Goal> goals,
    Profile profile,
    List<String> notes) {

  /** The machine: {@code nproc}, CPU model, Java and OS, load average at start and end. */
  public record Machine(
      int nproc,
      String cpuModel,
      String javaVersion,
      String os,
      double loadAverageStart,
      double loadAverageEnd,
      String uptimeStart,
      String uptimeEnd) {}

  /** The pre-produced events. */
  public record Events(
      String topic,
      int partitions,
      long records,
      long bytes,
      double averageBytes,
      long requests,
      long impressions,
      long clicks,
      double produceRecordsPerSecond) {}

  /**
   * One bounded job over the pre-produced events.
   *
   * @param outputRecords predictions (pipeline) or copied records (identity) read back
   * @param expectedOutputRecords what a complete run writes
   * @param recordsPerSecond input records / (last − first output append time)
   * @param recordsPerSecondNetRuntime input records / Flink's net runtime of the job
   * @param recordsPerSecondSteady the steady rate: the input records that the middle 80 % of the
   *     outputs answer (80 % of the input) / the time those outputs took to be appended, so the
   *     job's start (deployment, first models) and its end are left out
   * @param steadyWindowMs append time of the output at 90 % − that of the output at 10 %
   */
  public record JobRun(
      int repeat,
      String job,
      long inputRecords,
      long outputRecords,
      long expectedOutputRecords,
      long deadLetters,
      long modelUpdateRecords,
      double recordsPerSecond,
      double recordsPerSecondNetRuntime,
      double recordsPerSecondSteady,
      long steadyWindowMs,
      long firstToLastOutputMs,
      long netRuntimeMs,
      ResourceMeter.Usage usage) {}

  /**
   * Identity and pipeline runs and their summaries; ratios are per repeat, then summarised. The
   * goal is judged on the steady ratio ({@link JobRun#recordsPerSecondSteady}).
   */
  public record Throughput(
      List<JobRun> identity,
      List<JobRun> pipeline,
      Summary identityRecordsPerSecond,
      Summary pipelineRecordsPerSecond,
      Summary pipelineToIdentity,
      Summary identityRecordsPerSecondNetRuntime,
      Summary pipelineRecordsPerSecondNetRuntime,
      Summary pipelineToIdentityNetRuntime,
      Summary identityRecordsPerSecondSteady,
      Summary pipelineRecordsPerSecondSteady,
      Summary pipelineToIdentitySteady) {}

  /** Percentiles of one histogram. */
  public record Percentiles(long count, double p50, double p99, double p999, double max) {
    /** The percentiles of {@code h}. */
    public static Percentiles of(LogHistogram h) {
      return new Percentiles(
          h.count(), h.percentile(0.5), h.percentile(0.99), h.percentile(0.999), h.max());
    }
  }

  /**
   * One open-loop run at one offered rate.
   *
   * @param offeredRate records per second the schedule offered
   * @param achievedSendRate records sent per second of the measured window (lower if the producer
   *     fell behind its schedule)
   * @param expectedPredictions requests and impressions sent in the measured window
   * @param receivedPredictions predictions of those read back before the drain timeout
   * @param appendLatencyMs prediction append time (LogAppendTime) − intended send time
   * @param consumedLatencyMs time the harness's consumer saw the prediction − intended send time
   * @param producerLagMicros actual − intended send time in the producer, over the measured window
   *     (until session 5 it also covered the warm-up)
   * @param freshnessMs prediction's {@code scoredAt} − newest example event time of the model
   *     version that scored it (from the model-updates topic)
   * @param freshnessUnknown predictions whose model version had no published examples (version 0,
   *     or no update read)
   * @param gcPauses the harness JVM's stop-the-world GC pauses that started in the measured window
   * @param timelineFile the run's latency timeline (CSV, per 100 ms of intended send time)
   */
  public record RateRun(
      int repeat,
      double offeredRate,
      double achievedSendRate,
      long sent,
      long expectedPredictions,
      long receivedPredictions,
      Percentiles appendLatencyMs,
      Percentiles consumedLatencyMs,
      Percentiles producerLagMicros,
      Percentiles freshnessMs,
      long freshnessUnknown,
      ResourceMeter.Usage usage,
      GcPauses.Summary gcPauses,
      String timelineFile) {}

  /** All runs at one offered rate and their summaries. */
  public record RateResult(
      double fractionOfMax,
      double offeredRate,
      List<RateRun> runs,
      Summary latencyP50Ms,
      Summary latencyP99Ms,
      Summary latencyP999Ms,
      Summary latencyMaxMs,
      Summary freshnessP50Ms,
      Summary freshnessP99Ms,
      Summary freshnessUnknown,
      Summary missingPredictions,
      Summary harnessCores,
      Summary brokerCores,
      Summary producerLagP99Ms,
      Summary gcPauseCount,
      Summary gcPauseTotalMs,
      Summary gcPauseMaxMs) {}

  /**
   * The search for the highest sustainable open-loop rate (null when the rates had another basis).
   *
   * @param replayRate the throughput phase's pipeline records/s (median), the search's first probe
   * @param rate the highest probe that was sustained (if none was, the bottom of the search, 20 %
   *     of the replay rate, which was not probed)
   * @param found whether any probe was sustained
   * @param bracketed whether a probe above {@code rate} failed ({@code failedRate}), so the highest
   *     sustainable rate lies between the two; if false and {@code found}, every probe was
   *     sustained and {@code rate} is only a lower bound (the search's cap or its probe budget was
   *     reached)
   * @param failedRate the lowest probe that was not sustained, the bracket's top; null if every
   *     probe was sustained
   * @param probes every probe, in the order run
   */
  public record Sustainable(
      double replayRate,
      double rate,
      boolean found,
      boolean bracketed,
      Double failedRate,
      List<Probe> probes) {}

  /**
   * One probe of the search: an open-loop run at one rate in the search's job.
   *
   * @param sustained median latency at most {@link LatencyBench#SUSTAINED_P50_MS} and every
   *     prediction of the window back before the drain timeout
   */
  public record Probe(
      double offeredRate,
      double fractionOfReplay,
      double p50Ms,
      double p99Ms,
      double producerLagP99Ms,
      long missingPredictions,
      boolean sustained) {}

  /** One of the project's goals and whether the median met it. */
  public record Goal(String goal, String target, double measured, String unit, Boolean met) {}

  /** Top frames and threads of the JFR execution samples of the measured pipeline repeats. */
  public record Profile(
      String file,
      long samples,
      List<FrameCount> topFrames,
      List<FrameCount> topFlywheelFrames,
      List<FrameCount> threads) {}

  /** A method and the share of samples it had. */
  public record FrameCount(String frame, long samples, double share) {}
}
