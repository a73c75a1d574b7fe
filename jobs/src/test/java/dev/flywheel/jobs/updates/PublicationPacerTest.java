package dev.flywheel.jobs.updates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PublicationPacerTest {

  private static Chunker.Publication publication(long version, int bytes, int chunk) {
    ModelUpdate meta = new ModelUpdate();
    meta.modelId = "m";
    meta.kind = ModelUpdate.Kind.SNAPSHOT;
    meta.version = version;
    meta.baseVersion = version;
    byte[] payload = new byte[bytes];
    new Random(version).nextBytes(payload);
    return new Chunker.Publication(meta, payload, chunk);
  }

  private static int bytes(List<ModelUpdate> chunks) {
    return chunks.stream().mapToInt(c -> c.bytes.length).sum();
  }

  @Test
  void lazyChunksEqualSplit() {
    ModelUpdate meta = new ModelUpdate();
    meta.modelId = "m";
    meta.kind = ModelUpdate.Kind.DELTA;
    byte[] payload = new byte[2500];
    new Random(1).nextBytes(payload);
    Chunker.Publication p = new Chunker.Publication(meta, payload, 1000);
    assertThat(p.chunkCount()).isEqualTo(3);
    assertThat(p.remainingBytes()).isEqualTo(2500);
    List<ModelUpdate> lazy = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    while (p.hasNext()) {
      sizes.add(p.nextBytes());
      lazy.add(p.next());
    }
    assertThat(sizes).containsExactly(1000, 1000, 500);
    assertThat(p.remainingBytes()).isZero();
    assertThat(p.nextBytes()).isZero();
    assertThat(lazy).isEqualTo(Chunker.split(meta, payload, 1000));
    assertThatThrownBy(p::next).isInstanceOf(IllegalStateException.class);
    Chunker.Publication again = p.again();
    List<ModelUpdate> second = new ArrayList<>();
    while (again.hasNext()) {
      second.add(again.next());
    }
    assertThat(second).as("again: the same chunks from the first").isEqualTo(lazy);
  }

  @Test
  void aLargePublicationLeavesAtTheRateInOrderAndASmallOneAtOnce() {
    // 100 KB/s, chunks of 1 KB: the bucket holds max(1 KB, 10 KB) = 10 KB
    PublicationPacer pacer = new PublicationPacer(100_000, 1000);
    List<ModelUpdate> out = new ArrayList<>();
    pacer.add(publication(1, 5000, 1000));
    assertThat(pacer.drain(0, out::add)).as("a small one leaves at once").isEqualTo(-1);
    assertThat(bytes(out)).isEqualTo(5000);
    out.clear();

    pacer.add(publication(2, 200_000, 1000)); // 2 s of output
    pacer.add(publication(3, 3000, 1000)); // queued behind it
    long t = 1000; // the bucket is full again
    long next = pacer.drain(t, out::add);
    assertThat(bytes(out)).as("a full bucket: 10 chunks, the last into debt").isEqualTo(10_000);
    assertThat(next).isGreaterThan(t);
    int calls = 0;
    while (next != PublicationPacer.IDLE) {
      t = next;
      next = pacer.drain(t, out::add);
      calls++;
    }
    assertThat(out).hasSize(203);
    assertThat(out.subList(0, 200)).allSatisfy(c -> assertThat(c.version).isEqualTo(2));
    assertThat(out.subList(200, 203)).allSatisfy(c -> assertThat(c.version).isEqualTo(3));
    for (int i = 0; i < 200; i++) {
      assertThat(out.get(i).chunkIndex).isEqualTo(i);
    }
    // 203 KB at 100 KB/s after a 10 KB bucket: about 1.9 s
    assertThat(t - 1000).isBetween(1850L, 2000L);
    assertThat(calls).isGreaterThan(100);
    assertThat(pacer.queuedBytes()).isZero();
    assertThat(pacer.overflows()).isZero();
  }

  @Test
  void neverEarlierThanTheBucketAllows() {
    PublicationPacer pacer = new PublicationPacer(100_000, 1000);
    List<ModelUpdate> out = new ArrayList<>();
    pacer.add(publication(1, 100_000, 1000));
    long next = pacer.drain(0, out::add);
    int before = out.size();
    assertThat(pacer.drain(next - 1, out::add)).isEqualTo(next);
    assertThat(out).as("nothing before the time drain named").hasSize(before);
    pacer.drain(next, out::add);
    assertThat(out).hasSizeGreaterThan(before);
  }

  @Test
  void moreThanTheBoundQueuedLeavesAtOnceAndIsCounted() {
    PublicationPacer pacer = new PublicationPacer(10_000, 1000); // bound: 4 s = 40 KB
    List<ModelUpdate> out = new ArrayList<>();
    pacer.add(publication(1, 30_000, 1000));
    assertThat(pacer.drain(0, out::add)).isPositive();
    assertThat(pacer.overflows()).isZero();
    pacer.add(publication(2, 30_000, 1000));
    assertThat(pacer.drain(1, out::add)).isEqualTo(PublicationPacer.IDLE);
    assertThat(bytes(out)).isEqualTo(60_000);
    assertThat(pacer.overflows()).isEqualTo(1);
    assertThat(pacer.queuedBytes()).isZero();
  }

  @Test
  void rateZeroIsUnpaced() {
    PublicationPacer pacer = new PublicationPacer(0, 1000);
    List<ModelUpdate> out = new ArrayList<>();
    pacer.add(publication(1, 1_000_000, 1000));
    assertThat(pacer.drain(0, out::add)).isEqualTo(PublicationPacer.IDLE);
    assertThat(out).hasSize(1000);
    assertThat(pacer.overflows()).isZero();
  }

  @Test
  void anEmptyPayloadIsOneEmptyChunk() {
    PublicationPacer pacer = new PublicationPacer(1000, 1000);
    List<ModelUpdate> out = new ArrayList<>();
    pacer.add(publication(1, 0, 1000));
    assertThat(pacer.drain(0, out::add)).isEqualTo(PublicationPacer.IDLE);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).bytes).isEmpty();
  }
}
