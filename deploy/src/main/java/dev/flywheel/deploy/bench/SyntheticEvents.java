package dev.flywheel.deploy.bench;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A seeded stream of contract events (docs/events.md) shaped like an application's traffic: a
 * {@code request} with {@value #CANDIDATES} candidates, {@value #SHOWN} {@code impression}s of the
 * first candidates, and a {@code click} for each impression the known click model picks, a few
 * events later. Records are about 200 bytes on average.
 *
 * <p>The click model is logistic over the user's country and segment, the device, the item and its
 * category, plus a position penalty, with weights drawn from the seed; so the pipeline has
 * something learnable. The caller gives each event's time ({@code ts}): the benchmark uses the
 * intended send time in the open-loop phase. Same seed and same {@code ts} sequence, same bytes.
 *
 * <p>Not thread-safe.
 */
public final class SyntheticEvents {
  static final int USERS = 10_000;
  static final int ITEMS = 1_000;
  static final int COUNTRIES = 12;
  static final int SEGMENTS = 20;
  static final int CATEGORIES = 30;
  static final int CANDIDATES = 3;
  static final int SHOWN = 2;
  private static final String[] DEVICES = {"ios", "android", "web"};
  private static final double BIAS = -1.6;
  private static final double POSITION_PENALTY = -0.5;
  private static final int MIN_CLICK_DELAY = 3;
  private static final int MAX_CLICK_DELAY = 40;

  /** Event types produced. */
  public enum Type {
    REQUEST,
    IMPRESSION,
    CLICK
  }

  /** One produced record: key (user id) and value (JSON) bytes, and its type. */
  public record Record(byte[] key, byte[] value, Type type) {}

  private record PendingClick(long dueSequence, String impressionId, String user) {}

  private final SplittableRandom random;
  private final double[] wCountry = new double[COUNTRIES];
  private final double[] wSegment = new double[SEGMENTS];
  private final double[] wDevice = new double[DEVICES.length];
  private final double[] wItem = new double[ITEMS];
  private final double[] wCategory = new double[CATEGORIES];
  private final int[] itemCategory = new int[ITEMS];
  private final int[] userCountry = new int[USERS];
  private final int[] userSegment = new int[USERS];
  private final PriorityQueue<PendingClick> clicks =
      new PriorityQueue<>((a, b) -> Long.compare(a.dueSequence, b.dueSequence));
  private final StringBuilder json = new StringBuilder(512);

  // The request being shown: its impressions are emitted after it, one per call.
  private long requestCounter;
  private int user;
  private int device;
  private final int[] candidates = new int[CANDIDATES];
  private int nextShown = SHOWN;
  private long sequence;

  /** A stream drawn from {@code seed}. */
  public SyntheticEvents(long seed) {
    random = new SplittableRandom(seed);
    fill(wCountry, 0.6);
    fill(wSegment, 0.6);
    fill(wDevice, 0.3);
    fill(wItem, 0.8);
    fill(wCategory, 0.6);
    for (int i = 0; i < ITEMS; i++) {
      itemCategory[i] = random.nextInt(CATEGORIES);
    }
    for (int u = 0; u < USERS; u++) {
      userCountry[u] = random.nextInt(COUNTRIES);
      userSegment[u] = random.nextInt(SEGMENTS);
    }
  }

  private void fill(double[] weights, double scale) {
    for (int i = 0; i < weights.length; i++) {
      weights[i] = scale * gaussian();
    }
  }

  private double gaussian() {
    // Box-Muller from the seeded generator (SplittableRandom has no nextGaussian on Java 17).
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** The click probability of showing {@code item} at {@code position} to {@code user}. */
  double clickProbability(int user, int device, int item, int position) {
    double z =
        BIAS
            + wCountry[userCountry[user]]
            + wSegment[userSegment[user]]
            + wDevice[device]
            + wItem[item]
            + wCategory[itemCategory[item]]
            + POSITION_PENALTY * position;
    return 1 / (1 + Math.exp(-z));
  }

  /** The next event, stamped with event time {@code ts} (epoch ms). */
  public Record next(long ts) {
    sequence++;
    PendingClick due = clicks.peek();
    if (due != null && due.dueSequence <= sequence) {
      clicks.poll();
      return click(ts, due);
    }
    if (nextShown < SHOWN) {
      return impression(ts, nextShown++);
    }
    return request(ts);
  }

  private Record request(long ts) {
    requestCounter++;
    user = random.nextInt(USERS);
    device = random.nextInt(DEVICES.length);
    for (int c = 0; c < CANDIDATES; c++) {
      candidates[c] = random.nextInt(ITEMS);
    }
    nextShown = 0;
    json.setLength(0);
    json.append("{\"v\":1,\"type\":\"request\",\"ts\":")
        .append(ts)
        .append(",\"requestId\":\"r")
        .append(requestCounter)
        .append("\",\"user\":{\"country\":\"c")
        .append(userCountry[user])
        .append("\",\"segment\":\"s")
        .append(userSegment[user])
        .append("\"},\"context\":{\"device\":\"")
        .append(DEVICES[device])
        .append("\"},\"candidates\":[");
    for (int c = 0; c < CANDIDATES; c++) {
      int item = candidates[c];
      json.append(c == 0 ? "" : ",")
          .append("{\"itemId\":\"i")
          .append(item)
          .append("\",\"features\":{\"item\":\"i")
          .append(item)
          .append("\",\"category\":\"k")
          .append(itemCategory[item])
          .append("\"}}");
    }
    json.append("]}");
    return record(Type.REQUEST, user);
  }

  private Record impression(long ts, int position) {
    int item = candidates[position];
    String impressionId = "m" + requestCounter + "-" + position;
    if (random.nextDouble() < clickProbability(user, device, item, position)) {
      long delay = MIN_CLICK_DELAY + random.nextInt(MAX_CLICK_DELAY - MIN_CLICK_DELAY + 1);
      clicks.add(new PendingClick(sequence + delay, impressionId, "u" + user));
    }
    json.setLength(0);
    json.append("{\"v\":1,\"type\":\"impression\",\"ts\":")
        .append(ts)
        .append(",\"impressionId\":\"")
        .append(impressionId)
        .append("\",\"requestId\":\"r")
        .append(requestCounter)
        .append("\",\"itemId\":\"i")
        .append(item)
        .append("\",\"position\":")
        .append(position)
        .append(",\"features\":{\"country\":\"c")
        .append(userCountry[user])
        .append("\",\"segment\":\"s")
        .append(userSegment[user])
        .append("\",\"device\":\"")
        .append(DEVICES[device])
        .append("\",\"item\":\"i")
        .append(item)
        .append("\",\"category\":\"k")
        .append(itemCategory[item])
        .append("\"}}");
    return record(Type.IMPRESSION, user);
  }

  private Record click(long ts, PendingClick click) {
    json.setLength(0);
    json.append("{\"v\":1,\"type\":\"click\",\"ts\":")
        .append(ts)
        .append(",\"impressionId\":\"")
        .append(click.impressionId)
        .append("\"}");
    return new Record(
        click.user.getBytes(StandardCharsets.UTF_8),
        json.toString().getBytes(StandardCharsets.UTF_8),
        Type.CLICK);
  }

  private Record record(Type type, int user) {
    return new Record(
        ("u" + user).getBytes(StandardCharsets.UTF_8),
        json.toString().getBytes(StandardCharsets.UTF_8),
        type);
  }
}
