package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeadlineQueueTest {
  private record Item(long deadline, int added) {}

  @Test
  void pollsByDeadlineThenSequenceAgainstASortedReference() {
    SplittableRandom random = new SplittableRandom(3);
    DeadlineQueue queue = new DeadlineQueue();
    List<Item> items = new ArrayList<>();
    List<Item> reference = new ArrayList<>();
    Comparator<Item> order = Comparator.comparingLong(Item::deadline).thenComparingInt(Item::added);
    for (int round = 0; round < 20_000; round++) {
      if (reference.isEmpty() || random.nextInt(3) > 0) {
        // few deadlines, so many ties; sequences given out of the order of adding
        int added = items.size() ^ 1;
        Item item = new Item(random.nextLong(50), added);
        queue.add(item.deadline(), added, items.size());
        items.add(item);
        reference.add(item);
      } else {
        reference.sort(order);
        assertThat(queue.peekDeadline()).isEqualTo(reference.get(0).deadline());
        assertThat(items.get((int) queue.poll())).isEqualTo(reference.remove(0));
      }
      assertThat(queue.size()).isEqualTo(reference.size());
    }
  }

  @Test
  void retainKeepsTheOrderOfWhatItKeeps() {
    DeadlineQueue queue = new DeadlineQueue();
    for (int i = 0; i < 300; i++) {
      queue.add(300 - i / 2, i, i);
    }
    queue.retain(item -> item % 3 != 0);
    assertThat(queue.size()).isEqualTo(200);
    List<Long> out = new ArrayList<>();
    while (queue.size() > 0) {
      out.add(queue.poll());
    }
    assertThat(out)
        .isSortedAccordingTo(
            Comparator.comparingLong((Long i) -> 300 - i / 2).thenComparingLong(i -> i))
        .noneMatch(item -> item % 3 == 0);
  }

  @Test
  void anEmptyQueueSaysSo() {
    DeadlineQueue queue = new DeadlineQueue();
    assertThatThrownBy(queue::poll).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::peekDeadline).isInstanceOf(IllegalStateException.class);
    queue.add(5, 0, 7);
    queue.clear();
    assertThat(queue.size()).isZero();
  }
}
