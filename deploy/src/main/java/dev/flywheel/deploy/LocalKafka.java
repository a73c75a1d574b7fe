package dev.flywheel.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one node) running in a child JVM.
 *
 * <p>The child JVM gets its own classpath, Kafka's own dependencies as resolved by the build (the
 * resource {@value #CLASSPATH_RESOURCE} next to this class, written by the deploy module's build),
 * so the connector's Jackson never meets the broker's, and its CPU shows up as a separate process.
 * Everything lives in the state directory: {@code server.properties}, the log4j config, the data
 * ({@code data/}) and the broker's log ({@value #LOG_FILE}). A state directory that was formatted
 * before is reused as it is, so restarting keeps the topics and their records.
 *
 * <p>Lifecycle: {@link #builder(Path)}, {@link Builder#start()} (blocks until an admin client can
 * describe the cluster), {@link #createTopics(Collection)}, {@link #close()} (SIGTERM, then a kill
 * after the stop timeout). A JVM shutdown hook stops the broker if the owner does not, and the
 * child exits by itself when this JVM dies (see {@link BrokerMain}).
 */
public final class LocalKafka implements AutoCloseable {
  /**
   * {@code setsid}, where the system has it: the broker runs in a session of its own, so a Ctrl-C
   * in the terminal (SIGINT to the whole foreground process group) reaches only the runner, which
   * then stops the job, the simulator and the broker in that order. Without it the broker stopped
   * at the same moment, and the simulator waited 30 s for predictions that could no longer come.
   * Where it is missing the broker is started directly (and stops at once on Ctrl-C). {@code
   * setsid} execs the broker's JVM in place: the child process is still the JVM.
   */
  static final Optional<Path> SETSID =
      Stream.of("/usr/bin/setsid", "/bin/setsid")
          .map(Path::of)
          .filter(Files::isExecutable)
          .findFirst();

  /** Classpath resource (relative to this class) listing the broker's jars, one per line. */
  public static final String CLASSPATH_RESOURCE = "kafka-broker.classpath";

  /** System property naming a file that overrides {@link #CLASSPATH_RESOURCE}. */
  public static final String CLASSPATH_PROPERTY = "flywheel.kafka.classpath";

  /** The broker's log (stdout and stderr of the child JVM), inside the state directory. */
  public static final String LOG_FILE = "broker.log";

  private static final int NODE_ID = 1;
  private static final int LOG_TAIL_LINES = 40;

  private final Builder settings;
  private final Process process;
  private final Thread shutdownHook;
  private final Duration startupTime;
  private final boolean formatted;

  private LocalKafka(Builder settings, Process process, Duration startupTime, boolean formatted) {
    this.settings = settings;
    this.process = process;
    this.startupTime = startupTime;
    this.formatted = formatted;
    if (settings.shutdownHook) {
      shutdownHook = new Thread(this::stopQuietly, "flywheel-local-kafka-stop");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  /** Starts describing a broker whose files live under {@code stateDir} (created if absent). */
  public static Builder builder(Path stateDir) {
    return new Builder(stateDir);
  }

  /** {@code host:port} for Kafka clients. */
  public String bootstrapServers() {
    return settings.host + ":" + settings.port;
  }

  /** The client port. */
  public int port() {
    return settings.port;
  }

  /** The KRaft controller port. */
  public int controllerPort() {
    return settings.controllerPort;
  }

  /** The state directory (absolute). */
  public Path stateDir() {
    return settings.stateDir;
  }

  /** The broker's log file. */
  public Path logFile() {
    return settings.stateDir.resolve(LOG_FILE);
  }

  /** The broker's child process. */
  public ProcessHandle process() {
    return process.toHandle();
  }

  /** How long {@link Builder#start()} took, formatting included. */
  public Duration startupTime() {
    return startupTime;
  }

  /** Whether this start formatted fresh storage (false when the state directory was reused). */
  public boolean formattedStorage() {
    return formatted;
  }

  /** Properties for a Kafka client of this broker ({@code bootstrap.servers} only). */
  public Properties clientProperties() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return props;
  }

  /**
   * Creates the topics that do not exist yet (replication factor 1, each with its configs) and
   * leaves existing ones as they are.
   *
   * @return the names of the topics this call created
   */
  public List<String> createTopics(Collection<TopicSpec> topics) {
    try (Admin admin = Admin.create(adminProperties())) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec topic : topics) {
        if (!existing.contains(topic.name())) {
          missing.add(
              new NewTopic(topic.name(), topic.partitions(), (short) 1).configs(topic.configs()));
        }
      }
      List<String> created = new ArrayList<>();
      for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result :
          admin.createTopics(missing).values().entrySet()) {
        try {
          result.getValue().get(30, TimeUnit.SECONDS);
          created.add(result.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "could not create topic " + result.getKey() + ": " + e.getCause(), e);
          }
        }
      }
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "could not list topics on " + bootstrapServers() + ": " + e + logTail(), e);
    }
  }

  /** Stops the broker: SIGTERM, then a kill once the stop timeout has passed. Idempotent. */
  @Override
  public void close() {
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running or will run; stopping twice is harmless.
      }
    }
    stop();
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException e) {
      System.err.println("flywheel: could not stop the Kafka broker: " + e);
    }
  }

  private synchronized void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(settings.stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println(
            "flywheel: the Kafka broker did not stop within "
                + settings.stopTimeout
                + ", killing it (pid "
                + process.pid()
                + ")");
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private Properties adminProperties() {
    Properties props = clientProperties();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
    return props;
  }

  /** The last lines of the broker's log, formatted to append to an error message. */
  String logTail() {
    return "\n--- last lines of " + logFile() + " ---\n" + tail(logFile(), LOG_TAIL_LINES);
  }

  static String tail(Path file, int lines) {
    if (!Files.exists(file)) {
      return "(no log file)";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int chunk = (int) Math.min(length, 64 * 1024);
      byte[] bytes = new byte[chunk];
      raf.seek(length - chunk);
      raf.readFully(bytes);
      String[] all = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
      int from = Math.max(0, all.length - lines - 1);
      return String.join("\n", List.of(all).subList(from, all.length));
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }

  /** Settings of a broker, and {@link #start()}. Ports default to 9092 and 9093. */
  public static final class Builder {
    private final Path stateDir;
    private String host = "localhost";
    private int port = 9092;
    private int controllerPort = 9093;
    private Duration startTimeout = Duration.ofSeconds(120);
    private Duration stopTimeout = Duration.ofSeconds(30);
    private String maxHeap = "1g";
    private boolean shutdownHook = true;
    private List<String> jvmOptions = List.of();

    private Builder(Path stateDir) {
      this.stateDir = stateDir.toAbsolutePath().normalize();
    }

    /** Host name clients use (the listeners bind to it); default {@code localhost}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Client (PLAINTEXT) port; default 9092. */
    public Builder port(int port) {
      this.port = checkPort("kafka port", port);
      return this;
    }

    /** KRaft controller port; default 9093. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = checkPort("controller port", controllerPort);
      return this;
    }

    /** How long {@link #start()} waits for the broker to answer; default 120 s. */
    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = startTimeout;
      return this;
    }

    /** How long {@link LocalKafka#close()} waits after SIGTERM before killing; default 30 s. */
    public Builder stopTimeout(Duration stopTimeout) {
      this.stopTimeout = stopTimeout;
      return this;
    }

    /** The child JVM's {@code -Xmx}; default {@code 1g}. */
    public Builder maxHeap(String maxHeap) {
      this.maxHeap = maxHeap;
      return this;
    }

    /**
     * Extra options of the broker's JVM, after the defaults ({@code -Xms256m -Xmx<heap>
     * -XX:+UseG1GC}); e.g. {@code -XX:TieredStopAtLevel=1} starts faster but runs slower.
     */
    public Builder jvmOptions(List<String> jvmOptions) {
      this.jvmOptions = List.copyOf(jvmOptions);
      return this;
    }

    /** Whether to register a JVM shutdown hook that stops the broker; default true. */
    public Builder shutdownHook(boolean shutdownHook) {
      this.shutdownHook = shutdownHook;
      return this;
    }

    /**
     * Writes the config, formats the storage if it is not formatted yet, launches the broker and
     * waits until it answers.
     *
     * @throws IllegalStateException with the tail of the broker log if the broker does not come up
     *     within the start timeout or exits early
     */
    public LocalKafka start() {
      if (port == controllerPort) {
        throw new IllegalArgumentException(
            "kafka port and controller port must differ, both are " + port);
      }
      Instant begin = Instant.now();
      try {
        Files.createDirectories(stateDir);
        checkPortFree("kafka port", port);
        checkPortFree("controller port", controllerPort);
        String classpath = brokerClasspath();
        Path serverProperties = stateDir.resolve("server.properties");
        Files.writeString(serverProperties, serverProperties());
        Path log4j = stateDir.resolve("log4j2.properties");
        Files.writeString(log4j, LOG4J_CONFIG);
        Path logFile = stateDir.resolve(LOG_FILE);
        Files.writeString(
            logFile,
            "==== flywheel: starting Kafka broker at " + begin + " ====\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);

        boolean formatted = false;
        if (!Files.exists(dataDir().resolve("meta.properties"))) {
          format(classpath, serverProperties, logFile);
          formatted = true;
        }

        List<String> command = javaCommand(classpath, log4j);
        command.add(BrokerMain.class.getName());
        command.add(serverProperties.toString());
        SETSID.ifPresent(setsid -> command.add(0, setsid.toString()));
        Process process =
            new ProcessBuilder(command)
                .directory(stateDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try {
          awaitReady(process, begin);
        } catch (RuntimeException | Error e) {
          process.destroyForcibly();
          throw e;
        }
        return new LocalKafka(this, process, Duration.between(begin, Instant.now()), formatted);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start Kafka in " + stateDir + ": " + e, e);
      }
    }

    private Path dataDir() {
      return stateDir.resolve("data");
    }

    private String serverProperties() {
      String controller = "CONTROLLER://" + host + ":" + controllerPort;
      String plain = "PLAINTEXT://" + host + ":" + port;
      return String.join(
              "\n",
              "# Written by flywheel's LocalKafka at every start; edits are overwritten.",
              "process.roles=broker,controller",
              "node.id=" + NODE_ID,
              "controller.quorum.voters=" + NODE_ID + "@" + host + ":" + controllerPort,
              "listeners=" + plain + "," + controller,
              "advertised.listeners=" + plain,
              "controller.listener.names=CONTROLLER",
              "inter.broker.listener.name=PLAINTEXT",
              "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
              "log.dirs=" + dataDir(),
              "num.partitions=1",
              "auto.create.topics.enable=false",
              // A single node: every internal topic has one replica and accepts one in-sync
              // replica,
              // or consumer groups and transactions hang.
              "offsets.topic.replication.factor=1",
              "offsets.topic.num.partitions=4",
              "transaction.state.log.replication.factor=1",
              "transaction.state.log.min.isr=1",
              "transaction.state.log.num.partitions=4",
              "share.coordinator.state.topic.replication.factor=1",
              "share.coordinator.state.topic.min.isr=1",
              "group.initial.rebalance.delay.ms=0",
              "log.retention.hours=168",
              // Event times may run ahead of the wall clock (the simulator's --time-scale, a
              // replay): the pipeline's sinks stamp records with event time, and Kafka's default
              // rejects timestamps more than 1 h in the future, failing the job.
              "log.message.timestamp.after.max.ms=" + Long.MAX_VALUE,
              "")
          .replace("\\", "/");
    }

    private void format(String classpath, Path serverProperties, Path logFile) throws IOException {
      List<String> command = javaCommand(classpath, stateDir.resolve("log4j2.properties"));
      command.add("kafka.tools.StorageTool");
      command.add("format");
      command.add("--ignore-formatted");
      command.add("--cluster-id");
      command.add(Uuid.randomUuid().toString());
      command.add("--config");
      command.add(serverProperties.toString());
      Process formatter =
          new ProcessBuilder(command)
              .directory(stateDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      try {
        if (!formatter.waitFor(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          formatter.destroyForcibly();
          throw new IllegalStateException(
              "formatting Kafka storage took longer than " + startTimeout + tailOf(logFile));
        }
      } catch (InterruptedException e) {
        formatter.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while formatting Kafka storage", e);
      }
      if (formatter.exitValue() != 0) {
        throw new IllegalStateException(
            "formatting Kafka storage failed (exit code "
                + formatter.exitValue()
                + ")"
                + tailOf(logFile));
      }
    }

    private List<String> javaCommand(String classpath, Path log4jConfig) {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xms256m");
      command.add("-Xmx" + maxHeap);
      command.add("-XX:+UseG1GC");
      command.addAll(jvmOptions);
      command.add("-Djava.awt.headless=true");
      command.add("-Dlog4j2.configurationFile=" + log4jConfig.toUri());
      command.add("-Djava.io.tmpdir=" + stateDir);
      command.add("-cp");
      command.add(classpath);
      return command;
    }

    private void awaitReady(Process process, Instant begin) {
      Instant deadline = begin.plus(startTimeout);
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port);
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
      Throwable last = null;
      try (Admin admin = Admin.create(props)) {
        while (Instant.now().isBefore(deadline)) {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                "the Kafka broker exited during start-up with code "
                    + process.exitValue()
                    + tailOf(stateDir.resolve(LOG_FILE)));
          }
          try {
            if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
              return;
            }
          } catch (ExecutionException | TimeoutException e) {
            last = e;
          }
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
      }
      throw new IllegalStateException(
          "the Kafka broker on "
              + host
              + ":"
              + port
              + " did not answer within "
              + startTimeout
              + " (last error: "
              + last
              + ")"
              + tailOf(stateDir.resolve(LOG_FILE)));
    }

    private static String tailOf(Path logFile) {
      return "\n--- last lines of " + logFile + " ---\n" + tail(logFile, LOG_TAIL_LINES);
    }

    private static int checkPort(String what, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(what + " must be in 1..65535, got " + port);
      }
      return port;
    }

    private void checkPortFree(String what, int port) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      } catch (IOException e) {
        throw new IllegalStateException(
            what
                + " "
                + port
                + " on "
                + host
                + " is in use (another broker still running? choose another port): "
                + e.getMessage(),
            e);
      }
    }
  }

  /**
   * The broker's classpath: the build's list of Kafka jars plus the location of {@link BrokerMain}.
   */
  static String brokerClasspath() throws IOException {
    List<String> entries = new ArrayList<>();
    String override = System.getProperty(CLASSPATH_PROPERTY);
    if (override != null) {
      entries.addAll(nonBlankLines(Files.readString(Path.of(override))));
    } else {
      try (InputStream in = LocalKafka.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "the Kafka broker's classpath ("
                  + CLASSPATH_RESOURCE
                  + " next to "
                  + LocalKafka.class.getName()
                  + ") is missing: it is written by the deploy module's build, so build it with"
                  + " `mvn -B -ntp -pl deploy -am package -DskipTests` (or run ./flywheel), or"
                  + " point -D"
                  + CLASSPATH_PROPERTY
                  + " at a file listing the broker's jars");
        }
        entries.addAll(nonBlankLines(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
    }
    for (String entry : entries) {
      if (!Files.exists(Path.of(entry))) {
        throw new IllegalStateException(
            "the Kafka broker's classpath lists a missing file "
                + entry
                + ": rebuild the deploy module (`mvn -B -ntp -pl deploy -am package -DskipTests`)");
      }
    }
    try {
      entries.add(
          Path.of(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate " + BrokerMain.class.getName(), e);
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static List<String> nonBlankLines(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\\R")) {
      if (!line.isBlank()) {
        lines.add(line.strip());
      }
    }
    return lines;
  }

  private static final String LOG4J_CONFIG =
      String.join(
          "\n",
          "# Written by flywheel's LocalKafka: the broker logs to its standard output,",
          "# which LocalKafka appends to " + LOG_FILE + ".",
          "status = warn",
          "appender.out.type = Console",
          "appender.out.name = out",
          "appender.out.layout.type = PatternLayout",
          "appender.out.layout.pattern = [%d] %p %m (%c)%n",
          "rootLogger.level = INFO",
          "rootLogger.appenderRef.out.ref = out",
          "logger.request.name = kafka.request.logger",
          "logger.request.level = WARN",
          "logger.state.name = state.change.logger",
          "logger.state.level = WARN",
          "");
}
