package dev.flywheel.jobs.bench;

import dev.flywheel.jobs.events.DecoderConfig;
import dev.flywheel.jobs.events.Event;
import dev.flywheel.jobs.events.EventDecoder;
import dev.flywheel.jobs.events.EventSerializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.types.StringValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding throughput of typical events (an impression of ~200 bytes with 8 features, a request
 * with 20 candidates), and of the end-to-end bench's synthetic events ({@code synthetic*}: shaped
 * like {@code deploy}'s {@code SyntheticEvents}: a request with 3 candidates, impressions with
 * every feature, clicks; ~230 bytes; {@code syntheticImpressionUnicode} has non-ASCII chars, {@code
 * syntheticImpressionGiveUp} ends in a nested unknown field, the decoder's worst case: its scanner
 * gives up at the last byte and Jackson decodes the record again; {@code syntheticMix} cycles
 * through 1,024 of them, 29 % requests, 58 % impressions, 13 % clicks, with distinct ids). {@code
 * syntheticMixSerialized} adds {@link EventSerializer#serialize} of each decoded event into a
 * reused buffer, what the pipeline pays to hand the event to the next task; {@code serializeMix}
 * serializes already decoded ones, with {@code megamorphic=true} after Flink's string encoding and
 * the event serializer have written to other output classes too, as in a job (checkpoint streams,
 * other serializers). Run from the repository root (docs/bench/decode.md has the figures):
 *
 * <pre>
 * mvn -B -q -pl jobs -am test-compile dependency:build-classpath \
 *     -Dmdep.includeScope=test -Dmdep.outputFile=cp.txt
 * java -cp "jobs/target/test-classes:jobs/target/classes:$(cat jobs/cp.txt)" org.openjdk.jmh.Main \
 *     EventDecoderBenchmark -f 1 -wi 3 -i 5 -prof gc
 * </pre>
 *
 * ({@code -am} so that {@code model-core} resolves to its build output; each module writes its own
 * {@code cp.txt}, the one in {@code jobs/} is the one to use.)
 *
 * <p>On a shared machine, JMH's wall-clock figures move with the other work; {@link #main} (same
 * class path, {@code dev.flywheel.jobs.bench.EventDecoderBenchmark} instead of {@code
 * org.openjdk.jmh.Main}) measures the thread's CPU time per call of the decoding cases instead,
 * which a descheduled thread does not inflate.
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
  private byte[] synthRequest;
  private byte[] synthImpression;
  private byte[] synthClick;
  private byte[] synthImpressionUnicode;
  private byte[] synthImpressionGiveUp;
  private byte[][] mix;
  private int next;
  private final DataOutputSerializer out = new DataOutputSerializer(1024);

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
    SplittableRandom random = new SplittableRandom(42);
    synthRequest = syntheticRequest(random, 1_732_700_000_000L, 123_456);
    synthImpression = syntheticImpression(random, 1_732_700_000_001L, 123_456, 0);
    synthClick = syntheticClick(1_732_700_000_002L, 123_440, 1);
    // non-ASCII chars, which the scanner decodes
    synthImpressionUnicode =
        new String(synthImpression, StandardCharsets.UTF_8)
            .replace("\"country\":\"c", "\"country\":\"\u4e2d\u00e9c")
            .getBytes(StandardCharsets.UTF_8);
    // the scanner's worst case: a nested unknown field at the very end makes it give up to Jackson
    synthImpressionGiveUp =
        new String(synthImpression, StandardCharsets.UTF_8)
            .replace("\"}}", "\"},\"extra\":{}}")
            .getBytes(StandardCharsets.UTF_8);
    if (decoder.decode(synthImpressionUnicode) == null
        || decoder.decode(synthImpressionGiveUp) == null) {
      throw new IllegalStateException("benchmark event does not decode: " + decoder.failure());
    }
    mix = new byte[1024][];
    long ts = 1_732_700_000_000L;
    int requests = 0;
    for (int i = 0; i < mix.length; ) {
      // per request: the request, its two impressions, and for 45 % of them a click (13 %)
      mix[i++] = syntheticRequest(random, ts++, ++requests);
      for (int shown = 0; shown < 2 && i < mix.length; shown++) {
        mix[i++] = syntheticImpression(random, ts++, requests, shown);
      }
      if (i < mix.length && random.nextDouble() < 0.45) {
        mix[i++] = syntheticClick(ts++, Math.max(1, requests - 2), random.nextInt(2));
      }
    }
    for (byte[] record : mix) {
      if (decoder.decode(record) == null) {
        throw new IllegalStateException("synthetic event does not decode: " + decoder.failure());
      }
    }
  }

  private static byte[] syntheticRequest(SplittableRandom random, long ts, int id) {
    StringBuilder b =
        new StringBuilder("{\"v\":1,\"type\":\"request\",\"ts\":")
            .append(ts)
            .append(",\"requestId\":\"r")
            .append(id)
            .append("\",\"user\":{\"country\":\"c")
            .append(random.nextInt(12))
            .append("\",\"segment\":\"s")
            .append(random.nextInt(20))
            .append("\"},\"context\":{\"device\":\"")
            .append(DEVICES[random.nextInt(3)])
            .append("\"},\"candidates\":[");
    for (int c = 0; c < 3; c++) {
      int item = random.nextInt(1000);
      b.append(c == 0 ? "" : ",")
          .append("{\"itemId\":\"i")
          .append(item)
          .append("\",\"features\":{\"item\":\"i")
          .append(item)
          .append("\",\"category\":\"k")
          .append(item % 30)
          .append("\"}}");
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] syntheticImpression(
      SplittableRandom random, long ts, int request, int position) {
    int item = random.nextInt(1000);
    return ("{\"v\":1,\"type\":\"impression\",\"ts\":"
            + ts
            + ",\"impressionId\":\"m"
            + request
            + "-"
            + position
            + "\",\"requestId\":\"r"
            + request
            + "\",\"itemId\":\"i"
            + item
            + "\",\"position\":"
            + position
            + ",\"features\":{\"country\":\"c"
            + random.nextInt(12)
            + "\",\"segment\":\"s"
            + random.nextInt(20)
            + "\",\"device\":\""
            + DEVICES[random.nextInt(3)]
            + "\",\"item\":\"i"
            + item
            + "\",\"category\":\"k"
            + item % 30
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] syntheticClick(long ts, int request, int position) {
    return ("{\"v\":1,\"type\":\"click\",\"ts\":"
            + ts
            + ",\"impressionId\":\"m"
            + request
            + "-"
            + position
            + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static final String[] DEVICES = {"ios", "android", "web"};

  @Benchmark
  public Event impression() {
    return decoder.decode(impression);
  }

  @Benchmark
  public Event request20Candidates() {
    return decoder.decode(request);
  }

  @Benchmark
  public Event syntheticRequest() {
    return decoder.decode(synthRequest);
  }

  @Benchmark
  public Event syntheticImpression() {
    return decoder.decode(synthImpression);
  }

  @Benchmark
  public Event syntheticImpressionUnicode() {
    return decoder.decode(synthImpressionUnicode);
  }

  @Benchmark
  public Event syntheticImpressionGiveUp() {
    return decoder.decode(synthImpressionGiveUp);
  }

  @Benchmark
  public Event syntheticClick() {
    return decoder.decode(synthClick);
  }

  @Benchmark
  public Event syntheticMix() {
    byte[] record = mix[next];
    next = (next + 1) & (mix.length - 1);
    return decoder.decode(record);
  }

  @Benchmark
  public int syntheticMixSerialized() throws IOException {
    byte[] record = mix[next];
    next = (next + 1) & (mix.length - 1);
    out.clear();
    EventSerializer.INSTANCE.serialize(decoder.decode(record), out);
    return out.length();
  }

  /** Decoded synthetic events to serialize, and whether the outputs' call sites are polluted. */
  @State(Scope.Thread)
  public static class Serialization {
    @Param({"false", "true"})
    public boolean megamorphic;

    Event[] events;
    byte[][] serialized;
    final DataOutputSerializer out = new DataOutputSerializer(1024);
    final DataInputDeserializer in = new DataInputDeserializer();
    int next;

    @Setup
    public void setUp() throws IOException {
      EventDecoderBenchmark decoding = new EventDecoderBenchmark();
      decoding.setUp();
      events = new Event[decoding.mix.length];
      for (int i = 0; i < events.length; i++) {
        events[i] = decoding.decoder.decode(decoding.mix[i]);
      }
      serialized = new byte[events.length][];
      for (int i = 0; i < events.length; i++) {
        out.clear();
        EventSerializer.INSTANCE.serialize(events[i], out);
        serialized[i] = out.getCopyOfBuffer();
      }
      if (megamorphic) {
        for (int i = 0; i < 20_000; i++) {
          byte[] bytes = serialized[i % serialized.length];
          EventSerializer.INSTANCE.deserialize(
              new DataInputViewStreamWrapper(new ByteArrayInputStream(bytes)));
          in.setBuffer(bytes);
          EventSerializer.INSTANCE.deserialize(in);
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataOutputViewStreamWrapper wrapper = new DataOutputViewStreamWrapper(sink);
        DataOutputStream stream = new DataOutputStream(sink);
        for (int i = 0; i < 20_000; i++) {
          Event e = events[i % events.length];
          sink.reset();
          EventSerializer.INSTANCE.serialize(e, wrapper);
          StringValue.writeString(e.primaryId(), stream);
          StringValue.writeString(e.model, wrapper);
          out.clear();
          StringValue.writeString(e.model, out);
        }
      }
    }
  }

  @Benchmark
  public int serializeMix(Serialization s) throws IOException {
    Event e = s.events[s.next];
    s.next = (s.next + 1) & (s.events.length - 1);
    s.out.clear();
    EventSerializer.INSTANCE.serialize(e, s.out);
    return s.out.length();
  }

  /**
   * Deserializes serialized synthetic events, what the scorer and the join pay per event received
   * (with {@code megamorphic=true}, after events were also read from a stream view, as in a job).
   */
  @Benchmark
  public Event deserializeMix(Serialization s) throws IOException {
    s.in.setBuffer(s.serialized[s.next]);
    s.next = (s.next + 1) & (s.serialized.length - 1);
    return EventSerializer.INSTANCE.deserialize(s.in);
  }

  /**
   * CPU time per call of the decoding cases: per case 3 s of warm-up, then 7 rounds of 1 s, each
   * round's thread CPU time divided by its calls; prints the median and the range in ns per call.
   * An argument runs only the cases whose names start with it.
   */
  public static void main(String[] args) throws IOException {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    EventDecoderBenchmark b = new EventDecoderBenchmark();
    b.setUp();
    java.util.Map<String, java.util.function.Supplier<Object>> cases =
        new java.util.LinkedHashMap<>();
    cases.put("syntheticMix", b::syntheticMix);
    cases.put("syntheticRequest", b::syntheticRequest);
    cases.put("syntheticImpression", b::syntheticImpression);
    cases.put("syntheticClick", b::syntheticClick);
    cases.put("syntheticImpressionUnicode", b::syntheticImpressionUnicode);
    cases.put("syntheticImpressionGiveUp", b::syntheticImpressionGiveUp);
    cases.put(
        "syntheticMixSerialized",
        () -> {
          try {
            return b.syntheticMixSerialized();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    Serialization polluted = new Serialization();
    polluted.megamorphic = true;
    polluted.setUp();
    cases.put(
        "deserializeMix (megamorphic)",
        () -> {
          try {
            return b.deserializeMix(polluted);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    cases.put("impression", b::impression);
    cases.put("request20Candidates", b::request20Candidates);
    Object sink = null;
    for (var c : cases.entrySet()) {
      if (args.length > 0 && !c.getKey().startsWith(args[0])) {
        continue;
      }
      long warmUntil = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < warmUntil) {
        for (int i = 0; i < 1_000; i++) {
          sink = c.getValue().get();
        }
      }
      double[] nsPerCall = new double[7];
      for (int r = 0; r < nsPerCall.length; r++) {
        long calls = 0;
        long cpu0 = threads.getCurrentThreadCpuTime();
        long until = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < until) {
          for (int i = 0; i < 1_000; i++) {
            sink = c.getValue().get();
          }
          calls += 1_000;
        }
        nsPerCall[r] = (threads.getCurrentThreadCpuTime() - cpu0) / (double) calls;
      }
      java.util.Arrays.sort(nsPerCall);
      System.out.printf(
          java.util.Locale.ROOT,
          "%-28s %8.1f ns CPU/call  [%.1f-%.1f]%n",
          c.getKey(),
          nsPerCall[3],
          nsPerCall[0],
          nsPerCall[6]);
    }
    if (sink == null) {
      System.out.println("no result");
    }
  }
}
