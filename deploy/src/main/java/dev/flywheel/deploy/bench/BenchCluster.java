package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.LocalKafka;
import dev.flywheel.deploy.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark's machinery: a {@link LocalKafka} broker in its own JVM and a Flink MiniCluster in
 * this one, in a work directory deleted on {@link #close()}. Submits jobs, waits for them, and
 * reads output topics back (count, first and last append time).
 */
final class BenchCluster implements AutoCloseable {
  private static final Duration FLINK_TIMEOUT = Duration.ofSeconds(60);

  /** Topic config that makes the broker stamp every record with its append time. */
  static final Map<String, String> LOG_APPEND_TIME =
      Map.of("message.timestamp.type", "LogAppendTime");

  private final Path workDir;
  private final LocalKafka kafka;
  private final MiniCluster flink;
  private final Configuration conf;
  private final int parallelism;

  private BenchCluster(
      Path workDir, LocalKafka kafka, MiniCluster flink, Configuration conf, int parallelism) {
    this.workDir = workDir;
    this.kafka = kafka;
    this.flink = flink;
    this.conf = conf;
    this.parallelism = parallelism;
  }

  /** Starts the broker and the MiniCluster; ports 0 pick free ones. */
  static BenchCluster start(
      Path workDir,
      int kafkaPort,
      int controllerPort,
      int dashboardPort,
      String kafkaHeap,
      int parallelism,
      Duration checkpointInterval)
      throws Exception {
    deleteRecursively(workDir);
    Files.createDirectories(workDir);
    LocalKafka kafka =
        LocalKafka.builder(workDir.resolve("kafka"))
            .port(kafkaPort == 0 ? freePort() : kafkaPort)
            .controllerPort(controllerPort == 0 ? freePort() : controllerPort)
            .maxHeap(kafkaHeap)
            .start();
    try {
      Configuration conf = new Configuration();
      int rest = dashboardPort == 0 ? freePort() : dashboardPort;
      conf.set(RestOptions.ADDRESS, "localhost");
      conf.set(RestOptions.BIND_ADDRESS, "localhost");
      conf.set(RestOptions.PORT, rest);
      conf.set(RestOptions.BIND_PORT, Integer.toString(rest));
      conf.set(WebOptions.TMP_DIR, workDir.resolve("flink-web").toString());
      conf.set(
          CoreOptions.TMP_DIRS, Files.createDirectories(workDir.resolve("flink-tmp")).toString());
      conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      conf.set(
          CheckpointingOptions.CHECKPOINTS_DIRECTORY,
          workDir.resolve("checkpoints").toUri().toString());
      conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
      conf.set(PipelineOptions.GENERIC_TYPES, false);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      MiniCluster flink =
          new MiniCluster(
              new MiniClusterConfiguration.Builder()
                  .setConfiguration(conf)
                  .setNumTaskManagers(1)
                  .setNumSlotsPerTaskManager(parallelism)
                  .build());
      flink.start();
      return new BenchCluster(workDir, kafka, flink, conf, parallelism);
    } catch (Exception | Error e) {
      kafka.close();
      throw e;
    }
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  ProcessHandle brokerProcess() {
    return kafka.process();
  }

  Duration brokerStartup() {
    return kafka.startupTime();
  }

  /** A fresh environment for one job, with the cluster's configuration plus {@code extra}. */
  StreamExecutionEnvironment environment(Configuration extra) {
    Configuration c = new Configuration(conf);
    c.addAll(extra);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(c);
    env.setParallelism(parallelism);
    return env;
  }

  /** Creates topics (which must not exist yet). */
  void createTopics(Collection<TopicSpec> topics) {
    List<String> created = kafka.createTopics(topics);
    if (created.size() != topics.size()) {
      throw new IllegalStateException("topics existed already: " + topics + ", created " + created);
    }
  }

  /** Submits the job built on {@code env}. */
  JobID submit(StreamExecutionEnvironment env, String name) throws Exception {
    awaitFreeSlots(FLINK_TIMEOUT);
    var graph = env.getStreamGraph();
    graph.setJobName(name);
    return flink
        .submitJob(graph.getJobGraph())
        .get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .getJobID();
  }

  /**
   * Waits until every slot of the MiniCluster is free. A job's slots go back to the pool a little
   * after the job reaches a terminal state; a job submitted in between failed at once with "Could
   * not acquire the minimum required resources" (session 8: the latency phase's first job,
   * submitted 0.3 s after the rate search's job was cancelled).
   */
  void awaitFreeSlots(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      var overview = flink.requestClusterOverview().get(10, TimeUnit.SECONDS);
      if (overview.getNumSlotsAvailable() >= overview.getNumSlotsTotal()
          && overview.getNumSlotsTotal() >= parallelism) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            overview.getNumSlotsAvailable()
                + " of "
                + overview.getNumSlotsTotal()
                + " slots free after "
                + timeout);
      }
      Thread.sleep(50);
    }
  }

  /** Waits until {@code job} ends; throws with the cause if it did not succeed. */
  JobResult await(JobID job, Duration timeout) throws Exception {
    JobResult result;
    try {
      result = flink.requestJobResult(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      cancel(job);
      throw new IllegalStateException("job " + job + " did not finish within " + timeout, e);
    }
    if (!result.isSuccess()) {
      Throwable cause =
          result
              .getSerializedThrowable()
              .map(t -> t.deserializeError(BenchCluster.class.getClassLoader()))
              .orElse(null);
      throw new IllegalStateException(
          "job " + job + " failed: " + result.getApplicationStatus(), cause);
    }
    return result;
  }

  /** Waits until every task of {@code job} runs (or it ended). */
  void awaitRunning(JobID job, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JobStatus status = flink.getJobStatus(job).get(10, TimeUnit.SECONDS);
      if (status.isGloballyTerminalState()) {
        await(job, Duration.ofSeconds(10)); // throws with the cause if it failed
        throw new IllegalStateException("job " + job + " ended during start-up: " + status);
      }
      if (status == JobStatus.RUNNING && allTasksRunning(job)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("job " + job + " was not running within " + timeout);
  }

  /**
   * The checkpoints of {@code job} that Flink's checkpoint history still holds (the last 10 by
   * default): {trigger time, end time} in epoch ms, end time -1 while one is in progress.
   */
  List<long[]> checkpoints(JobID job) throws Exception {
    var graph = flink.getArchivedExecutionGraph(job).get(10, TimeUnit.SECONDS);
    var stats = graph.getCheckpointStatsSnapshot();
    List<long[]> out = new ArrayList<>();
    if (stats == null) {
      return out;
    }
    for (var c : stats.getHistory().getCheckpoints()) {
      boolean done = c.getStatus().isCompleted() || c.getStatus().isFailed();
      out.add(
          new long[] {
            c.getTriggerTimestamp(), done ? c.getTriggerTimestamp() + c.getEndToEndDuration() : -1
          });
    }
    return out;
  }

  private boolean allTasksRunning(JobID job) throws Exception {
    var graph = flink.getArchivedExecutionGraph(job).get(10, TimeUnit.SECONDS);
    for (var vertex : graph.getAllExecutionVertices()) {
      if (vertex.getExecutionState() != org.apache.flink.runtime.execution.ExecutionState.RUNNING) {
        return false;
      }
    }
    return true;
  }

  /** Cancels {@code job} and waits for it to end. */
  void cancel(JobID job) {
    try {
      if (!flink.getJobStatus(job).get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
        flink.cancelJob(job).get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        flink.requestJobResult(job).get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("bench: could not cancel job " + job + ": " + e);
    }
  }

  /** Producer properties for bulk loading: acks=all, 128 KiB batches. */
  Properties producerProperties() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return p;
  }

  /** Consumer properties: bytes, no group, {@code isolation.level} as given. */
  Properties consumerProperties(boolean readCommitted) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        readCommitted ? "read_committed" : "read_uncommitted");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    return p;
  }

  /**
   * What a topic holds.
   *
   * @param records data records read (control records of transactions excluded)
   * @param firstTimestamp smallest record timestamp (append time on our output topics), or -1
   * @param lastTimestamp largest record timestamp, or -1
   */
  /**
   * What a topic holds: its records, their first and last timestamps, and the timestamps at which
   * the first {@link #STEADY_FROM} and {@link #STEADY_TO} of them had been appended (all -1 when
   * empty).
   */
  record TopicScan(
      long records,
      long firstTimestamp,
      long lastTimestamp,
      long steadyFromTimestamp,
      long steadyToTimestamp) {
    /** Fraction of the records appended before the steady window. */
    static final double STEADY_FROM = 0.1;

    /** Fraction of the records appended by the end of the steady window. */
    static final double STEADY_TO = 0.9;

    /** The scan of records with the first {@code count} of {@code timestamps} (reordered). */
    static TopicScan of(long[] timestamps, int count) {
      if (count == 0) {
        return new TopicScan(0, -1, -1, -1, -1);
      }
      Arrays.sort(timestamps, 0, count);
      return new TopicScan(
          count,
          timestamps[0],
          timestamps[count - 1],
          timestamps[(int) Math.floor(STEADY_FROM * (count - 1))],
          timestamps[(int) Math.ceil(STEADY_TO * (count - 1))]);
    }
  }

  /** Reads {@code topic} from the beginning to its current end. */
  TopicScan scan(String topic, boolean readCommitted) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(consumerProperties(readCommitted))) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int count = 0;
      long[] timestamps = new long[1024];
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (!reachedEnd(consumer, partitions, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("reading " + topic + " took over 5 min; read " + count);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (count == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, count * 2);
          }
          timestamps[count++] = r.timestamp();
        }
      }
      return TopicScan.of(timestamps, count);
    }
  }

  private static boolean reachedEnd(
      KafkaConsumer<?, ?> consumer,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> end) {
    for (TopicPartition p : partitions) {
      if (consumer.position(p) < end.get(p)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    try {
      flink.closeAsync().get(FLINK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("bench: could not close the MiniCluster: " + e);
    }
    kafka.close();
    deleteRecursively(workDir);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("localhost"), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("bench: could not delete " + dir + ": " + e);
    }
  }
}
