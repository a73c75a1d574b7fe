package dev.flywheel.jobs.join;

import static dev.flywheel.jobs.join.RememberedOutcomes.NEGATIVE;
import static dev.flywheel.jobs.join.RememberedOutcomes.NONE;
import static dev.flywheel.jobs.join.RememberedOutcomes.POSITIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RememberedOutcomesTest {

  @Test
  void anOutcomeIsRememberedUntilTheWatermarkReachesItsExpiry() {
    RememberedOutcomes r = new RememberedOutcomes(10);
    assertThat(r.remember(11, POSITIVE, 1_000, 0)).isTrue();
    assertThat(r.remember(22, NEGATIVE, 2_000, 0)).isTrue();
    assertThat(r.outcome(11, 999)).isEqualTo(POSITIVE);
    assertThat(r.outcome(22, 999)).isEqualTo(NEGATIVE);
    assertThat(r.outcome(33, 999)).isEqualTo(NONE);
    assertThat(r.outcome(11, 1_000)).isEqualTo(NONE); // exact, before any physical expiry
    assertThat(r.size()).isEqualTo(2);
    r.expire(1_000);
    assertThat(r.size()).isEqualTo(1);
    assertThat(r.outcome(22, 1_500)).isEqualTo(NEGATIVE);
    r.expire(2_000);
    assertThat(r.size()).isZero();
  }

  @Test
  void atCapacityNothingMoreIsRememberedUntilSomethingExpires() {
    RememberedOutcomes r = new RememberedOutcomes(2);
    assertThat(r.remember(1, NEGATIVE, 100, 0)).isTrue();
    assertThat(r.remember(2, NEGATIVE, 200, 0)).isTrue();
    assertThat(r.remember(3, POSITIVE, 300, 0)).isFalse();
    assertThat(r.outcome(3, 0)).isEqualTo(NONE);
    assertThat(r.remember(3, POSITIVE, 300, 100)).isTrue(); // 1 expired on the way in
    assertThat(r.outcome(1, 0)).isEqualTo(NONE);
    assertThat(r.outcome(3, 100)).isEqualTo(POSITIVE);
    assertThatThrownBy(() -> new RememberedOutcomes(0)).hasMessageContaining("capacity");
    assertThatThrownBy(() -> r.remember(4, NONE, 1, 0)).hasMessageContaining("outcome");
  }

  @Test
  void aReLabelledIdKeepsItsNewOutcomeWhenTheOldEntryLeaves() {
    RememberedOutcomes r = new RememberedOutcomes(10);
    r.remember(8, POSITIVE, 5_000, 0); // ahead of 7 in the positives' ring
    r.remember(7, POSITIVE, 1_000, 0);
    // the id's outcome expired at 1,000; it is labelled again, negative, until 9,000
    r.remember(7, NEGATIVE, 9_000, 1_000);
    assertThat(r.outcome(7, 1_000)).isEqualTo(NEGATIVE);
    r.expire(5_000); // the old positive entry of 7 leaves the ring
    assertThat(r.outcome(7, 5_000)).isEqualTo(NEGATIVE);
    assertThat(r.size()).isEqualTo(1);
  }

  @Test
  void removalsKeepEveryProbeSequenceIntact() {
    RememberedOutcomes r = new RememberedOutcomes(100);
    // 40 fingerprints with the same home slot (low bits equal) and 40 spread ones, interleaved
    for (int i = 1; i <= 40; i++) {
      r.remember(((long) i << 32) | 5, NEGATIVE, i, 0);
      r.remember(((long) i << 32) | (i * 7L), NEGATIVE, i, 0);
    }
    for (int w = 0; w <= 40; w++) {
      r.expire(w);
      for (int i = 1; i <= 40; i++) {
        int expected = i > w ? NEGATIVE : NONE;
        assertThat(r.outcome(((long) i << 32) | 5, w))
            .as("colliding %d at %d", i, w)
            .isEqualTo(expected);
        assertThat(r.outcome(((long) i << 32) | (i * 7L), w))
            .as("spread %d", i)
            .isEqualTo(expected);
      }
    }
    assertThat(r.size()).isZero();
  }

  @Test
  void agreesWithAPlainMapUnderRandomChurn() {
    Random random = new Random(42);
    RememberedOutcomes r = new RememberedOutcomes(1 << 20);
    Map<Long, long[]> model = new HashMap<>(); // fp -> {expiry, outcome}
    long watermark = 0;
    for (int step = 0; step < 200_000; step++) {
      long fp = 1 + random.nextInt(5_000); // ids come back: re-labels after expiry
      int op = random.nextInt(10);
      if (op < 4) {
        long[] known = model.get(fp);
        if (known == null || known[0] <= watermark) { // the join remembers only unknown ids
          int outcome = random.nextBoolean() ? POSITIVE : NEGATIVE;
          long expiry = watermark + 1 + random.nextInt(outcome == POSITIVE ? 3_000 : 1_000);
          assertThat(r.remember(fp, outcome, expiry, watermark)).isTrue();
          model.put(fp, new long[] {expiry, outcome});
        }
      } else if (op < 9) {
        long[] known = model.get(fp);
        int expected = known == null || known[0] <= watermark ? NONE : (int) known[1];
        assertThat(r.outcome(fp, watermark)).as("step %d", step).isEqualTo(expected);
      } else {
        watermark += random.nextInt(50);
        r.expire(watermark);
      }
    }
    long end = watermark;
    long live = model.values().stream().filter(v -> v[0] > end).count();
    assertThat((long) r.size()).isGreaterThanOrEqualTo(live);
  }

  @Test
  void aSnapshotSplitsByKeyHashAndRestoresEveryOutcome() throws IOException {
    RememberedOutcomes r = new RememberedOutcomes(100_000);
    Random random = new Random(3);
    Map<Long, Integer> expected = new HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      long fp = RememberedOutcomes.fingerprint("imp-" + i);
      int outcome = random.nextBoolean() ? POSITIVE : NEGATIVE;
      r.remember(fp, outcome, 10_000 + random.nextInt(10_000), 0);
      expected.put(fp, outcome);
    }
    byte[] snapshot = r.snapshot();

    RememberedOutcomes even = new RememberedOutcomes(100_000);
    RememberedOutcomes odd = new RememberedOutcomes(100_000);
    assertThat(even.restore(List.of(snapshot), h -> (h & 1) == 0)).isZero();
    assertThat(odd.restore(List.of(snapshot), h -> (h & 1) != 0)).isZero();
    assertThat(even.size() + odd.size()).isEqualTo(5_000);
    assertThat(even.size()).isBetween(2_000, 3_000);
    for (var e : expected.entrySet()) {
      boolean isEven = (RememberedOutcomes.keyHash(e.getKey()) & 1) == 0;
      assertThat((isEven ? even : odd).outcome(e.getKey(), 0)).isEqualTo(e.getValue());
      assertThat((isEven ? odd : even).outcome(e.getKey(), 0)).isEqualTo(NONE);
    }

    // two subtasks' snapshots merge back into one, its rings in expiry order again
    RememberedOutcomes merged = new RememberedOutcomes(100_000);
    merged.restore(List.of(even.snapshot(), odd.snapshot()), h -> true);
    for (var e : expected.entrySet()) {
      assertThat(merged.outcome(e.getKey(), 0)).isEqualTo(e.getValue());
    }
    merged.expire(15_000);
    for (var e : expected.entrySet()) {
      assertThat(merged.outcome(e.getKey(), 15_000)).isEqualTo(r.outcome(e.getKey(), 15_000));
    }
    long left = expected.keySet().stream().filter(fp -> r.outcome(fp, 15_000) != NONE).count();
    assertThat((long) merged.size()).isEqualTo(left); // sorted: nothing stuck behind a later id

    RememberedOutcomes small = new RememberedOutcomes(10);
    assertThat(small.restore(List.of(snapshot), h -> true)).isEqualTo(4_990);
  }

  @Test
  void aSnapshotByGroupSplitsByKeyHashAndTogetherRestoresEveryOutcome() throws IOException {
    RememberedOutcomes r = new RememberedOutcomes(10_000);
    for (int i = 0; i < 3_000; i++) {
      String id = "imp-" + i;
      r.remember(
          RememberedOutcomes.fingerprint(id),
          i % 3 == 0 ? RememberedOutcomes.POSITIVE : RememberedOutcomes.NEGATIVE,
          10_000 + i,
          Long.MIN_VALUE);
    }
    int groups = 5;
    byte[][] parts = r.snapshotByGroup(hash -> Math.floorMod(hash, groups), groups);
    assertThat((Object[]) parts).hasSize(groups).doesNotContainNull();
    int total = 0;
    for (int g = 0; g < groups; g++) {
      int group = g;
      // a group's array holds only ids of its key hashes
      RememberedOutcomes others = new RememberedOutcomes(10_000);
      others.restore(List.of(parts[g]), hash -> Math.floorMod(hash, groups) != group);
      assertThat(others.size()).isZero();
      RememberedOutcomes own = new RememberedOutcomes(10_000);
      own.restore(List.of(parts[g]), hash -> true);
      assertThat(own.size()).isPositive();
      total += own.size();
    }
    assertThat(total).isEqualTo(3_000);
    RememberedOutcomes merged = new RememberedOutcomes(10_000);
    merged.restore(List.of(parts), h -> true);
    assertThat(merged.size()).isEqualTo(3_000);
    for (int i = 0; i < 3_000; i++) {
      assertThat(merged.outcome(RememberedOutcomes.fingerprint("imp-" + i), 9_999))
          .isEqualTo(i % 3 == 0 ? RememberedOutcomes.POSITIVE : RememberedOutcomes.NEGATIVE);
    }
    assertThat((Object[]) new RememberedOutcomes(10).snapshotByGroup(h -> 0, 2))
        .containsOnlyNulls();
  }

  @Test
  void aSnapshotTakesAboutNineBytesPerIdAndAVersionOneSnapshotStillRestores() throws IOException {
    RememberedOutcomes r = new RememberedOutcomes(100_000);
    Random random = new Random(4);
    List<long[]> positives = new java.util.ArrayList<>();
    List<long[]> negatives = new java.util.ArrayList<>();
    long t = 1_795_000_000_000L; // epoch ms, as the join's expiries are
    for (int i = 0; i < 20_000; i++) {
      t += random.nextInt(3); // arrival order, roughly expiry order
      long expiry = t + random.nextInt(50) - 25;
      long fp = RememberedOutcomes.fingerprint("imp-" + i);
      boolean positive = random.nextInt(10) == 0;
      r.remember(fp, positive ? POSITIVE : NEGATIVE, expiry, 0);
      (positive ? positives : negatives).add(new long[] {fp, expiry});
    }
    byte[] v2 = r.snapshot();
    assertThat(v2.length).as("about 9 bytes per id").isLessThan(12 + 20_000 * 10);

    // version 1: per section the fingerprints, then the expiries, 16 bytes per id
    java.nio.ByteBuffer v1 = java.nio.ByteBuffer.allocate(12 + 16 * 20_000);
    v1.putInt(1).putInt(positives.size()).putInt(negatives.size());
    for (List<long[]> section : List.of(positives, negatives)) {
      section.forEach(x -> v1.putLong(x[0]));
      section.forEach(x -> v1.putLong(x[1]));
    }
    RememberedOutcomes fromV1 = new RememberedOutcomes(100_000);
    RememberedOutcomes fromV2 = new RememberedOutcomes(100_000);
    assertThat(fromV1.restore(List.of(v1.array()), h -> true)).isZero();
    assertThat(fromV2.restore(List.of(v2), h -> true)).isZero();
    for (long watermark : new long[] {0, t - 20_000, t - 5_000, t}) {
      for (List<long[]> section : List.of(positives, negatives)) {
        for (long[] x : section) {
          int expected = r.outcome(x[0], watermark);
          assertThat(fromV1.outcome(x[0], watermark)).isEqualTo(expected);
          assertThat(fromV2.outcome(x[0], watermark)).isEqualTo(expected);
        }
      }
    }
    assertThat(fromV2.size()).isEqualTo(r.size());
  }

  @Test
  void aTruncatedSnapshotIsRefused() {
    RememberedOutcomes r = new RememberedOutcomes(10);
    r.remember(RememberedOutcomes.fingerprint("a"), POSITIVE, 1_000, 0);
    byte[] whole = r.snapshot();
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 1);
    assertThatThrownBy(() -> new RememberedOutcomes(10).restore(List.of(cut), h -> true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void aSnapshotOfAnUnknownVersionIsRefused() {
    byte[] bad = {0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0};
    assertThatThrownBy(() -> new RememberedOutcomes(1).restore(List.of(bad), h -> true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 9");
  }

  @Test
  void fingerprintsCarryTheKeyHashAndDoNotCollideOnTypicalIds() {
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 1_000_000; i++) {
      String id = "u" + (i % 977) + "-r" + i + "-" + (i % 3);
      long fp = RememberedOutcomes.fingerprint(id);
      assertThat(RememberedOutcomes.keyHash(fp)).isEqualTo(id.hashCode());
      assertThat(seen.add(fp)).as(id).isTrue();
    }
    // String.hashCode collides on "Aa" and "BB"; the low half tells them apart
    assertThat(RememberedOutcomes.fingerprint("Aa"))
        .isNotEqualTo(RememberedOutcomes.fingerprint("BB"));
    assertThat(RememberedOutcomes.fingerprint("")).isNotZero();
  }

  @Test
  void aFrozenStateEncodesTheIdsHeldWhenItWasFrozenWhateverHappensAfter() throws IOException {
    RememberedOutcomes r = new RememberedOutcomes(100_000);
    // before the freeze, ids expire from the heads (the negatives' ring drops its first chunk of
    // 4,096) and more come at the tails
    for (int i = 1; i <= 20_000; i++) {
      r.remember(i, i % 3 == 0 ? POSITIVE : NEGATIVE, 10L * i, 5L * i);
    }
    byte[] atFreeze = r.snapshot();
    RememberedOutcomes.Frozen frozen = r.freeze();
    int held = r.size();

    // what the task thread does after the checkpoint's synchronous part: the tails fill the
    // chunks the freeze saw, every frozen id expires, and the heads drop the frozen chunks
    for (int i = 20_001; i <= 80_000; i++) {
      r.remember(i, i % 3 == 0 ? POSITIVE : NEGATIVE, 10L * i, 5L * i);
    }

    assertThat(frozen.size()).isEqualTo(held);
    byte[] encoded = frozen.encodeByGroup(hash -> 0, 1)[0];
    assertThat(encoded).isEqualTo(atFreeze);
    RememberedOutcomes restored = new RememberedOutcomes(100_000);
    restored.restore(List.of(encoded), hash -> true);
    assertThat(restored.size()).isEqualTo(held);
    assertThat(restored.outcome(19_998, 0)).isEqualTo(POSITIVE);
    assertThat(restored.outcome(20_000, 0)).isEqualTo(NEGATIVE);
    assertThat(restored.outcome(20_001, 0)).isEqualTo(NONE);
    assertThat(restored.outcome(9_000, 0)).as("expired before the freeze").isEqualTo(NONE);
  }
}
