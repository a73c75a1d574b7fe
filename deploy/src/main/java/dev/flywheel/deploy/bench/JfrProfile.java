package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.bench.BenchResult.FrameCount;
import dev.flywheel.deploy.bench.BenchResult.Profile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of this JVM (Java execution samples every 10 ms, nothing else), started before
 * the cluster, and a summary of the samples taken inside the windows it was told of (the measured
 * pipeline repeats): the methods on top of the sampled stacks (where CPU time is spent), for each
 * sample the topmost Flywheel method (which part of the pipeline the time belongs to, library code
 * below it included), and the sampled threads by task (subtask numbers dropped).
 *
 * <p>Why from the start: on this JDK (17), creating a recording in a JVM that has already run the
 * pipeline made the next pipeline run 2.5 to 5 times slower (even a recording never started), so
 * the extra profiled run of earlier versions was not the run the figures describe
 * (docs/bench/pipeline.md, "Sixth round"). A recording started before the cluster left the repeats
 * at their usual speed.
 */
final class JfrProfile implements AutoCloseable {
  private static final String FLYWHEEL = "dev.flywheel.";
  private static final int TOP = 20;
  private static final Duration SAMPLE_PERIOD = Duration.ofMillis(10);

  private final Path file;
  private final Recording recording;
  private final List<Instant[]> windows = new ArrayList<>();
  private boolean stopped;

  private JfrProfile(Path file, Recording recording) {
    this.file = file;
    this.recording = recording;
  }

  /** Starts recording execution samples into {@code file} (written when {@link #stop}ped). */
  static JfrProfile start(Path file) {
    Recording recording = new Recording();
    recording.setName("flywheel-bench");
    recording.enable("jdk.ExecutionSample").withPeriod(SAMPLE_PERIOD);
    recording.start();
    return new JfrProfile(file, recording);
  }

  /** Counts the samples taken from {@code from} to {@code to} in the summary. */
  void window(Instant from, Instant to) {
    windows.add(new Instant[] {from, to});
  }

  /** Stops the recording and writes it to the file. */
  void stop() throws IOException {
    if (!stopped) {
      stopped = true;
      recording.stop();
      recording.dump(file);
    }
  }

  @Override
  public void close() {
    recording.close();
  }

  /** Reads the recording back and counts frames and threads of the samples inside the windows. */
  Profile summarise() throws IOException {
    stop();
    Map<String, Long> top = new HashMap<>();
    Map<String, Long> flywheel = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    long samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")
          || !inWindow(event.getStartTime())) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = stack.getFrames();
      top.merge(name(frames.get(0)), 1L, Long::sum);
      String owner = "(no Flywheel frame: Flink, Kafka client, JDK)";
      for (RecordedFrame frame : frames) {
        if (frame.getMethod().getType().getName().startsWith(FLYWHEEL)) {
          owner = name(frame);
          break;
        }
      }
      flywheel.merge(owner, 1L, Long::sum);
      RecordedThread thread = event.getThread("sampledThread");
      threads.merge(task(thread == null ? null : thread.getJavaName()), 1L, Long::sum);
    }
    return new Profile(
        file.toString(),
        samples,
        topOf(top, samples),
        topOf(flywheel, samples),
        topOf(threads, samples));
  }

  private boolean inWindow(Instant t) {
    return inside(windows, t);
  }

  /** Whether {@code t} lies in one of {@code windows} (each {from, to}, both included). */
  static boolean inside(List<Instant[]> windows, Instant t) {
    for (Instant[] w : windows) {
      if (!t.isBefore(w[0]) && !t.isAfter(w[1])) {
        return true;
      }
    }
    return false;
  }

  /**
   * A thread's name without what differs between its instances: Flink's subtask suffix {@code "
   * (1/2)#0"} and numbers ({@code "AsyncOperations-thread-3"} → {@code
   * "AsyncOperations-thread-N"}).
   */
  static String task(String thread) {
    if (thread == null) {
      return "(unnamed)";
    }
    return thread.replaceAll(" \\(\\d+/\\d+\\)#\\d+", "").replaceAll("\\d+", "N");
  }

  private static String name(RecordedFrame frame) {
    return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
  }

  static List<FrameCount> topOf(Map<String, Long> counts, long total) {
    List<FrameCount> list = new ArrayList<>();
    counts.forEach((k, v) -> list.add(new FrameCount(k, v, total == 0 ? 0 : (double) v / total)));
    list.sort(
        Comparator.comparingLong(FrameCount::samples).reversed().thenComparing(FrameCount::frame));
    return List.copyOf(list.subList(0, Math.min(TOP, list.size())));
  }
}
