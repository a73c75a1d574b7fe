package dev.flywheel.jobs.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class KeyGroupKeysTest {
  @Test
  void eachKeyFallsIntoItsGroupAndTheSameRangeGivesTheSameKeys() {
    for (int maxParallelism : new int[] {1, 128, 4096}) {
      KeyGroupRange all = KeyGroupRange.of(0, maxParallelism - 1);
      KeyGroupKeys keys = new KeyGroupKeys(all, maxParallelism);
      Set<String> distinct = new HashSet<>();
      for (int g = 0; g < maxParallelism; g++) {
        String key = keys.key(g);
        assertThat(KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism)).isEqualTo(g);
        assertThat(key).startsWith(KeyGroupKeys.PREFIX);
        distinct.add(key);
      }
      assertThat(distinct).hasSize(maxParallelism);
      if (maxParallelism < 2) {
        continue;
      }
      // a subtask's range gets the same keys as the whole range: a rescale finds them again
      KeyGroupRange half =
          KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 2, 1);
      KeyGroupKeys subtask = new KeyGroupKeys(half, maxParallelism);
      for (int g = half.getStartKeyGroup(); g <= half.getEndKeyGroup(); g++) {
        assertThat(subtask.key(g)).isEqualTo(keys.key(g));
      }
    }
  }
}
