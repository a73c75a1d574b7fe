package dev.flywheel.deploy.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Records the garbage-collection pauses of this JVM (the harness's: MiniCluster, job, producer and
 * consumers) from the collectors' JMX notifications, so a latency window can say how much of its
 * tail was the whole JVM stopped. G1's young and mixed collections are reported by the "G1 Young
 * Generation" bean, full collections by "G1 Old Generation"; both are stop-the-world, and the
 * notification's duration is the pause. G1's concurrent marking is not a pause and has no
 * notification on Java 17; the cycle beans of newer JDKs and of ZGC and Shenandoah are skipped
 * ({@link #isConcurrentCycle}).
 */
final class GcPauses implements NotificationListener, AutoCloseable {
  /** One pause: its start (epoch ms) and length (ms). */
  record Pause(long startMillis, long durationMillis) {}

  /** Pauses that started in a window: how many, their total and the longest (ms). */
  record Summary(long count, long totalMillis, long maxMillis) {}

  private final long jvmStartMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final List<Pause> pauses = new ArrayList<>();

  /** Starts listening to every collector of this JVM. */
  static GcPauses start() {
    GcPauses recorder = new GcPauses();
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (bean instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(recorder, null, null);
        recorder.emitters.add(emitter);
      }
    }
    return recorder;
  }

  @Override
  public void handleNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
        notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    if (isConcurrentCycle(info.getGcName())) {
      return;
    }
    add(
        new Pause(
            jvmStartMillis + info.getGcInfo().getStartTime(), info.getGcInfo().getDuration()));
  }

  /**
   * Whether a collector bean reports whole concurrent cycles rather than pauses: G1's "G1
   * Concurrent GC" (newer JDKs), ZGC's and Shenandoah's "... Cycles" (their pauses come from the
   * "... Pauses" beans).
   */
  static boolean isConcurrentCycle(String gcName) {
    return gcName.contains("Concurrent") || gcName.endsWith("Cycles");
  }

  synchronized void add(Pause pause) {
    pauses.add(pause);
  }

  /** The pauses that started in [{@code fromMillis}, {@code toMillis}] (epoch ms). */
  synchronized List<Pause> between(long fromMillis, long toMillis) {
    List<Pause> in = new ArrayList<>();
    for (Pause p : pauses) {
      if (p.startMillis() >= fromMillis && p.startMillis() <= toMillis) {
        in.add(p);
      }
    }
    return in;
  }

  /** Count, total and longest of {@code pauses}. */
  static Summary summarise(List<Pause> pauses) {
    long total = 0;
    long max = 0;
    for (Pause p : pauses) {
      total += p.durationMillis();
      max = Math.max(max, p.durationMillis());
    }
    return new Summary(pauses.size(), total, max);
  }

  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(this);
      } catch (ListenerNotFoundException e) {
        // already gone
      }
    }
  }
}
