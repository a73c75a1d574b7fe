package dev.flywheel.jobs.bench;

import dev.flywheel.jobs.events.DecoderConfig;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding throughput of typical events (an impression of ~200 bytes with 8 features, a request
 * with 20 candidates). Run from the repository root after {@code mvn -pl jobs -am test-compile}:
 *
 * <pre>
 * java -cp "jobs/target/test-classes:jobs/target/classes:$(cat cp.txt)" org.openjdk.jmh.Main \
 *     EventDecoderBenchmark -prof gc
 * </pre>
 *
 * where {@code cp.txt} comes from {@code mvn -pl jobs dependency:build-classpath
 * -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventDecoderBenchmark {
  private EventDecoder decoder;
  private byte[] impression;
  private byte[] request;

  @Setup
  public void setUp() {
    decoder = new EventDecoder(new DecoderConfig(20, 42, 1 << 20, 10_000, 1000, true));
    impression =
        ("{\"v\":1,\"type\":\"impression\",\"ts\":1732700000100,\"model\":\"ctr\","
                + "\"impressionId\":\"imp-12345678\",\"requestId\":\"r-12345678\","
                + "\"itemId\":\"i-42\",\"position\":3,\"features\":{\"country\":\"cn\","
                + "\"age\":31,\"premium\":true,\"device\":\"ios\",\"hour\":13,"
                + "\"item\":\"i-42\",\"category\":\"shoes\",\"price\":12.5}}")
            .getBytes(StandardCharsets.UTF_8);
    StringBuilder r =
        new StringBuilder(
            "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"model\":\"ctr\","
                + "\"requestId\":\"r-12345678\",\"user\":{\"country\":\"cn\",\"age\":31,"
                + "\"premium\":true},\"context\":{\"device\":\"ios\",\"hour\":13},"
                + "\"candidates\":[");
    for (int k = 0; k < 20; k++) {
      r.append(k == 0 ? "" : ",")
          .append("{\"itemId\":\"i-")
          .append(k)
          .append("\",\"features\":{\"item\":\"i-")
          .append(k)
          .append("\",\"category\":\"c")
          .append(k % 5)
          .append("\",\"price\":")
          .append(3 + k)
          .append(".5}}");
    }
    request = r.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    if (decoder.decode(impression) == null || decoder.decode(request) == null) {
      throw new IllegalStateException("benchmark events do not decode: " + decoder.failure());
    }
  }

  @Benchmark
  public Event impression() {
    return decoder.decode(impression);
  }

  @Benchmark
  public Event request20Candidates() {
    return decoder.decode(request);
  }
}
