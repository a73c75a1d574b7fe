package dev.flywheel.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.config.JobSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureCrossTest {
  private static final String KEY = "flywheel.features.crosses";

  @Test
  void parsesTheOptionOnceIntoTheDecoderConfig() {
    JobSettings s = JobSettings.fromArgs("--" + KEY, " segment*category , segment * item ");
    assertThat(s.crosses())
        .containsExactly(
            new FeatureCross("segment", "category"), new FeatureCross("segment", "item"));
    assertThat(s.decoderConfig().crosses()).isEqualTo(s.crosses());
    assertThat(s.crosses().get(1)).hasToString("segment*item");
    assertThat(JobSettings.defaults().crosses()).isEmpty();
    assertThat(JobSettings.fromArgs("--" + KEY, "  ").crosses()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "segment | must be comma-separated crosses name*name, got 'segment'",
        "segment*category, | must be comma-separated crosses name*name, got ''",
        "a*b*c | got 'a*b*c'",
        "*item | got '*item'",
        "segment* | got 'segment*'",
        "item*item | a feature cannot be crossed with itself, got 'item*item'",
        "a*b,b*a | the cross of b and a is given twice",
        "a*b, a * b | the cross of a and b is given twice"
      })
  void badValuesAreRejectedNamingTheOption(String value, String message) {
    assertThatThrownBy(() -> JobSettings.fromArgs("--" + KEY, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(KEY)
        .hasMessageContaining(message);
  }

  @Test
  void atMostSixtyFourCrosses() {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= FeatureCross.MAX_CROSSES; i++) {
      many.append(i == 0 ? "" : ",").append("a").append(i).append("*b");
    }
    assertThatThrownBy(() -> JobSettings.fromArgs("--" + KEY, many.toString()))
        .hasMessage(KEY + " allows at most 64 crosses, got 65");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a"})
  void aCrossNeedsTwoDifferentNames(String right) {
    assertThatThrownBy(() -> new FeatureCross("a", right))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
