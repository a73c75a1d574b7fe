package dev.flywheel.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.jobs.events.EventType;
import dev.flywheel.jobs.events.Prediction;
import dev.flywheel.jobs.events.PredictionJson;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PredictionScanTest {
  private static final String[] STRINGS = {
    "default", "r-17", "", "quote\"inside", "back\\slash", "x\",\"ts\":5,\"scoredAt\":6}", "é€😀"
  };

  @Test
  void readsWhatJacksonReadsFromEveryPredictionTheJobWrites() throws Exception {
    Random random = new Random(12);
    int scanned = 0;
    for (int i = 0; i < 20_000; i++) {
      Prediction p = randomPrediction(random);
      byte[] json = PredictionJson.encode(p);
      LatencyBench.PredictionFields expected = LatencyBench.parseWithJackson(json);
      assertThat(expected)
          .isEqualTo(new LatencyBench.PredictionFields(p.modelVersion, p.eventTs, p.scoredAt));
      LatencyBench.PredictionFields fields = PredictionScan.read(json);
      if (fields != null) {
        scanned++;
        assertThat(fields).as(new String(json, StandardCharsets.UTF_8)).isEqualTo(expected);
      }
      assertThat(LatencyBench.parsePrediction(json)).isEqualTo(expected);
    }
    assertThat(scanned).isEqualTo(20_000); // the job's layout, escapes or not
  }

  @Test
  void leavesAnotherLayoutToTheParser() throws Exception {
    String[] others = {
      "{\"type\":\"impression\",\"v\":1,\"model\":\"m\",\"modelVersion\":3,\"ts\":1,\"scoredAt\":2}",
      "{\"v\":1,\"type\":\"impression\",\"model\":\"m\",\"modelVersion\":3,\"scoredAt\":2,\"ts\":1}",
      "{\"v\":1,\"type\":\"impression\",\"model\":\"m\",\"modelVersion\":3.5,\"ts\":1,\"scoredAt\":2}",
      "{\"v\":1,\"type\":\"impression\",\"model\":\"m\",\"modelVersion\":3,\"ts\":1,\"scoredAt\":2} ",
      "{\"v\":1,\"type\":\"impression\",\"model\":\"m\",\"modelVersion\":3,"
          + "\"ts\":12345678901234567890,\"scoredAt\":2}",
      "{\"v\":1,\"type\":\"impression\",\"model\":\"m",
      "",
    };
    for (String json : others) {
      assertThat(PredictionScan.read(json.getBytes(StandardCharsets.UTF_8))).as(json).isNull();
    }
    assertThat(LatencyBench.parsePrediction(others[0].getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(new LatencyBench.PredictionFields(3, 1, 2));
  }

  private static Prediction randomPrediction(Random random) {
    Prediction p = new Prediction();
    p.type = random.nextInt(10) == 0 ? null : EventType.values()[random.nextInt(3)];
    p.model = random.nextInt(10) == 0 ? null : pick(random);
    p.modelVersion = random.nextInt(5) == 0 ? -random.nextInt(3) : random.nextInt(1 << 20);
    p.impressionId = random.nextBoolean() ? pick(random) : null;
    p.requestId = random.nextBoolean() ? pick(random) : null;
    if (random.nextBoolean()) {
      int n = random.nextInt(20);
      p.rankedItemIds = new String[n];
      p.rankedScores = new double[n];
      for (int k = 0; k < n; k++) {
        p.rankedItemIds[k] = pick(random);
        p.rankedScores[k] = random.nextDouble();
      }
    } else {
      p.score = random.nextDouble();
    }
    p.eventTs =
        random.nextInt(8) == 0
            ? -random.nextInt(1000)
            : 1_795_000_000_000L + random.nextInt(1 << 30);
    p.scoredAt = random.nextInt(8) == 0 ? 0 : p.eventTs + random.nextInt(5_000);
    return p;
  }

  private static String pick(Random random) {
    return STRINGS[random.nextInt(STRINGS.length)];
  }
}
