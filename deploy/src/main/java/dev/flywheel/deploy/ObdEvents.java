package dev.flywheel.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Open Bandit Dataset logs as Flywheel events (docs/events.md): each logged row of an {@code
 * obd_*.csv} file, joined with its own {@code *_item_context.csv}, becomes an {@code impression};
 * each clicked row also a {@code click} a fixed delay later.
 *
 * <p>Impression features, all in the flat namespace of the contract:
 *
 * <ul>
 *   <li>{@code user_feature_0} … {@code user_feature_3}: the logged (hashed) user features,
 *       categorical;
 *   <li>{@code item_id}: the item shown, categorical;
 *   <li>{@code item_feature_0} (numeric) and {@code item_feature_1} … {@code item_feature_3}
 *       (categorical) from the item-context file;
 *   <li>{@code position}: the slot (1, 2, 3 = left, centre, right), categorical;
 *   <li>{@code user-item_affinity_j}: every non-zero affinity of the user, numeric, and {@code
 *       shown_item_affinity}: the affinity to the item shown, numeric, when non-zero.
 * </ul>
 *
 * The impression's {@code position} field is the 0-based slot, its {@code propensity} the logged
 * {@code propensity_score}. Ids: request {@code <runId>-<row>}, impression {@code <runId>:<row>}.
 */
public final class ObdEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .appendPattern("yyyy-MM-dd HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .optionalEnd()
          .appendOffset("+HH:MM", "+00:00")
          .toFormatter();
  private static final String AFFINITY_PREFIX = "user-item_affinity_";
  private static final int USER_FEATURES = 4;

  /**
   * One logged row.
   *
   * @param row the file's row index (first column)
   * @param timestampMs logged time, epoch milliseconds
   * @param itemId item shown
   * @param slot position, 1-based as logged (1 = left)
   * @param clicked the label
   * @param propensity the logging policy's probability of this item in this slot
   * @param userFeatures the four user features
   * @param affinities the user's affinity to each item (index = item id)
   */
  public record Row(
      long row,
      long timestampMs,
      String itemId,
      int slot,
      boolean clicked,
      double propensity,
      String[] userFeatures,
      double[] affinities) {}

  private final Map<String, String[]> items;
  private final String model;
  private final String runId;

  /**
   * @param items item id → its four item features (from {@link #readItemContext})
   * @param model model id stamped on every event
   * @param runId prefix of request and impression ids
   */
  public ObdEvents(Map<String, String[]> items, String model, String runId) {
    this.items = Map.copyOf(items);
    this.model = model;
    this.runId = runId;
  }

  /** Reads a log file, rows sorted by timestamp (stable: file order for ties). */
  public static List<Row> readLog(Path file) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String[] header = split(requireHeader(in, file));
      int ts = column(header, "timestamp", file);
      int item = column(header, "item_id", file);
      int position = column(header, "position", file);
      int click = column(header, "click", file);
      int propensity = column(header, "propensity_score", file);
      int[] user = new int[USER_FEATURES];
      for (int i = 0; i < USER_FEATURES; i++) {
        user[i] = column(header, "user_feature_" + i, file);
      }
      List<Integer> affinity = new ArrayList<>();
      while (true) {
        int c = indexOf(header, AFFINITY_PREFIX + affinity.size());
        if (c < 0) {
          break;
        }
        affinity.add(c);
      }
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = split(line);
        if (f.length != header.length) {
          throw new IOException(
              file + " line " + lineNo + ": " + f.length + " fields, header has " + header.length);
        }
        try {
          String[] users = new String[USER_FEATURES];
          for (int i = 0; i < USER_FEATURES; i++) {
            users[i] = f[user[i]];
          }
          double[] aff = new double[affinity.size()];
          for (int j = 0; j < aff.length; j++) {
            aff[j] = Double.parseDouble(f[affinity.get(j)]);
          }
          rows.add(
              new Row(
                  f[0].isEmpty() ? lineNo - 2 : Long.parseLong(f[0]),
                  OffsetDateTime.parse(f[ts], TIMESTAMP).toInstant().toEpochMilli(),
                  f[item],
                  Integer.parseInt(f[position]),
                  parseClick(f[click]),
                  Double.parseDouble(f[propensity]),
                  users,
                  aff));
        } catch (NumberFormatException | DateTimeParseException e) {
          throw new IOException(file + " line " + lineNo + ": " + e.getMessage(), e);
        }
      }
    }
    rows.sort(Comparator.comparingLong(Row::timestampMs));
    return rows;
  }

  /** Reads an item-context file: item id → {@code item_feature_0..3} as written. */
  public static Map<String, String[]> readItemContext(Path file) throws IOException {
    Map<String, String[]> items = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String[] header = split(requireHeader(in, file));
      int item = column(header, "item_id", file);
      int[] features = new int[4];
      for (int i = 0; i < 4; i++) {
        features[i] = column(header, "item_feature_" + i, file);
      }
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        String[] f = split(line);
        String[] values = new String[4];
        for (int i = 0; i < 4; i++) {
          values[i] = f[features[i]];
        }
        items.put(f[item], values);
      }
    }
    return items;
  }

  /**
   * The item-context file that belongs to {@code log}: {@code X.csv} → {@code X_item_context.csv}.
   */
  public static Path itemContextFor(Path log) {
    String name = log.getFileName().toString();
    String base = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
    return log.resolveSibling(base + "_item_context.csv");
  }

  /** The impression id of a row. */
  public String impressionId(Row row) {
    return runId + ":" + row.row();
  }

  /** The impression event of {@code row} at event time {@code ts} (epoch ms), UTF-8 JSON. */
  public byte[] impression(Row row, long ts) {
    String[] item = items.get(row.itemId());
    if (item == null) {
      throw new IllegalArgumentException(
          "row " + row.row() + ": item " + row.itemId() + " is not in the item-context file");
    }
    ObjectNode e = JSON.createObjectNode();
    e.put("v", 1);
    e.put("type", "impression");
    e.put("ts", ts);
    e.put("model", model);
    e.put("impressionId", impressionId(row));
    e.put("requestId", runId + "-" + row.row());
    e.put("itemId", row.itemId());
    e.put("position", row.slot() - 1);
    if (row.propensity() > 0 && row.propensity() <= 1) {
      e.put("propensity", row.propensity());
    }
    ObjectNode f = e.putObject("features");
    for (int i = 0; i < row.userFeatures().length; i++) {
      f.put("user_feature_" + i, row.userFeatures()[i]);
    }
    f.put("item_id", row.itemId());
    f.put("item_feature_0", Double.parseDouble(item[0]));
    for (int i = 1; i < 4; i++) {
      f.put("item_feature_" + i, item[i]);
    }
    f.put("position", Integer.toString(row.slot()));
    double[] aff = row.affinities();
    for (int j = 0; j < aff.length; j++) {
      if (aff[j] != 0 && Double.isFinite(aff[j])) {
        f.put(AFFINITY_PREFIX + j, aff[j]);
      }
    }
    int shown = parseIndex(row.itemId());
    if (shown >= 0 && shown < aff.length && aff[shown] != 0 && Double.isFinite(aff[shown])) {
      f.put("shown_item_affinity", aff[shown]);
    }
    return bytes(e);
  }

  /** The click event of {@code row} at event time {@code ts} (epoch ms), UTF-8 JSON. */
  public byte[] click(Row row, long ts) {
    ObjectNode e = JSON.createObjectNode();
    e.put("v", 1);
    e.put("type", "click");
    e.put("ts", ts);
    e.put("model", model);
    e.put("impressionId", impressionId(row));
    return bytes(e);
  }

  /**
   * A request for one dummy candidate at {@code ts}: sent to every partition after the log, it
   * moves event time past the last impressions' attribution windows so they become negatives.
   */
  public byte[] watermarkRequest(String requestId, long ts) {
    ObjectNode e = JSON.createObjectNode();
    e.put("v", 1);
    e.put("type", "request");
    e.put("ts", ts);
    e.put("model", model);
    e.put("requestId", requestId);
    e.putObject("user");
    e.putObject("context");
    e.putArray("candidates").addObject().put("itemId", "end-of-replay");
    return bytes(e);
  }

  private static byte[] bytes(ObjectNode e) {
    try {
      return JSON.writeValueAsBytes(e);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static boolean parseClick(String s) {
    return switch (s.trim()) {
      case "1", "1.0" -> true;
      case "0", "0.0" -> false;
      default -> throw new NumberFormatException("click must be 0 or 1, got '" + s + "'");
    };
  }

  private static int parseIndex(String id) {
    try {
      return Integer.parseInt(id);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String requireHeader(BufferedReader in, Path file) throws IOException {
    String header = in.readLine();
    if (header == null) {
      throw new IOException(file + " is empty");
    }
    return header;
  }

  private static String[] split(String line) {
    return line.split(",", -1);
  }

  private static int indexOf(String[] header, String name) {
    for (int i = 0; i < header.length; i++) {
      if (header[i].trim().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static int column(String[] header, String name, Path file) throws IOException {
    int i = indexOf(header, name);
    if (i < 0) {
      throw new IOException(file + " has no column '" + name + "'");
    }
    return i;
  }
}
