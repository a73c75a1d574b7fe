package dev.flywheel.jobs.join;

import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * One string key in each key group of a range: the keys under which {@link LabelJoinOperator}
 * checkpoints its own state, one keyed value per key group. The keys are found by trying {@link
 * #PREFIX} followed by 0, 1, 2, … in order and keeping the first that falls into each group, so the
 * same max parallelism always gives the same keys. They live in states of their own (the join keeps
 * no keyed state of impression ids), so an impression id equal to one would not meet them.
 */
final class KeyGroupKeys {
  static final String PREFIX = "\u0000flywheel-join-key-group-";

  private final int first;
  private final String[] keys;

  /** The keys of {@code range}'s key groups, for {@code maxParallelism} key groups in all. */
  KeyGroupKeys(KeyGroupRange range, int maxParallelism) {
    first = range.getStartKeyGroup();
    keys = new String[range.getNumberOfKeyGroups()];
    int missing = keys.length;
    for (long i = 0; missing > 0; i++) {
      String candidate = PREFIX + i;
      int group = KeyGroupRangeAssignment.assignToKeyGroup(candidate, maxParallelism);
      if (range.contains(group) && keys[group - first] == null) {
        keys[group - first] = candidate;
        missing--;
      }
    }
  }

  /** The key of {@code keyGroup}, which must be in the range. */
  String key(int keyGroup) {
    return keys[keyGroup - first];
  }
}
