package dev.flywheel.jobs.events;

import static dev.flywheel.jobs.events.Events.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.model.SparseBatch;
import dev.flywheel.model.features.FeatureHasher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventDecoderTest {
  private final EventDecoder decoder = new EventDecoder(Events.config());
  private final FeatureHasher hasher = new FeatureHasher(20, 42);

  private Event decodeOk(String json) {
    Event e = decoder.decode(bytes(json));
    assertThat(decoder.failure()).as("failure of %s", json).isNull();
    assertThat(e).isNotNull();
    return e;
  }

  private DecodeFailure decodeBad(String json) {
    Event e = decoder.decode(bytes(json));
    assertThat(e).as("event decoded from %s", json).isNull();
    assertThat(decoder.failure()).isNotNull();
    return decoder.failure();
  }

  @Test
  void requestHasSharedThenCandidateFeatures() {
    Event e = decodeOk(Events.REQUEST);
    assertThat(e.type).isEqualTo(EventType.REQUEST);
    assertThat(e.ts).isEqualTo(Events.TS);
    assertThat(e.model).isEqualTo("ctr");
    assertThat(e.requestId).isEqualTo("r-1");
    assertThat(e.candidateItemIds).containsExactly("i-1", "i-2", "i-3");
    // user (3) + context (2) shared; candidates own 2, 1, 0
    assertThat(e.sharedCount).isEqualTo(5);
    assertThat(e.candidateOffsets).containsExactly(5, 7, 8, 8);
    assertThat(e.indices)
        .containsExactly(
            hasher.categorical("country", "cn"),
            hasher.numeric("age"),
            hasher.categorical("premium", "true"),
            hasher.categorical("device", "ios"),
            hasher.numeric("hour"),
            hasher.categorical("item", "i-1"),
            hasher.numeric("price"),
            hasher.categorical("item", "i-2"));
    assertThat(e.values).containsExactly(1, 31, 1, 1, 13.5, 1, 12.5, 1);
    assertThat(e.numeric).containsExactly(false, true, false, false, true, false, true, false);
  }

  @Test
  void candidateExampleIsSharedPlusOwnFeatures() {
    Event e = decodeOk(Events.REQUEST);
    SparseBatch batch = new SparseBatch(4, 8);
    for (int k = 0; k < e.candidateCount(); k++) {
      e.addCandidateFeatures(batch, k);
      batch.endExample(0);
    }
    assertThat(batch.size()).isEqualTo(3);
    assertThat(batch.end(0) - batch.start(0)).isEqualTo(7);
    assertThat(batch.end(1) - batch.start(1)).isEqualTo(6);
    assertThat(batch.end(2) - batch.start(2)).isEqualTo(5);
    assertThat(batch.index(batch.start(0) + 6)).isEqualTo(hasher.numeric("price"));
    assertThat(batch.isNumeric(batch.start(0) + 6)).isTrue();
    assertThat(batch.value(batch.start(0) + 6)).isEqualTo(12.5);
    assertThat(batch.index(batch.start(1) + 5)).isEqualTo(hasher.categorical("item", "i-2"));
  }

  @Test
  void impressionHashesLikeTheRequestThatScoredIt() {
    Event request = decodeOk(Events.REQUEST);
    Event impression = decodeOk(Events.IMPRESSION);
    assertThat(impression.impressionId).isEqualTo("imp-1");
    assertThat(impression.requestId).isEqualTo("r-1");
    assertThat(impression.itemId).isEqualTo("i-1");
    assertThat(impression.position).isEqualTo(0);
    assertThat(impression.propensity).isEqualTo(0.5);
    assertThat(impression.candidateCount()).isZero();
    assertThat(impression.sharedCount).isEqualTo(impression.featureCount());
    // the impression logs the features of candidate 0: same buckets (order aside)
    int[] candidate0 =
        Arrays.copyOfRange(request.indices, 0, request.candidateOffsets[1]); // shared + own
    assertThat(impression.indices).containsExactlyInAnyOrder(candidate0);
  }

  @Test
  void clickAndExample() {
    Event click = decodeOk(Events.CLICK);
    assertThat(click.type).isEqualTo(EventType.CLICK);
    assertThat(click.model).isEqualTo("default");
    assertThat(click.impressionId).isEqualTo("imp-1");
    assertThat(click.value).isEqualTo(2.0);
    assertThat(click.featureCount()).isZero();

    Event example = decodeOk(Events.EXAMPLE);
    assertThat(example.id).isEqualTo("e-1");
    assertThat(example.label).isEqualTo(1.0);
    LabeledExample x = LabeledExample.fromExampleEvent(example);
    SparseBatch batch = new SparseBatch(1, 4);
    x.addTo(batch);
    assertThat(batch.size()).isEqualTo(1);
    assertThat(batch.label(0)).isEqualTo(1.0);
    assertThat(batch.nonZeros()).isEqualTo(3);
    assertThat(batch.index(1)).isEqualTo(hasher.categorical("day", "2"));
  }

  @Test
  void fieldOrderDoesNotMatterAndNullFeatureValuesAreSkipped() {
    Event e =
        decodeOk(
            """
            {"candidates":[{"features":{"a":"x"},"itemId":"i"}],"context":{"n":null},
             "user":{"b":false},"requestId":"r","ts":1732700000000,"type":"request","v":1,
             "someFutureField":{"nested":[1,2,{"x":null}]}}
            """);
    assertThat(e.sharedCount).isEqualTo(1);
    assertThat(e.indices)
        .containsExactly(hasher.categorical("b", "false"), hasher.categorical("a", "x"));
  }

  @Test
  void regressionLabelsAreAnyFiniteNumber() {
    EventDecoder regression =
        new EventDecoder(new DecoderConfig(20, 42, 1 << 20, 10_000, 1_000, false));
    Event e =
        regression.decode(
            bytes(
                "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\","
                    + "\"label\":-3.25,\"features\":{}}"));
    assertThat(regression.failure()).isNull();
    assertThat(e.label).isEqualTo(-3.25);
    DecodeFailure f =
        decodeBad(
            "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\","
                + "\"label\":-3.25,\"features\":{}}");
    assertThat(f.reason()).isEqualTo(DlqReason.INVALID_FIELD);
    assertThat(f.detail()).contains("label must be 0 or 1");
  }

  @ParameterizedTest(name = "{0}: {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "MALFORMED_JSON|``|empty record",
        "MALFORMED_JSON|`{\"v\":1,`|",
        "MALFORMED_JSON|`[1,2]`|JSON object",
        "MALFORMED_JSON|`{\"v\":1} {}`|trailing content",
        "UNSUPPORTED_VERSION|`{\"v\":2,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\"}`|v must be 1",
        "UNSUPPORTED_VERSION|`{\"v\":\"1\",\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\"}`|v must be 1",
        "MISSING_FIELD|`{\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\"}`|v is missing",
        "UNKNOWN_TYPE|`{\"v\":1,\"type\":\"view\",\"ts\":1732700000000}`|unknown type 'view'",
        "MISSING_FIELD|`{\"v\":1,\"ts\":1732700000000,\"impressionId\":\"i\"}`|type is missing",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"click\",\"impressionId\":\"i\"}`|ts is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000,\"impressionId\":\"i\"}`|epoch milliseconds",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000.5,\"impressionId\":\"i\"}`|integer",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":\"1732700000000\",\"impressionId\":\"i\"}`|integer",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000}`|impressionId is missing",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":null}`|impressionId is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"\"}`|must not be empty",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":7}`|must be a string",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\",\"ts\":1732700000000}`|duplicate field ts",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\",\"features\":{}}`|not a field of a click",
        "NON_FINITE_NUMBER|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\",\"value\":NaN}`|value is not finite",
        "NON_FINITE_NUMBER|`{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"i\",\"value\":1e400}`|value is not finite",
        "NON_FINITE_NUMBER|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":1,\"features\":{\"x\":-Infinity}}`|features.x is not finite",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"features\":{}}`|label is missing",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":0}`|features is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":0,\"features\":{\"x\":[1]}}`|features.x must be a string, number or boolean",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":0,\"features\":[]}`|features must be a JSON object",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":0,\"features\":{\"\":1}}`|feature names must not be empty",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"impression\",\"ts\":1732700000000,\"impressionId\":\"i\",\"requestId\":\"r\",\"itemId\":\"x\",\"features\":{}}`|position is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"impression\",\"ts\":1732700000000,\"impressionId\":\"i\",\"requestId\":\"r\",\"itemId\":\"x\",\"position\":-1,\"features\":{}}`|position must be a non-negative integer",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"impression\",\"ts\":1732700000000,\"impressionId\":\"i\",\"requestId\":\"r\",\"itemId\":\"x\",\"position\":1,\"propensity\":0,\"features\":{}}`|propensity must be in (0, 1]",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"impression\",\"ts\":1732700000000,\"impressionId\":\"i\",\"itemId\":\"x\",\"position\":1,\"features\":{}}`|requestId is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"impression\",\"ts\":1732700000000,\"impressionId\":\"i\",\"requestId\":\"r\",\"itemId\":\"x\",\"position\":1,\"features\":{},\"user\":{}}`|user is only a field of a request",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"candidates\":[{\"itemId\":\"a\"}]}`|context is missing",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"context\":{}}`|candidates is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"context\":{},\"candidates\":[]}`|candidates must not be empty",
        "MISSING_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"context\":{},\"candidates\":[{\"features\":{}}]}`|candidates[0].itemId is missing",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"context\":{},\"candidates\":[\"a\"]}`|candidates[0] must be an object",
        "INVALID_FIELD|`{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},\"context\":{},\"features\":{},\"candidates\":[{\"itemId\":\"a\"}]}`|not a field of a request",
      })
  void rejectsWithReasonAndDetail(DlqReason reason, String json, String detail) {
    DecodeFailure f = decodeBad(json == null ? "" : json);
    assertThat(f.reason()).as(f.detail()).isEqualTo(reason);
    if (detail != null) {
      assertThat(f.detail()).contains(detail);
    }
  }

  @Test
  void boundsRecordSizeFeaturesAndCandidates() {
    EventDecoder small = new EventDecoder(new DecoderConfig(20, 42, 200, 4, 2, true));
    assertThat(small.decode(new byte[201])).isNull();
    assertThat(small.failure().reason()).isEqualTo(DlqReason.TOO_LARGE);

    assertThat(
            small.decode(
                bytes(
                    "{\"v\":1,\"type\":\"example\",\"ts\":1732700000000,\"id\":\"e\",\"label\":0,"
                        + "\"features\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}}")))
        .isNull();
    assertThat(small.failure().reason()).isEqualTo(DlqReason.TOO_LARGE);
    assertThat(small.failure().detail()).contains("more than 4 features");

    assertThat(
            small.decode(
                bytes(
                    "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\","
                        + "\"user\":{},\"context\":{},"
                        + "\"candidates\":[{\"itemId\":\"a\"},{\"itemId\":\"b\"},{\"itemId\":\"c\"}]}")))
        .isNull();
    assertThat(small.failure().reason()).isEqualTo(DlqReason.TOO_LARGE);
    assertThat(small.failure().detail()).contains("more than 2 candidates");

    String deep = "{\"v\":1,\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
    EventDecoder d = new EventDecoder(Events.config());
    assertThat(d.decode(bytes(deep))).isNull();
    assertThat(d.failure().reason()).isEqualTo(DlqReason.TOO_LARGE);
  }

  @Test
  void idsAreBounded() {
    String longId = "x".repeat(EventDecoder.MAX_ID_LENGTH + 1);
    DecodeFailure f =
        decodeBad(
            "{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\""
                + longId
                + "\"}");
    assertThat(f.reason()).isEqualTo(DlqReason.INVALID_FIELD);
    assertThat(f.detail()).contains("impressionId is 257 chars long");
  }

  @Test
  void invalidUtf8IsMalformed() {
    byte[] bad = bytes("{\"v\":1,\"type\":\"click\",\"ts\":1732700000000,\"impressionId\":\"ab\"}");
    bad[bad.length - 4] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThat(decoder.decode(bad)).isNull();
    assertThat(decoder.failure().reason()).isEqualTo(DlqReason.MALFORMED_JSON);
  }

  @Test
  void reusedBuffersDoNotLeakBetweenEvents() {
    Event request = decodeOk(Events.REQUEST);
    Event first = decodeOk(Events.EXAMPLE);
    // a failure half-way through a request's candidates must not leave candidates behind
    decodeBad(
        "{\"v\":1,\"type\":\"request\",\"ts\":1732700000000,\"requestId\":\"r\",\"user\":{},"
            + "\"context\":{},\"candidates\":[{\"itemId\":\"a\",\"features\":{\"p\":1}},{\"itemId\":3}]}");
    Event again = decodeOk(Events.EXAMPLE);
    assertThat(again).isEqualTo(first);
    assertThat(decodeOk(Events.REQUEST)).isEqualTo(request);
    assertThat(again.indices).isNotSameAs(first.indices); // each event owns its arrays
  }

  @Test
  void neverThrowsOnRandomBytesTruncationsAndMutations() {
    Random random = new Random(20261127L);
    List<byte[]> inputs = new ArrayList<>();
    for (String valid : List.of(Events.REQUEST, Events.IMPRESSION, Events.CLICK, Events.EXAMPLE)) {
      byte[] b = bytes(valid);
      for (int len = 0; len <= b.length; len++) {
        inputs.add(Arrays.copyOf(b, len));
      }
      for (int i = 0; i < 2_000; i++) {
        byte[] m = b.clone();
        int flips = 1 + random.nextInt(4);
        for (int f = 0; f < flips; f++) {
          m[random.nextInt(m.length)] =
              random.nextBoolean()
                  ? (byte) random.nextInt(256)
                  : (byte) "{}[]\":,0123456789-+.eEtruefalsnNI \\".charAt(random.nextInt(34));
        }
        inputs.add(m);
      }
    }
    for (int i = 0; i < 2_000; i++) {
      byte[] r = new byte[random.nextInt(300)];
      random.nextBytes(r);
      inputs.add(r);
    }
    int decoded = 0;
    for (byte[] input : inputs) {
      Event e = decoder.decode(input);
      if (e == null) {
        assertThat(decoder.failure()).isNotNull();
        assertThat(decoder.failure().reason())
            .as("reason for %s: %s", new String(input), decoder.failure().detail())
            .isNotEqualTo(DlqReason.DECODER_ERROR);
      } else {
        assertThat(decoder.failure()).isNull();
        assertThat(e.indices.length).isEqualTo(e.values.length).isEqualTo(e.numeric.length);
        decoded++;
      }
    }
    // the untouched inputs (full length) decode, so the loop did see successes too
    assertThat(decoded).isGreaterThanOrEqualTo(4);
  }
}
