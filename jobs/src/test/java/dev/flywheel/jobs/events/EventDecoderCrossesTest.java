package dev.flywheel.jobs.events;

import static dev.flywheel.jobs.events.Events.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Feature crosses in the decoder: what is added, where, and that scoring and training agree. */
class EventDecoderCrossesTest {
  private static final List<FeatureCross> CROSSES =
      FeatureCross.parseList("segment*category, segment*item, segment*price, segment*device", "x");
  private final EventDecoder decoder =
      new EventDecoder(new DecoderConfig(20, 42, 1 << 20, 10_000, 1_000, true, CROSSES));
  private final FeatureHasher hasher = new FeatureHasher(20, 42);

  private static String request(String segment, String... items) {
    StringBuilder c = new StringBuilder();
    for (int i = 0; i < items.length; i++) {
      c.append(i == 0 ? "" : ",")
          .append(
              String.format(
                  Locale.ROOT,
                  "{\"itemId\":\"%s\",\"features\":{\"item\":\"%s\",\"category\":\"c%d\","
                      + "\"price\":%d.5}}",
                  items[i],
                  items[i],
                  i % 3,
                  10 + i));
    }
    return "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r-1\","
        + "\"user\":{\"segment\":\""
        + segment
        + "\",\"country\":\"cn\"},\"context\":{\"hour\":\"13\",\"device\":\"ios\"},"
        + "\"candidates\":["
        + c
        + "]}";
  }

  private static String impression(String segment, String item, int category, String price) {
    return "{\"v\":1,\"type\":\"impression\",\"ts\":1732700000100,\"impressionId\":\"r-1:"
        + item
        + "\",\"requestId\":\"r-1\",\"itemId\":\""
        + item
        + "\",\"position\":0,\"propensity\":0.9,\"features\":{\"segment\":\""
        + segment
        + "\",\"country\":\"cn\",\"hour\":\"13\",\"device\":\"ios\",\"item\":\""
        + item
        + "\",\"category\":\"c"
        + category
        + "\",\"price\":"
        + price
        + "}}";
  }

  private Event decodeOk(String json) {
    Event e = decoder.decode(bytes(json));
    assertThat(decoder.failure()).as("failure of %s", json).isNull();
    return e;
  }

  /** The (bucket, value, numeric) triples of one example, as a sorted list of strings. */
  private static List<String> example(SparseBatch batch, int i) {
    List<String> out = new ArrayList<>();
    for (int s = batch.start(i); s < batch.end(i); s++) {
      out.add(batch.index(s) + "=" + batch.value(s) + (batch.isNumeric(s) ? "n" : "c"));
    }
    out.sort(null);
    return out;
  }

  private int cross(String leftName, String left, String rightName, String right) {
    return hasher.cross(
        hasher.categoricalKey(leftName, left), hasher.categoricalKey(rightName, right));
  }

  @Test
  void eachCandidateGetsItsCrossesAndTheSharedCrossIsShared() {
    Event e = decodeOk(request("s1", "i-1", "i-2"));
    // shared: segment, country, hour, device + the shared cross segment*device
    assertThat(e.sharedCount).isEqualTo(5);
    assertThat(e.indices[4]).isEqualTo(cross("segment", "s1", "device", "ios"));
    // candidate 0: item, category, price, then segment*category, segment*item, segment*price
    assertThat(e.candidateOffsets).containsExactly(5, 11, 17);
    assertThat(e.indices[8]).isEqualTo(cross("segment", "s1", "category", "c0"));
    assertThat(e.indices[9]).isEqualTo(cross("segment", "s1", "item", "i-1"));
    assertThat(e.indices[10])
        .isEqualTo(
            hasher.cross(hasher.categoricalKey("segment", "s1"), hasher.numericKey("price")));
    assertThat(e.values[10]).as("a categorical × numeric cross carries the number").isEqualTo(10.5);
    assertThat(e.numeric[10]).isTrue();
    assertThat(e.values[9]).isEqualTo(1.0);
    assertThat(e.numeric[9]).isFalse();
    assertThat(e.indices[15]).isEqualTo(cross("segment", "s1", "item", "i-2"));
    assertThat(e.indices[14]).isEqualTo(cross("segment", "s1", "category", "c1"));
    assertThat(e.values[16]).isEqualTo(11.5);
  }

  @Test
  void requestAndImpressionGiveTheSameCrossesForTheSameUserAndItem() {
    Event request = decodeOk(request("s3", "i-7", "i-8", "i-9"));
    SparseBatch batch = new SparseBatch(4, 16);
    for (int k = 0; k < request.candidateCount(); k++) {
      request.addCandidateFeatures(batch, k);
      batch.endExample(0);
    }
    String[] prices = {"10.5", "11.5", "12.5"};
    for (int k = 0; k < 3; k++) {
      Event impression = decodeOk(impression("s3", "i-" + (7 + k), k, prices[k]));
      impression.addFeatures(batch);
      batch.endExample(0);
      assertThat(example(batch, 3 + k))
          .as("impression of candidate %d trains what scored it", k)
          .hasSize(11)
          .isEqualTo(example(batch, k));
    }
  }

  @Test
  void crossesDependOnTheValuePairOnly() {
    Event a = decodeOk(impression("s1", "i-1", 0, "10"));
    Event sameAgain = decodeOk(impression("s1", "i-1", 0, "10"));
    Event otherSegment = decodeOk(impression("s2", "i-1", 0, "10"));
    Event otherItem = decodeOk(impression("s1", "i-2", 0, "10"));
    int s1i1 = cross("segment", "s1", "item", "i-1");
    assertThat(a.indices).contains(s1i1).isEqualTo(sameAgain.indices);
    assertThat(otherSegment.indices)
        .doesNotContain(s1i1)
        .contains(cross("segment", "s2", "item", "i-1"));
    assertThat(otherItem.indices)
        .doesNotContain(s1i1)
        .contains(cross("segment", "s1", "item", "i-2"));
    // the segment × category cross is shared by both items of category c0
    assertThat(otherItem.indices).contains(cross("segment", "s1", "category", "c0"));
  }

  @Test
  void fieldOrderDoesNotMatterAndAnAbsentSideAddsNothing() {
    String usual = request("s1", "i-1");
    String candidatesFirst =
        "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r-1\","
            + "\"candidates\":[{\"itemId\":\"i-1\",\"features\":{\"price\":10.5,"
            + "\"category\":\"c0\",\"item\":\"i-1\"}}],"
            + "\"context\":{\"device\":\"ios\",\"hour\":\"13\"},"
            + "\"user\":{\"country\":\"cn\",\"segment\":\"s1\"}}";
    SparseBatch batch = new SparseBatch(2, 16);
    decodeOk(usual).addCandidateFeatures(batch, 0);
    batch.endExample(0);
    decodeOk(candidatesFirst).addCandidateFeatures(batch, 0);
    batch.endExample(0);
    assertThat(example(batch, 1)).isEqualTo(example(batch, 0));

    // no segment: no cross at all
    Event noSegment =
        decodeOk(
            "{\"v\":1,\"type\":\"impression\",\"ts\":1732700000100,\"impressionId\":\"x\","
                + "\"requestId\":\"r\",\"itemId\":\"i-1\",\"position\":0,"
                + "\"features\":{\"item\":\"i-1\",\"category\":\"c0\",\"device\":\"ios\"}}");
    assertThat(noSegment.indices).hasSize(3);
  }

  @Test
  void withoutCrossesTheEventIsUnchanged() {
    EventDecoder plain = new EventDecoder(Events.config());
    EventDecoder crossingOthers =
        new EventDecoder(
            new DecoderConfig(
                20, 42, 1 << 20, 10_000, 1_000, true, FeatureCross.parseList("a*b", "x")));
    assertThat(crossingOthers.decode(bytes(Events.REQUEST)))
        .isEqualTo(plain.decode(bytes(Events.REQUEST)));
    assertThat(crossingOthers.decode(bytes(Events.IMPRESSION)))
        .isEqualTo(plain.decode(bytes(Events.IMPRESSION)));
  }

  /**
   * Crosses allocate nothing per record beyond the event's larger feature arrays: the bytes a
   * decode allocates with crosses exceed those without by at most the added slots (int + double +
   * boolean each) and array alignment.
   */
  @Test
  void crossesAllocateOnlyTheAddedSlots() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeThat(bean).isInstanceOf(com.sun.management.ThreadMXBean.class);
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
    assumeThat(mx.isThreadAllocatedMemorySupported()).isTrue();
    String[] items = new String[20];
    for (int i = 0; i < items.length; i++) {
      items[i] = "i-" + i;
    }
    byte[] request = bytes(request("s1", items));
    EventDecoder plain = new EventDecoder(Events.config());
    long withoutCrosses = allocatedPerDecode(mx, plain, request);
    long withCrosses = allocatedPerDecode(mx, decoder, request);
    // 20 candidates × 3 crosses + 1 shared cross = 61 slots of 4 + 8 + 1 bytes, 3 × 8 alignment
    long added = 61 * 13 + 24;
    assertThat(withCrosses - withoutCrosses)
        .as("extra bytes per decode (%d without crosses, %d with)", withoutCrosses, withCrosses)
        .isLessThanOrEqualTo(added);
  }

  private static long allocatedPerDecode(
      com.sun.management.ThreadMXBean mx, EventDecoder d, byte[] record) {
    long tid = Thread.currentThread().getId();
    for (int i = 0; i < 2_000; i++) {
      assertThat(d.decode(record)).isNotNull(); // warm-up: buffers grow, the JIT settles
    }
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 100; i++) {
        d.decode(record);
      }
      best = Math.min(best, (mx.getThreadAllocatedBytes(tid) - before) / 100);
    }
    return best;
  }
}
