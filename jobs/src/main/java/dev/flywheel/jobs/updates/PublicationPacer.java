package dev.flywheel.jobs.updates;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Spreads the chunks of publications over time: a FIFO of {@link Chunker.Publication}s drained
 * through a token bucket of {@code bytesPerSecond}, so that a whole-model snapshot (68 MB with the
 * default model) reaches the model-updates topic over about a second instead of in one burst that
 * held the trainer's thread for half a second, allocated every copy at once and stalled the
 * pipeline behind it (docs/bench/pipeline.md, "Fifth round").
 *
 * <p>Chunks leave in queue order, so the chunks of one publication stay consecutive and
 * publications keep their order, as docs/model-updates.md requires. A publication that fits the
 * bucket (a delta, usually) leaves at once. The bucket holds at most {@code max(chunk, 100 ms of
 * rate)} bytes; a chunk may leave whenever the bucket is positive and takes it into debt, so the
 * average rate holds without splitting chunks. When more than {@link #MAX_QUEUED_SECONDS} seconds
 * of output are queued, everything queued leaves at once (counted in {@link #overflows()}): pacing
 * never holds unbounded memory, and a model too large for the rate is published as it was before
 * pacing existed.
 *
 * <p>Plain state, no Flink: the trainer drains it from its timers. Not thread-safe.
 */
public final class PublicationPacer {
  /** What {@link #drain} returns when nothing is left queued. */
  public static final long IDLE = -1;

  /** Queued output beyond this many seconds of the rate is flushed at once. */
  public static final int MAX_QUEUED_SECONDS = 4;

  private final long bytesPerSecond;
  private final long burstBytes;
  private final long maxQueuedBytes;
  private final ArrayDeque<Chunker.Publication> queue = new ArrayDeque<>();
  private long queuedBytes;
  private long tokens;
  private long refilledAt;
  private boolean started;
  private long overflows;

  /**
   * @param bytesPerSecond the average rate of payload bytes; 0 for no pacing (every chunk leaves at
   *     once)
   * @param chunkBytes the largest chunk, the least the bucket holds
   */
  public PublicationPacer(long bytesPerSecond, int chunkBytes) {
    if (bytesPerSecond < 0 || chunkBytes < 1) {
      throw new IllegalArgumentException(
          "bytes per second must be >= 0 and chunk bytes >= 1, got "
              + bytesPerSecond
              + " and "
              + chunkBytes);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = Math.max(chunkBytes, bytesPerSecond / 10);
    this.maxQueuedBytes = Math.max(burstBytes, bytesPerSecond * MAX_QUEUED_SECONDS);
  }

  /** Queues every chunk of {@code publication} behind what is queued. */
  public void add(Chunker.Publication publication) {
    queue.add(publication);
    queuedBytes += publication.remainingBytes();
  }

  /**
   * Emits, in order, the queued chunks the budget allows at {@code nowMillis}.
   *
   * @return when the next chunk may leave (epoch ms, after {@code nowMillis}), or {@link #IDLE} if
   *     nothing is queued
   */
  public long drain(long nowMillis, Consumer<ModelUpdate> out) {
    refill(nowMillis);
    boolean flush = bytesPerSecond == 0 || queuedBytes > maxQueuedBytes;
    if (flush && bytesPerSecond > 0) {
      overflows++;
    }
    while (!queue.isEmpty() && (flush || tokens > 0)) {
      Chunker.Publication head = queue.peek();
      int n = head.nextBytes();
      out.accept(head.next());
      queuedBytes -= n;
      if (!flush) {
        tokens -= n;
      }
      if (!head.hasNext()) {
        queue.poll();
      }
    }
    if (queue.isEmpty()) {
      return IDLE;
    }
    // tokens <= 0 here: the first millisecond at which the bucket is positive again
    return nowMillis + Math.max(1, (1 - tokens) * 1000 / bytesPerSecond + 1);
  }

  private void refill(long nowMillis) {
    if (!started) {
      started = true;
      tokens = burstBytes;
    } else if (nowMillis > refilledAt) {
      long elapsed = nowMillis - refilledAt;
      // no overflow: elapsed is capped at a day, the rate at a GiB/s
      tokens =
          Math.min(burstBytes, tokens + Math.min(elapsed, 86_400_000L) * bytesPerSecond / 1000);
    } else {
      return;
    }
    refilledAt = nowMillis;
  }

  /** Payload bytes queued and not emitted yet. */
  public long queuedBytes() {
    return queuedBytes;
  }

  /** How many times the queue held more than {@link #MAX_QUEUED_SECONDS} and was flushed. */
  public long overflows() {
    return overflows;
  }
}
