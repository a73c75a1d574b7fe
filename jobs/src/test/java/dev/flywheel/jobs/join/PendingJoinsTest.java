package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.events.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingJoinsTest {
  @Test
  void entriesResolvedEarlyDoNotPileUpInTheQueueWhenEventTimeStalls() {
    PendingJoins pending = new PendingJoins();
    for (int i = 0; i < 100_000; i++) {
      PendingJoins.Waiting w =
          PendingJoins.Waiting.impression("imp-" + i, i, i + 10_000, new byte[1]);
      pending.put(w);
      if (i % 10 != 0) {
        pending.remove(w); // clicked: resolved long before its deadline
      }
    }
    assertThat(pending.size()).isEqualTo(10_000);
    assertThat(pending.queued()).isLessThanOrEqualTo(2 * 10_000 + 1);
    List<String> due = new ArrayList<>();
    PendingJoins.Waiting w;
    while ((w = pending.pollDue(Long.MAX_VALUE)) != null) {
      due.add(w.key);
    }
    assertThat(due).hasSize(10_000).startsWith("imp-0", "imp-10").endsWith("imp-99990");
  }

  @Test
  void aSnapshotRestoresTheEntriesAKeyFilterAcceptsInDeadlineOrder() throws Exception {
    PendingJoins pending = new PendingJoins();
    Event click = LabelJoinOperatorTest.click("c", 500);
    pending.put(PendingJoins.Waiting.impression("b", 2_000, 12_000, new byte[] {1, 2, 3}));
    pending.put(PendingJoins.Waiting.impression("a", 1_000, 11_000, new byte[] {4}));
    pending.put(PendingJoins.Waiting.click("c", click, 3_500));
    pending.put(PendingJoins.Waiting.impression("d", 1_000, 11_000, new byte[0]));
    byte[] bytes = pending.snapshot();

    PendingJoins restored = new PendingJoins();
    assertThat(restored.restore(List.of(bytes), key -> !key.equals("b"))).isEqualTo(3);
    assertThat(restored.get("b")).isNull();
    assertThat(restored.get("c").click).isEqualTo(click);
    assertThat(restored.get("c").ts).isEqualTo(500);
    assertThat(restored.get("a").example).containsExactly(4);
    List<String> order = new ArrayList<>();
    PendingJoins.Waiting w;
    while ((w = restored.pollDue(11_000)) != null) {
      order.add(w.key + "@" + w.deadline);
    }
    assertThat(order).containsExactly("c@3500", "a@11000", "d@11000");
  }

  @Test
  void aSnapshotByGroupSplitsTheEntriesAndTogetherRestoresThemAll() throws Exception {
    PendingJoins pending = new PendingJoins();
    for (int i = 0; i < 1_000; i++) {
      pending.put(
          PendingJoins.Waiting.impression("imp-" + i, i, 10_000 + i, new byte[] {(byte) i}));
    }
    pending.put(PendingJoins.Waiting.click("c", LabelJoinOperatorTest.click("c", 5), 3_005));
    int groups = 7;
    byte[][] parts = pending.snapshotByGroup(key -> Math.floorMod(key.hashCode(), groups), groups);
    assertThat((Object[]) parts).hasSize(groups).doesNotContainNull();

    List<String> seen = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      PendingJoins one = new PendingJoins();
      one.restore(List.of(parts[g]), key -> true);
      int group = g;
      one.forEach(
          w -> {
            assertThat(Math.floorMod(w.key.hashCode(), groups)).isEqualTo(group);
            seen.add(w.key);
          });
    }
    assertThat(seen).hasSize(1_001).doesNotHaveDuplicates();

    PendingJoins all = new PendingJoins();
    assertThat(all.restore(List.of(parts), key -> true)).isEqualTo(1_001);
    assertThat(all.get("c").click.ts).isEqualTo(5);
    List<String> order = new ArrayList<>();
    PendingJoins.Waiting w;
    while ((w = all.pollDue(10_001)) != null) {
      order.add(w.key);
    }
    assertThat(order).containsExactly("c", "imp-0", "imp-1"); // by deadline across the groups

    byte[][] none = new PendingJoins().snapshotByGroup(key -> 0, 3);
    assertThat((Object[]) none).containsOnlyNulls();
    assertThat(new PendingJoins().restore(List.of(new PendingJoins().snapshot()), key -> true))
        .isZero();
  }

  @Test
  void aFrozenStateEncodesWhatWaitedWhenItWasFrozenWhateverHappensAfter() throws Exception {
    PendingJoins pending = new PendingJoins();
    List<PendingJoins.Waiting> held = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      PendingJoins.Waiting w =
          PendingJoins.Waiting.impression("imp-" + i, i, i + 1_000, new byte[] {(byte) i});
      pending.put(w);
      held.add(w);
    }
    pending.put(PendingJoins.Waiting.click("c", LabelJoinOperatorTest.click("c", 7), 3_000));
    // removed before the freeze, though still in the deadline queue: not in it
    for (int i = 400; i < 450; i++) {
      pending.remove(held.get(i));
    }
    pending.put(PendingJoins.Waiting.impression("imp-450", 450, 1_450, new byte[] {9})); // replaced
    assertThat(pending.removeIf(w -> w.key.equals("imp-451"))).isOne(); // a TTL's sweep
    byte[] atFreeze = pending.snapshot();
    PendingJoins.Frozen frozen = pending.freeze();

    // what the task thread does after the checkpoint's synchronous part
    for (int i = 0; i < 100; i++) {
      pending.remove(held.get(i));
    }
    assertThat(pending.pollDue(1_200)).isNotNull();
    for (int i = 500; i < 700; i++) {
      pending.put(PendingJoins.Waiting.impression("imp-" + i, i, i + 1_000, new byte[2]));
    }
    pending.put(PendingJoins.Waiting.impression("c", 9, 5_000, new byte[0])); // replaces the click

    pending.removeIf(w -> w.key.equals("imp-300"));
    byte[] encoded = frozen.encodeByGroup(key -> 0, 1)[0];
    PendingJoins fromFrozen = new PendingJoins();
    PendingJoins fromSnapshot = new PendingJoins();
    assertThat(fromFrozen.restore(List.of(encoded), key -> true)).isEqualTo(450);
    assertThat(fromSnapshot.restore(List.of(atFreeze), key -> true)).isEqualTo(450);
    assertThat(fromFrozen.get("imp-450").example).containsExactly(9);
    assertThat(fromFrozen.get("imp-451")).isNull();
    assertThat(fromFrozen.get("imp-300")).isNotNull();
    assertThat(drain(fromFrozen)).isEqualTo(drain(fromSnapshot)).contains("c@3000", "imp-0@1000");
  }

  private static List<String> drain(PendingJoins pending) {
    List<String> out = new ArrayList<>();
    PendingJoins.Waiting w;
    while ((w = pending.pollDue(Long.MAX_VALUE)) != null) {
      out.add(w.key + "@" + w.deadline);
    }
    return out;
  }
}
