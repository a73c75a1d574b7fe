package dev.flywheel.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.deploy.bench.BenchResult.FrameCount;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The profile's grouping of threads into tasks, its sample windows and its ranking. */
class JfrProfileTest {
  @Test
  void threadsAreGroupedByTaskWithoutSubtaskOrNumbers() {
    assertThat(JfrProfile.task("score -> predictions sink: Writer (2/2)#0"))
        .isEqualTo("score -> predictions sink: Writer");
    assertThat(JfrProfile.task("label join (1/2)#3")).isEqualTo("label join");
    assertThat(JfrProfile.task("AsyncOperations-thread-12")).isEqualTo("AsyncOperations-thread-N");
    assertThat(JfrProfile.task(null)).isEqualTo("(unnamed)");
  }

  @Test
  void onlySamplesInsideAWindowCount() {
    Instant t = Instant.parse("2026-11-28T04:00:00Z");
    List<Instant[]> windows =
        List.of(
            new Instant[] {t, t.plusSeconds(10)},
            new Instant[] {t.plusSeconds(20), t.plusSeconds(30)});
    assertThat(JfrProfile.inside(windows, t)).isTrue();
    assertThat(JfrProfile.inside(windows, t.plusSeconds(10))).isTrue();
    assertThat(JfrProfile.inside(windows, t.plusSeconds(15))).isFalse();
    assertThat(JfrProfile.inside(windows, t.plusSeconds(25))).isTrue();
    assertThat(JfrProfile.inside(windows, t.minusMillis(1))).isFalse();
    assertThat(JfrProfile.inside(List.of(), t)).isFalse();
  }

  @Test
  void topRanksBySamplesThenName() {
    List<FrameCount> top = JfrProfile.topOf(Map.of("b", 5L, "a", 5L, "c", 10L), 20);
    assertThat(top).extracting(FrameCount::frame).containsExactly("c", "a", "b");
    assertThat(top.get(0).share()).isEqualTo(0.5);
  }
}
