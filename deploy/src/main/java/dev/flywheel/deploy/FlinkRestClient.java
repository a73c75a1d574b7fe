package dev.flywheel.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small client of Flink's REST API (the dashboard's), enough for the progress line: job status,
 * vertices, and aggregated subtask metrics.
 */
public final class FlinkRestClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param base the REST address, e.g. {@code http://localhost:8081}
   * @param timeout of each request
   */
  public FlinkRestClient(URI base, Duration timeout) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text : text + "/");
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** A job vertex: id and name. */
  public record Vertex(String id, String name) {}

  /** A metric aggregated over a vertex's subtasks. */
  public record Aggregate(double sum, double max, double avg) {}

  /** {@code GET path} as JSON. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path.startsWith("/") ? path.substring(1) : path))
            .timeout(timeout)
            .GET()
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "GET " + request.uri() + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** The job's state, e.g. {@code RUNNING}. */
  public String jobState(String jobId) throws IOException, InterruptedException {
    return get("jobs/" + jobId).path("state").asText("UNKNOWN");
  }

  /** The job's vertices. */
  public List<Vertex> vertices(String jobId) throws IOException, InterruptedException {
    List<Vertex> vertices = new ArrayList<>();
    for (JsonNode vertex : get("jobs/" + jobId).path("vertices")) {
      vertices.add(new Vertex(vertex.path("id").asText(), vertex.path("name").asText()));
    }
    return vertices;
  }

  /** Ids of the metrics a vertex's subtasks report. */
  public List<String> metricIds(String jobId, String vertexId)
      throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (JsonNode metric : get(vertexPath(jobId, vertexId))) {
      ids.add(metric.path("id").asText());
    }
    return ids;
  }

  /** Sum, maximum and average over a vertex's subtasks of each metric in {@code ids}. */
  public Map<String, Aggregate> aggregates(String jobId, String vertexId, Collection<String> ids)
      throws IOException, InterruptedException {
    Map<String, Aggregate> result = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return result;
    }
    String get = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
    for (JsonNode metric : get(vertexPath(jobId, vertexId) + "?agg=sum,max,avg&get=" + get)) {
      result.put(
          metric.path("id").asText(),
          new Aggregate(
              metric.path("sum").asDouble(Double.NaN),
              metric.path("max").asDouble(Double.NaN),
              metric.path("avg").asDouble(Double.NaN)));
    }
    return result;
  }

  private static String vertexPath(String jobId, String vertexId) {
    return "jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
  }
}
