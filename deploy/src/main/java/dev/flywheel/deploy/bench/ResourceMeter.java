package dev.flywheel.deploy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Measures one run: wall time, CPU time of this JVM (harness + MiniCluster) and of the broker's
 * JVM, the largest heap in use right after a GC (summed over the heap pools' collection usage,
 * sampled every 100 ms), the peak heap in use, and the system load average at start and end.
 *
 * <p>{@link #start} begins sampling on a daemon thread; {@link #stop} ends it and returns the
 * usage.
 */
public final class ResourceMeter {
  private static final long SAMPLE_MILLIS = 100;

  /**
   * What one run used.
   *
   * @param wallMillis wall-clock duration
   * @param harnessCpuMillis CPU time of this JVM (harness, MiniCluster, job)
   * @param brokerCpuMillis CPU time of the broker's JVM, or -1 if unknown
   * @param heapAfterGcBytes largest heap in use right after a GC during the run
   * @param heapPeakBytes largest heap in use seen by the sampler
   * @param heapMaxBytes the heap's maximum ({@code -Xmx})
   * @param loadAverageStart 1-minute system load average at the start
   * @param loadAverageEnd 1-minute system load average at the end
   */
  public record Usage(
      long wallMillis,
      long harnessCpuMillis,
      long brokerCpuMillis,
      long heapAfterGcBytes,
      long heapPeakBytes,
      long heapMaxBytes,
      double loadAverageStart,
      double loadAverageEnd) {

    /** CPU cores used on average by this JVM. */
    public double harnessCores() {
      return wallMillis <= 0 ? Double.NaN : (double) harnessCpuMillis / wallMillis;
    }

    /** CPU cores used on average by the broker. */
    public double brokerCores() {
      return wallMillis <= 0 || brokerCpuMillis < 0
          ? Double.NaN
          : (double) brokerCpuMillis / wallMillis;
    }
  }

  private final ProcessHandle broker;
  private final long startNanos;
  private final long startHarnessCpu;
  private final long startBrokerCpu;
  private final double loadStart;
  private final Thread sampler;
  private volatile boolean running = true;
  private volatile long heapAfterGc;
  private volatile long heapPeak;

  private ResourceMeter(ProcessHandle broker) {
    this.broker = broker;
    this.loadStart = loadAverage();
    this.startHarnessCpu = harnessCpuNanos();
    this.startBrokerCpu = brokerCpuNanos(broker);
    this.startNanos = System.nanoTime();
    this.sampler = new Thread(this::sample, "bench-resource-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts measuring; {@code broker} may be null (its CPU is then reported as -1). */
  public static ResourceMeter start(ProcessHandle broker) {
    return new ResourceMeter(broker);
  }

  /** Stops sampling and returns what the run used. */
  public Usage stop() {
    long wall = (System.nanoTime() - startNanos) / 1_000_000;
    long harness = (harnessCpuNanos() - startHarnessCpu) / 1_000_000;
    long brokerNow = brokerCpuNanos(broker);
    long brokerCpu =
        brokerNow < 0 || startBrokerCpu < 0 ? -1 : (brokerNow - startBrokerCpu) / 1_000_000;
    running = false;
    sampler.interrupt();
    try {
      sampler.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sampleOnce();
    return new Usage(
        wall,
        harness,
        brokerCpu,
        heapAfterGc,
        heapPeak,
        Runtime.getRuntime().maxMemory(),
        loadStart,
        loadAverage());
  }

  private void sample() {
    while (running) {
      sampleOnce();
      try {
        Thread.sleep(SAMPLE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sampleOnce() {
    long afterGc = 0;
    List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
    for (MemoryPoolMXBean pool : pools) {
      if (pool.getType() == MemoryType.HEAP) {
        MemoryUsage usage = pool.getCollectionUsage();
        if (usage != null) {
          afterGc += usage.getUsed();
        }
      }
    }
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    if (afterGc > heapAfterGc) {
      heapAfterGc = afterGc;
    }
    if (used > heapPeak) {
      heapPeak = used;
    }
  }

  /** CPU time of this JVM in ns, or -1 if the platform does not tell. */
  static long harnessCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** CPU time of {@code process} in ns, or -1 if unknown. */
  static long brokerCpuNanos(ProcessHandle process) {
    if (process == null) {
      return -1;
    }
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** The 1-minute load average from /proc/loadavg (or the JVM's view of it); NaN if unknown. */
  public static double loadAverage() {
    try {
      String text = Files.readString(Path.of("/proc/loadavg")).trim();
      return Double.parseDouble(text.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return load < 0 ? Double.NaN : load;
    }
  }
}
