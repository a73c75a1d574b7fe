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
  void pollsByDeadlineThenInsertionOrderAgainstASortedReference() {
    SplittableRandom random = new SplittableRandom(3);
    DeadlineQueue<Item> queue = new DeadlineQueue<>();
    List<Item> reference = new ArrayList<>();
    Comparator<Item> order = Comparator.comparingLong(Item::deadline).thenComparingInt(Item::added);
    int added = 0;
    for (int round = 0; round < 20_000; round++) {
      if (reference.isEmpty() || random.nextInt(3) > 0) {
        Item item = new Item(random.nextLong(50), added++); // few deadlines: many ties
        queue.add(item.deadline(), item);
        reference.add(item);
      } else {
        reference.sort(order);
        assertThat(queue.peekDeadline()).isEqualTo(reference.get(0).deadline());
        assertThat(queue.poll()).isEqualTo(reference.remove(0));
      }
      assertThat(queue.size()).isEqualTo(reference.size());
    }
  }

  @Test
  void retainKeepsTheOrderOfWhatItKeeps() {
    DeadlineQueue<Item> queue = new DeadlineQueue<>();
    for (int i = 0; i < 300; i++) {
      queue.add(300 - i / 2, new Item(300 - i / 2, i));
    }
    queue.retain((item, deadline) -> item.added() % 3 != 0);
    assertThat(queue.size()).isEqualTo(200);
    List<Item> out = new ArrayList<>();
    while (queue.size() > 0) {
      out.add(queue.poll());
    }
    assertThat(out)
        .isSortedAccordingTo(Comparator.comparingLong(Item::deadline).thenComparingInt(Item::added))
        .noneMatch(item -> item.added() % 3 == 0);
  }

  @Test
  void anEmptyQueueSaysSo() {
    DeadlineQueue<Item> queue = new DeadlineQueue<>();
    assertThatThrownBy(queue::poll).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::peekDeadline).isInstanceOf(IllegalStateException.class);
    queue.add(5, new Item(5, 0));
    queue.clear();
    assertThat(queue.size()).isZero();
  }
}
