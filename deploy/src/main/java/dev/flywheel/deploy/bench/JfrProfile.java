package dev.flywheel.deploy.bench;

import dev.flywheel.deploy.bench.BenchResult.FrameCount;
import dev.flywheel.deploy.bench.BenchResult.Profile;
import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of this JVM (JFR's "profile" settings: Java execution samples every 10 ms) around
 * one pipeline run, and a summary of its {@code jdk.ExecutionSample} events: the methods on top of
 * the sampled stacks (where CPU time is spent), and for each sample the topmost Flywheel method
 * (which part of the pipeline the time belongs to, library code below it included).
 */
final class JfrProfile implements ThroughputBench.AutoCloseableRun {
  private static final String FLYWHEEL = "dev.flywheel.";
  private static final int TOP = 20;

  private final Path file;
  private Recording recording;

  JfrProfile(Path file) {
    this.file = file;
  }

  @Override
  public void begin() throws IOException, ParseException {
    recording = new Recording(Configuration.getConfiguration("profile"));
    recording.setName("flywheel-bench-pipeline");
    recording.start();
  }

  @Override
  public void end() throws IOException {
    recording.stop();
    recording.dump(file);
    recording.close();
  }

  /** Reads the recording back and counts frames. */
  Profile summarise() throws IOException {
    Map<String, Long> top = new HashMap<>();
    Map<String, Long> flywheel = new HashMap<>();
    long samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
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
    }
    return new Profile(file.toString(), samples, topOf(top, samples), topOf(flywheel, samples));
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
