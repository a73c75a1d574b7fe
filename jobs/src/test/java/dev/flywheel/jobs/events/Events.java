package dev.flywheel.jobs.events;

import java.nio.charset.StandardCharsets;

/** Valid events of every type, as the contract shows them, shared by the tests. */
final class Events {
  private Events() {}

  static final long TS = 1_732_700_000_000L;

  static final String REQUEST =
      """
      {"v":1,"type":"request","ts":1732700000000,"model":"ctr","requestId":"r-1",
       "user":{"country":"cn","age":31,"premium":true},
       "context":{"device":"ios","hour":13.5},
       "candidates":[
         {"itemId":"i-1","features":{"item":"i-1","price":12.5}},
         {"itemId":"i-2","features":{"item":"i-2"}},
         {"itemId":"i-3"}
       ]}
      """;

  static final String IMPRESSION =
      """
      {"v":1,"type":"impression","ts":1732700000100,"model":"ctr","impressionId":"imp-1",
       "requestId":"r-1","itemId":"i-1","position":0,"propensity":0.5,
       "features":{"country":"cn","age":31,"premium":true,"device":"ios","hour":13.5,"item":"i-1","price":12.5}}
      """;

  static final String CLICK =
      """
      {"v":1,"type":"click","ts":1732700004000,"impressionId":"imp-1","value":2.0}
      """;

  static final String EXAMPLE =
      """
      {"v":1,"type":"example","ts":1732700000000,"id":"e-1","label":1,
       "features":{"nswprice":0.056,"day":"2","nswdemand":0.439}}
      """;

  static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static DecoderConfig config() {
    return new DecoderConfig(20, 42, 1 << 20, 10_000, 1_000, true);
  }
}
