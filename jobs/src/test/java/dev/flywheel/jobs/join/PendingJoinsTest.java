package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.LabeledExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingJoinsTest {
  private static final long NEVER = Long.MAX_VALUE;

  /** The example an impression {@code key} at {@code ts} with {@code features} features becomes. */
  static LabeledExample example(String key, long ts, int features) {
    Event impression = LabelJoinOperatorTest.impression(key, ts);
    impression.indices = new int[features];
    impression.values = new double[features];
    impression.numeric = new boolean[features];
    for (int f = 0; f < features; f++) {
      impression.indices[f] = f * 31 + key.length();
      impression.values[f] = ts + f;
    }
    return LabeledExample.fromImpression(impression, 0.0, ts);
  }

  private static long hold(PendingJoins pending, String key, long ts, long deadline) {
    return pending.holdImpression(
        key, RememberedOutcomes.fingerprint(key), ts, deadline, NEVER, example(key, ts, 2));
  }

  private static long holdClick(PendingJoins pending, String key, long ts, long deadline) {
    return pending.holdClick(
        key,
        RememberedOutcomes.fingerprint(key),
        LabelJoinOperatorTest.click(key, ts),
        deadline,
        NEVER);
  }

  private static long find(PendingJoins pending, String key) {
    return pending.find(RememberedOutcomes.fingerprint(key));
  }

  @Test
  void entriesResolvedEarlyDoNotPileUpInTheQueueOrTheLogWhenEventTimeStalls() {
    PendingJoins pending = new PendingJoins(4096);
    for (int i = 0; i < 100_000; i++) {
      long h = hold(pending, "imp-" + i, i, i + 10_000);
      if (i % 10 != 0) {
        pending.remove(h); // clicked: resolved long before its deadline
      }
    }
    assertThat(pending.size()).isEqualTo(10_000);
    assertThat(pending.queued()).isLessThanOrEqualTo(2 * 10_000 + 1024);
    assertThat(pending.logLength()).isLessThanOrEqualTo(2 * 10_000 + 1024 + 1);
    List<String> due = new ArrayList<>();
    long h;
    while ((h = pending.pollDue(Long.MAX_VALUE)) != PendingJoins.NONE) {
      due.add(pending.key(h));
    }
    assertThat(due).hasSize(10_000).startsWith("imp-0", "imp-10").endsWith("imp-99990");
    assertThat(pending.size()).isZero();
  }

  @Test
  void anEntryThatWaitsLongDoesNotKeepTheLogBehindIt() {
    PendingJoins pending = new PendingJoins(1024);
    hold(pending, "early", 0, 1_000_000); // waits far longer than anything after it
    int slabsMost = 0;
    for (int i = 0; i < 200_000; i++) {
      long h = hold(pending, "imp-" + i, i, i + 100);
      pending.pollDue(i - 100);
      if (i % 3 == 0) {
        pending.remove(h);
      }
      slabsMost = Math.max(slabsMost, pending.slabs());
    }
    // about 70 live entries of ~100 bytes: the log stays within twice that plus the slack
    assertThat(pending.logLength()).isLessThanOrEqualTo(2L * pending.size() + 1024 + 1);
    assertThat(slabsMost).isLessThan(400);
    long early = find(pending, "early");
    assertThat(pending.key(early)).isEqualTo("early");
    assertThat(pending.example(early, 0.0, 0)).isEqualTo(example("early", 0, 2));
    assertThat(pending.deadline(early)).isEqualTo(1_000_000);
  }

  @Test
  void entriesOfEverySizeReadBackAcrossSlabs() throws Exception {
    PendingJoins pending = new PendingJoins(300); // most entries fill a slab; some need their own
    for (int i = 0; i < 2_000; i++) {
      String key = "imp-" + i;
      pending.holdImpression(
          key, RememberedOutcomes.fingerprint(key), i, 5_000 + i, NEVER, example(key, i, i % 40));
    }
    holdClick(pending, "c", 7, 9_000);
    for (int i = 0; i < 2_000; i += 7) {
      String key = "imp-" + i;
      assertThat(pending.example(find(pending, key), 1.0, 3))
          .isEqualTo(labelled(example(key, i, i % 40), 1.0, 3));
    }
    assertThat(pending.click(find(pending, "c"))).isEqualTo(LabelJoinOperatorTest.click("c", 7));

    PendingJoins restored = new PendingJoins();
    assertThat(restored.restore(List.of(pending.snapshot()), key -> true)).isEqualTo(2_001);
    assertThat(restored.example(find(restored, "imp-1999"), 0.0, 1_999))
        .isEqualTo(example("imp-1999", 1_999, 1_999 % 40));
  }

  private static LabeledExample labelled(LabeledExample x, double label, long ts) {
    x.label = label;
    x.ts = ts;
    return x;
  }

  @Test
  void aSnapshotRestoresTheEntriesAKeyFilterAcceptsInDeadlineOrder() throws Exception {
    PendingJoins pending = new PendingJoins();
    hold(pending, "b", 2_000, 12_000);
    hold(pending, "a", 1_000, 11_000);
    holdClick(pending, "c", 500, 3_500);
    hold(pending, "d", 1_000, 11_000);
    byte[] bytes = pending.snapshot();

    PendingJoins restored = new PendingJoins();
    assertThat(restored.restore(List.of(bytes), key -> !key.equals("b"))).isEqualTo(3);
    assertThat(find(restored, "b")).isEqualTo(PendingJoins.NONE);
    long c = find(restored, "c");
    assertThat(restored.click(c)).isEqualTo(LabelJoinOperatorTest.click("c", 500));
    assertThat(restored.ts(c)).isEqualTo(500);
    assertThat(restored.phase(c)).isEqualTo(JoinState.WAITING_FOR_IMPRESSION);
    assertThat(restored.example(find(restored, "a"), 0.0, 1_000)).isEqualTo(example("a", 1_000, 2));
    assertThat(drain(restored, 11_000)).containsExactly("c@3500", "a@11000", "d@11000");
  }

  @Test
  void aSnapshotByGroupSplitsTheEntriesAndTogetherRestoresThemAll() throws Exception {
    PendingJoins pending = new PendingJoins();
    for (int i = 0; i < 1_000; i++) {
      hold(pending, "imp-" + i, i, 10_000 + i);
    }
    holdClick(pending, "c", 5, 3_005);
    int groups = 7;
    byte[][] parts = pending.snapshotByGroup(hash -> Math.floorMod(hash, groups), groups);
    assertThat((Object[]) parts).hasSize(groups).doesNotContainNull();

    List<String> seen = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      PendingJoins one = new PendingJoins();
      one.restore(List.of(parts[g]), key -> true);
      for (String key : drain(one, Long.MAX_VALUE)) {
        String id = key.substring(0, key.indexOf('@'));
        assertThat(Math.floorMod(id.hashCode(), groups)).isEqualTo(g);
        seen.add(id);
      }
    }
    assertThat(seen).hasSize(1_001).doesNotHaveDuplicates();

    PendingJoins all = new PendingJoins();
    assertThat(all.restore(List.of(parts), key -> true)).isEqualTo(1_001);
    assertThat(all.ts(find(all, "c"))).isEqualTo(5);
    // by deadline across the groups
    assertThat(drain(all, 10_001)).containsExactly("c@3005", "imp-0@10000", "imp-1@10001");

    byte[][] none = new PendingJoins().snapshotByGroup(hash -> 0, 3);
    assertThat((Object[]) none).containsOnlyNulls();
    assertThat(new PendingJoins().restore(List.of(new PendingJoins().snapshot()), key -> true))
        .isZero();
  }

  @Test
  void aFrozenStateEncodesWhatWaitedWhenItWasFrozenWhateverHappensAfter() throws Exception {
    PendingJoins pending = new PendingJoins(512); // small slabs: the churn below drops many
    List<Long> held = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      held.add(hold(pending, "imp-" + i, i, i + 1_000));
    }
    holdClick(pending, "c", 7, 3_000);
    // removed before the freeze, though still in the deadline queue: not in it
    for (int i = 400; i < 450; i++) {
      pending.remove(held.get(i));
    }
    hold(pending, "imp-450", 450, 1_451); // replaced
    pending.holdImpression(
        "imp-451", RememberedOutcomes.fingerprint("imp-451"), 451, 1_451, 5, example("x", 1, 1));
    assertThat(pending.removeExpired(5)).isOne(); // a TTL's sweep
    byte[] atFreeze = pending.snapshot();
    PendingJoins.Frozen frozen = pending.freeze();

    // what the task thread does after the checkpoint's synchronous part: enough churn that the
    // log's head moves past every chunk and slab the freeze saw, and the entries left are moved
    for (int i = 0; i < 100; i++) {
      pending.remove(held.get(i));
    }
    assertThat(pending.pollDue(1_200)).isNotEqualTo(PendingJoins.NONE);
    for (int i = 500; i < 30_000; i++) {
      long h = hold(pending, "imp-" + i, i, i + 1_000_000);
      pending.remove(h);
    }
    hold(pending, "c", 9, 5_000); // replaces the click
    pending.remove(find(pending, "imp-300"));

    byte[] encoded = frozen.encodeByGroup(hash -> 0, 1)[0];
    PendingJoins fromFrozen = new PendingJoins();
    PendingJoins fromSnapshot = new PendingJoins();
    assertThat(fromFrozen.restore(List.of(encoded), key -> true)).isEqualTo(450);
    assertThat(fromSnapshot.restore(List.of(atFreeze), key -> true)).isEqualTo(450);
    assertThat(fromFrozen.deadline(find(fromFrozen, "imp-450"))).isEqualTo(1_451);
    assertThat(find(fromFrozen, "imp-451")).isEqualTo(PendingJoins.NONE);
    assertThat(find(fromFrozen, "imp-300")).isNotEqualTo(PendingJoins.NONE);
    assertThat(encoded).isEqualTo(atFreeze);
    assertThat(drain(fromFrozen, Long.MAX_VALUE)).contains("c@3000", "imp-0@1000");
  }

  private static List<String> drain(PendingJoins pending, long watermark) {
    List<String> out = new ArrayList<>();
    long h;
    while ((h = pending.pollDue(watermark)) != PendingJoins.NONE) {
      out.add(pending.key(h) + "@" + pending.deadline(h));
    }
    return out;
  }
}
