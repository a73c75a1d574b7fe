package dev.flywheel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.deploy.testing.FlinkTestCluster;
import dev.flywheel.deploy.testing.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The identity job on a real broker and a MiniCluster at parallelism 2 with checkpointing: every
 * record of a 2-partition topic arrives in the output, exactly once in both delivery modes (no
 * failure is injected, so at-least-once has nothing to duplicate either).
 */
class IdentityJobKafkaTest {
  private static final int RECORDS = 20_000;

  @RegisterExtension static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

  @RegisterExtension static final MiniClusterExtension FLINK = FlinkTestCluster.extension();

  @ParameterizedTest
  @EnumSource(
      value = DeliveryGuarantee.class,
      names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
  void copiesEveryRecordOnce(DeliveryGuarantee guarantee) throws Exception {
    String input = KAFKA.createTopic("identity-in", 2);
    String output = KAFKA.createTopic("identity-out", 2);
    Random random = new Random(42);
    List<Map.Entry<byte[], byte[]>> sent = new ArrayList<>(RECORDS);
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < RECORDS; i++) {
      String key = "key-" + i;
      String value = "{\"v\":1,\"i\":" + i + ",\"r\":" + random.nextLong() + "}";
      sent.add(Map.entry(utf8(key), utf8(value)));
      expected.add(key + "|" + value);
    }
    KAFKA.produce(input, sent);

    StreamExecutionEnvironment env = FlinkTestCluster.environment(Duration.ofMillis(200));
    IdentityJob.build(
        env,
        new IdentityJob.Settings(
            KAFKA.bootstrapServers(),
            input,
            output,
            "identity-test-" + input,
            guarantee,
            "identity-test-" + output,
            Duration.ofMinutes(5),
            true));
    env.execute("identity test " + guarantee);

    List<ConsumerRecord<byte[], byte[]>> received =
        KAFKA.consumeAll(output, Duration.ofSeconds(60), true);
    List<String> actual = new ArrayList<>(received.size());
    for (ConsumerRecord<byte[], byte[]> record : received) {
      actual.add(
          new String(record.key(), StandardCharsets.UTF_8)
              + "|"
              + new String(record.value(), StandardCharsets.UTF_8));
    }
    assertThat(actual).hasSize(RECORDS);
    assertThat(new HashSet<>(actual)).isEqualTo(expected);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
