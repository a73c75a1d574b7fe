package dev.flywheel.simulator;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the events of the contract (docs/simulator.md, DESIGN §2) as UTF-8 JSON, one object per
 * record, with a streaming generator.
 *
 * <p>Features live in one flat namespace: the user features ({@code segment}, {@code country}),
 * context features ({@code hour}, {@code device}) and item features ({@code item}, {@code
 * category}, {@code price}) appear with the same name and value in a request and in the flat {@code
 * features} of each of its impressions.
 *
 * <p>Not thread-safe (reuses one buffer); returned arrays are fresh copies.
 */
public final class EventWriter {

  private final JsonFactory factory = new JsonFactory();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
  private final World world;
  private final String model;
  private final String runId;

  /**
   * @param world the world whose features are written
   * @param model the model id stamped on every event
   * @param runId prefix that keeps ids of different runs apart ("" for none)
   */
  public EventWriter(World world, String model, String runId) {
    this.world = world;
    this.model = model;
    this.runId = runId;
  }

  /** The id of request {@code n}: {@code r-<n>}, or {@code <runId>-r-<n>}. */
  public String requestId(long n) {
    return runId.isEmpty() ? "r-" + n : runId + "-r-" + n;
  }

  /**
   * The id of the impression of {@code item} in request {@code n}: {@code <requestId>:i-<item>}.
   */
  public String impressionId(long n, int item) {
    return requestId(n) + ":" + world.itemId(item);
  }

  /** A {@code request} event with every candidate's features. */
  public byte[] request(Request r, long ts) {
    try (JsonGenerator g = start()) {
      header(g, "request", ts);
      g.writeStringField("requestId", requestId(r.index()));
      g.writeObjectFieldStart("user");
      userFeatures(g, r);
      g.writeEndObject();
      g.writeObjectFieldStart("context");
      contextFeatures(g, r);
      g.writeEndObject();
      g.writeArrayFieldStart("candidates");
      for (int item : r.candidates()) {
        g.writeStartObject();
        g.writeStringField("itemId", world.itemId(item));
        g.writeObjectFieldStart("features");
        itemFeatures(g, item);
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /** An {@code impression} event with the flat features that scored the item. */
  public byte[] impression(Request r, int item, int position, double propensity, long ts) {
    try (JsonGenerator g = start()) {
      header(g, "impression", ts);
      g.writeStringField("impressionId", impressionId(r.index(), item));
      g.writeStringField("requestId", requestId(r.index()));
      g.writeStringField("itemId", world.itemId(item));
      g.writeNumberField("position", position);
      g.writeObjectFieldStart("features");
      userFeatures(g, r);
      contextFeatures(g, r);
      itemFeatures(g, item);
      g.writeEndObject();
      g.writeNumberField("propensity", propensity);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  /** A {@code click} event on an impression. */
  public byte[] click(String impressionId, long ts) {
    try (JsonGenerator g = start()) {
      header(g, "click", ts);
      g.writeStringField("impressionId", impressionId);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  private JsonGenerator start() throws IOException {
    buffer.reset();
    return factory.createGenerator(buffer, JsonEncoding.UTF8);
  }

  private void header(JsonGenerator g, String type, long ts) throws IOException {
    g.writeStartObject();
    g.writeNumberField("v", 1);
    g.writeStringField("type", type);
    g.writeNumberField("ts", ts);
    g.writeStringField("model", model);
  }

  private void userFeatures(JsonGenerator g, Request r) throws IOException {
    g.writeStringField("segment", world.segment(r.user()));
    g.writeStringField("country", world.country(r.user()));
  }

  private void contextFeatures(JsonGenerator g, Request r) throws IOException {
    g.writeStringField("hour", Integer.toString(r.hour()));
    g.writeStringField("device", World.DEVICES[r.device()]);
  }

  private void itemFeatures(JsonGenerator g, int item) throws IOException {
    g.writeStringField("item", world.itemId(item));
    g.writeStringField("category", world.category(item));
    g.writeNumberField("price", world.price(item));
  }
}
