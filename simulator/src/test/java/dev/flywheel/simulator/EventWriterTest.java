package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventWriterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final World world = new World(WorldConfig.defaults());
  private final EventWriter writer = new EventWriter(world, "default", "");

  @Test
  void requestCarriesTheContractFields() throws Exception {
    Request r = world.request(1, 20);
    JsonNode n = JSON.readTree(writer.request(r, 1_700_000_000_123L));
    assertThat(n.get("v").asInt()).isEqualTo(1);
    assertThat(n.get("type").asText()).isEqualTo("request");
    assertThat(n.get("ts").asLong()).isEqualTo(1_700_000_000_123L);
    assertThat(n.get("model").asText()).isEqualTo("default");
    assertThat(n.get("requestId").asText()).isEqualTo("r-1");
    assertThat(n.get("user").get("segment").asText()).isEqualTo(world.segment(r.user()));
    assertThat(n.get("user").get("country").asText()).isEqualTo(world.country(r.user()));
    assertThat(n.get("context").get("hour").isTextual()).isTrue();
    assertThat(n.get("context").get("hour").asText()).isEqualTo(Integer.toString(r.hour()));
    assertThat(n.get("context").get("device").asText()).isIn((Object[]) World.DEVICES);
    JsonNode candidates = n.get("candidates");
    assertThat(candidates.size()).isEqualTo(20);
    for (int j = 0; j < 20; j++) {
      JsonNode c = candidates.get(j);
      int item = r.candidates()[j];
      assertThat(c.get("itemId").asText()).isEqualTo("i-" + item);
      assertThat(c.get("features").get("item").asText()).isEqualTo("i-" + item);
      assertThat(c.get("features").get("category").asText()).isEqualTo(world.category(item));
      assertThat(c.get("features").get("price").isNumber()).isTrue();
      assertThat(c.get("features").get("price").asDouble()).isEqualTo(world.price(item));
    }
  }

  @Test
  void impressionFeaturesAreTheRequestsFeaturesFlattened() throws Exception {
    Request r = world.request(2, 20);
    int item = r.candidates()[4];
    JsonNode req = JSON.readTree(writer.request(r, 10));
    JsonNode imp = JSON.readTree(writer.impression(r, item, 1, 0.9, 20));
    assertThat(imp.get("v").asInt()).isEqualTo(1);
    assertThat(imp.get("type").asText()).isEqualTo("impression");
    assertThat(imp.get("ts").asLong()).isEqualTo(20);
    assertThat(imp.get("model").asText()).isEqualTo("default");
    assertThat(imp.get("impressionId").asText()).isEqualTo("r-2:i-" + item);
    assertThat(imp.get("requestId").asText()).isEqualTo("r-2");
    assertThat(imp.get("itemId").asText()).isEqualTo("i-" + item);
    assertThat(imp.get("position").asInt()).isEqualTo(1);
    assertThat(imp.get("propensity").asDouble()).isEqualTo(0.9);

    // user + context + the candidate's features, same names, same JSON values (types included).
    Map<String, JsonNode> expected = new HashMap<>();
    putAll(expected, req.get("user"));
    putAll(expected, req.get("context"));
    putAll(expected, req.get("candidates").get(4).get("features"));
    Map<String, JsonNode> actual = new HashMap<>();
    putAll(actual, imp.get("features"));
    assertThat(actual).isEqualTo(expected);
    assertThat(actual)
        .containsOnlyKeys("segment", "country", "hour", "device", "item", "category", "price");
  }

  @Test
  void clickCarriesTheImpressionId() throws Exception {
    JsonNode n = JSON.readTree(writer.click("r-2:i-7", 99));
    assertThat(n.get("v").asInt()).isEqualTo(1);
    assertThat(n.get("type").asText()).isEqualTo("click");
    assertThat(n.get("ts").asLong()).isEqualTo(99);
    assertThat(n.get("model").asText()).isEqualTo("default");
    assertThat(n.get("impressionId").asText()).isEqualTo("r-2:i-7");
  }

  @Test
  void bytesAreUtf8AndReproducibleAndRunIdsPrefixIds() {
    Request r = world.request(3, 20);
    byte[] a = writer.request(r, 5);
    byte[] b =
        new EventWriter(new World(WorldConfig.defaults()), "default", "")
            .request(world.request(3, 20), 5);
    assertThat(b).isEqualTo(a);
    assertThat(new String(a, StandardCharsets.UTF_8)).startsWith("{\"v\":1,\"type\":\"request\"");
    EventWriter run = new EventWriter(world, "m2", "x1");
    assertThat(run.requestId(3)).isEqualTo("x1-r-3");
    assertThat(run.impressionId(3, 17)).isEqualTo("x1-r-3:i-17");
    assertThat(new String(run.click("x1-r-3:i-17", 1), StandardCharsets.UTF_8))
        .contains("\"model\":\"m2\"");
  }

  private static void putAll(Map<String, JsonNode> into, JsonNode object) {
    Iterator<Map.Entry<String, JsonNode>> it = object.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat(into).as("feature %s appears once", e.getKey()).doesNotContainKey(e.getKey());
      into.put(e.getKey(), e.getValue());
    }
  }
}
