package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.IdentityJob;
import dev.flywheel.deploy.TopicSpec;
import dev.flywheel.deploy.bench.BenchResult.Events;
import dev.flywheel.deploy.bench.BenchResult.JobRun;
import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Phase 1: N synthetic events are produced once to a topic; then, per repeat, the identity job and
 * the pipeline each read exactly those records (bounded source) and write to fresh topics whose
 * records carry the broker's append time. Throughput = input records / (last − first output append
 * time); Flink's net runtime gives a second figure that includes deployment and shutdown.
 */
final class ThroughputBench {
  /** Topic of the pre-produced events. */
  static final String EVENTS_TOPIC = "bench-events";

  /** Event-time spacing of the pre-produced events: 20 events per ms (20 000/s of event time). */
  static final int EVENTS_PER_MILLI = 20;

  /** Fixed event time of the first pre-produced event, so the bytes depend only on the seed. */
  static final long T0 = 1_764_000_000_000L;

  private static final Duration JOB_TIMEOUT = Duration.ofMinutes(30);

  private final BenchCluster cluster;
  private final BenchSettings settings;
  private final PrintStream out;

  ThroughputBench(BenchCluster cluster, BenchSettings settings, PrintStream out) {
    this.cluster = cluster;
    this.settings = settings;
    this.out = out;
  }

  /** Produces the events; returns what was produced. */
  Events produce() throws Exception {
    cluster.createTopics(List.of(TopicSpec.of(EVENTS_TOPIC, settings.partitions())));
    SyntheticEvents events = new SyntheticEvents(settings.seed());
    long[] perType = new long[SyntheticEvents.Type.values().length];
    long bytes = 0;
    AtomicReference<Exception> failure = new AtomicReference<>();
    long begin = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(cluster.producerProperties())) {
      for (long i = 0; i < settings.records(); i++) {
        SyntheticEvents.Record r = events.next(T0 + i / EVENTS_PER_MILLI);
        perType[r.type().ordinal()]++;
        bytes += r.value().length;
        producer.send(
            new ProducerRecord<>(EVENTS_TOPIC, r.key(), r.value()),
            (meta, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              }
            });
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("producing the events failed", failure.get());
    }
    double seconds = (System.nanoTime() - begin) / 1e9;
    Events result =
        new Events(
            EVENTS_TOPIC,
            settings.partitions(),
            settings.records(),
            bytes,
            (double) bytes / settings.records(),
            perType[SyntheticEvents.Type.REQUEST.ordinal()],
            perType[SyntheticEvents.Type.IMPRESSION.ordinal()],
            perType[SyntheticEvents.Type.CLICK.ordinal()],
            settings.records() / seconds);
    out.printf(
        "  produced %,d events (%,d bytes, %.0f B avg; %,d requests, %,d impressions, %,d clicks)"
            + " in %.1f s%n",
        result.records(),
        result.bytes(),
        result.averageBytes(),
        result.requests(),
        result.impressions(),
        result.clicks(),
        seconds);
    return result;
  }

  /**
   * The identity job's Flink settings beyond the cluster's: the pipeline's object reuse and network
   * buffer timeout ({@link FlywheelJob#flinkConfiguration}), so that the limit does not pay for a
   * setting the pipeline does not. Until session 8 the identity job ran without object reuse and
   * deep-copied every record between its chained source and sink (a reflective tuple copy: 6.6 % of
   * its profile in run 13).
   */
  static Configuration identityConfiguration() {
    return new Configuration()
        .set(PipelineOptions.OBJECT_REUSE, true)
        .set(ExecutionOptions.BUFFER_TIMEOUT, FlywheelJob.DEFAULT_BUFFER_TIMEOUT);
  }

  /** The identity job over the events, repeat {@code repeat}. */
  JobRun identity(int repeat) throws Exception {
    String tag = repeat < 0 ? "identity-warmup" + -repeat : "identity-" + repeat;
    String output = "bench-output-" + tag;
    cluster.createTopics(
        List.of(new TopicSpec(output, settings.partitions(), BenchCluster.LOG_APPEND_TIME)));
    IdentityJob.Settings job =
        new IdentityJob.Settings(
            cluster.bootstrapServers(),
            EVENTS_TOPIC,
            output,
            "bench-" + tag,
            settings.deliveryGuarantee(),
            "bench-" + tag,
            IdentityJob.MAX_TRANSACTION_TIMEOUT,
            true);
    StreamExecutionEnvironment env = cluster.environment(identityConfiguration());
    IdentityJob.build(env, job);
    ResourceMeter meter = ResourceMeter.start(cluster.brokerProcess());
    JobID id = cluster.submit(env, "bench " + tag);
    JobResult result = cluster.await(id, JOB_TIMEOUT);
    ResourceMeter.Usage usage = meter.stop();
    BenchCluster.TopicScan scan = cluster.scan(output, readCommitted());
    JobRun run =
        jobRun(
            repeat,
            "identity",
            settings.records(),
            scan,
            settings.records(),
            0,
            0,
            scan.firstTimestamp(),
            scan.lastTimestamp(),
            result.getNetRuntime(),
            usage);
    print(run);
    return run;
  }

  /** The pipeline over the events, repeat {@code repeat}; {@code expected} predictions. */
  JobRun pipeline(int repeat, long expectedPredictions) throws Exception {
    String tag = repeat < 0 ? "pipeline-warmup" + -repeat : "pipeline-" + repeat;
    BenchSettings.Topics topics = BenchSettings.Topics.of(EVENTS_TOPIC, tag);
    cluster.createTopics(
        List.of(
            new TopicSpec(
                topics.predictions(), settings.partitions(), BenchCluster.LOG_APPEND_TIME),
            new TopicSpec(topics.modelUpdates(), 1, BenchCluster.LOG_APPEND_TIME),
            new TopicSpec(topics.dlq(), settings.partitions(), BenchCluster.LOG_APPEND_TIME)));
    JobSettings job = settings.pipelineSettings(cluster.bootstrapServers(), tag, topics, true);
    StreamExecutionEnvironment env = cluster.environment(FlywheelJob.flinkConfiguration(job));
    FlywheelJob.addKafkaPipeline(env, job);
    ResourceMeter meter = ResourceMeter.start(cluster.brokerProcess());
    JobID id = cluster.submit(env, "bench " + tag);
    JobResult result;
    ResourceMeter.Usage usage;
    try {
      result = cluster.await(id, JOB_TIMEOUT);
    } finally {
      usage = meter.stop();
    }
    BenchCluster.TopicScan predictions = cluster.scan(topics.predictions(), readCommitted());
    BenchCluster.TopicScan updates = cluster.scan(topics.modelUpdates(), readCommitted());
    BenchCluster.TopicScan dlq = cluster.scan(topics.dlq(), readCommitted());
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (BenchCluster.TopicScan s : List.of(predictions, updates, dlq)) {
      if (s.records() > 0) {
        first = Math.min(first, s.firstTimestamp());
        last = Math.max(last, s.lastTimestamp());
      }
    }
    JobRun run =
        jobRun(
            repeat,
            "pipeline",
            settings.records(),
            predictions,
            expectedPredictions,
            dlq.records(),
            updates.records(),
            first == Long.MAX_VALUE ? -1 : first,
            last == Long.MIN_VALUE ? -1 : last,
            result.getNetRuntime(),
            usage);
    print(run);
    return run;
  }

  private boolean readCommitted() {
    return settings.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE;
  }

  private static JobRun jobRun(
      int repeat,
      String job,
      long input,
      BenchCluster.TopicScan output,
      long expected,
      long deadLetters,
      long updates,
      long first,
      long last,
      long netRuntime,
      ResourceMeter.Usage usage) {
    long span = first < 0 ? -1 : last - first;
    double rate = span > 0 ? input * 1000.0 / span : Double.NaN;
    double rateNet = netRuntime > 0 ? input * 1000.0 / netRuntime : Double.NaN;
    long steady =
        output.records() == 0 ? -1 : output.steadyToTimestamp() - output.steadyFromTimestamp();
    double rateSteady =
        steady > 0
            ? (BenchCluster.TopicScan.STEADY_TO - BenchCluster.TopicScan.STEADY_FROM)
                * input
                * 1000.0
                / steady
            : Double.NaN;
    return new JobRun(
        repeat,
        job,
        input,
        output.records(),
        expected,
        deadLetters,
        updates,
        rate,
        rateNet,
        rateSteady,
        steady,
        span,
        netRuntime,
        usage);
  }

  private void print(JobRun run) {
    out.printf(
        "  %-8s repeat %d: %,.0f records/s (first→last output %.1f s; steady %,.0f/s over %.1f s;"
            + " Flink net runtime %.1f s → %,.0f/s); output %,d of %,d expected%s; CPU harness"
            + " %.2f, broker %.2f cores%n",
        run.job(),
        run.repeat(),
        run.recordsPerSecond(),
        run.firstToLastOutputMs() / 1000.0,
        run.recordsPerSecondSteady(),
        run.steadyWindowMs() / 1000.0,
        run.netRuntimeMs() / 1000.0,
        run.recordsPerSecondNetRuntime(),
        run.outputRecords(),
        run.expectedOutputRecords(),
        run.deadLetters() > 0 ? ", " + run.deadLetters() + " dead letters" : "",
        run.usage().harnessCores(),
        run.usage().brokerCores());
  }
}
