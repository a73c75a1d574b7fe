package dev.flywheel.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request's prediction from the {@code predictions} topic. The one place that knows the
 * pipeline's prediction JSON; tolerant on purpose, so it reads every shape we have discussed:
 *
 * <ul>
 *   <li>{@code "ranking":[{"itemId":"i-17","score":0.031},…]} (also {@code item}/{@code id} for the
 *       id), or {@code "ranking":["i-17",…]};
 *   <li>{@code "rankedItemIds":[…]} with {@code "rankedScores":[…]} (the field names of the job's
 *       {@code Prediction}); also {@code itemIds}/{@code items} with {@code scores};
 *   <li>{@code "modelVersion"} (or {@code "version"}) as a number or a numeric string.
 * </ul>
 *
 * Unknown fields are skipped. A prediction whose {@code type} is present and is not {@code request}
 * (any case), or that has no request id or no ranking, is not a request's ranking: {@link #parse}
 * returns null. Malformed JSON also returns null and is counted in {@link #malformed()}.
 *
 * <p>Not thread-safe: one parser per consuming thread.
 */
public final class PredictionParser {

  private final JsonFactory factory = new JsonFactory();
  private long malformed;

  /**
   * Parses one record value.
   *
   * @param json the record's bytes (UTF-8 JSON)
   * @return the ranking, or null if the record is not a request's ranking or is malformed
   */
  public Ranking parse(byte[] json) {
    if (json == null) {
      return null;
    }
    try (JsonParser p = factory.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        malformed++;
        return null;
      }
      String type = null;
      String requestId = null;
      String model = null;
      long version = 0;
      List<String> ids = null;
      List<Double> idScores = null;
      List<Double> scores = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "type" -> type = text(p, t);
          case "requestId" -> requestId = text(p, t);
          case "model" -> model = text(p, t);
          case "modelVersion", "version" -> version = number(p, t);
          case "ranking" -> {
            if (t == JsonToken.START_ARRAY) {
              ids = new ArrayList<>();
              idScores = new ArrayList<>();
              readRanking(p, ids, idScores);
            } else {
              p.skipChildren();
            }
          }
          case "rankedItemIds", "itemIds", "items" -> {
            if (t == JsonToken.START_ARRAY) {
              ids = new ArrayList<>();
              idScores = null;
              readRanking(p, ids, null);
            } else {
              p.skipChildren();
            }
          }
          case "rankedScores", "scores" -> scores = readNumbers(p, t);
          default -> p.skipChildren();
        }
      }
      if (type != null && !type.equalsIgnoreCase("request")) {
        return null;
      }
      if (requestId == null || ids == null) {
        return null;
      }
      List<Double> s = idScores != null ? idScores : scores;
      double[] sc = new double[ids.size()];
      for (int k = 0; k < sc.length; k++) {
        sc[k] = s != null && k < s.size() ? s.get(k) : Double.NaN;
      }
      return new Ranking(requestId, model, version, ids.toArray(new String[0]), sc);
    } catch (IOException | RuntimeException e) {
      malformed++;
      return null;
    }
  }

  /** Records that were not JSON objects or failed to parse. */
  public long malformed() {
    return malformed;
  }

  private static void readRanking(JsonParser p, List<String> ids, List<Double> scores)
      throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
      if (t == JsonToken.START_OBJECT) {
        String id = null;
        double score = Double.NaN;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          switch (f) {
            case "itemId", "item", "id" -> id = text(p, v);
            case "score", "p", "probability" -> score = decimal(p, v);
            default -> p.skipChildren();
          }
        }
        if (id != null) {
          ids.add(id);
          if (scores != null) {
            scores.add(score);
          }
        }
      } else if (t == JsonToken.VALUE_STRING) {
        ids.add(p.getText());
        if (scores != null) {
          scores.add(Double.NaN);
        }
      } else {
        p.skipChildren();
      }
    }
  }

  private static List<Double> readNumbers(JsonParser p, JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    List<Double> out = new ArrayList<>();
    JsonToken v;
    while ((v = p.nextToken()) != JsonToken.END_ARRAY && v != null) {
      out.add(decimal(p, v));
    }
    return out;
  }

  private static String text(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING || t.isNumeric()) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  private static long number(JsonParser p, JsonToken t) throws IOException {
    if (t.isNumeric()) {
      return p.getValueAsLong();
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Long.parseLong(p.getText().trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    p.skipChildren();
    return 0;
  }

  private static double decimal(JsonParser p, JsonToken t) throws IOException {
    if (t.isNumeric()) {
      return p.getValueAsDouble();
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Double.parseDouble(p.getText().trim());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    p.skipChildren();
    return Double.NaN;
  }
}
