package dev.flywheel.simulator;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The learning curve of a run: per window of requests, the CTR of the model policy next to the CTRs
 * of the random and oracle policies on the same world, seed and requests, and the model's log loss.
 * Written as a CSV and a PNG chart (rendered headless).
 *
 * <p>CSV columns: {@code requests} (requests up to the end of the window), {@code
 * model_impressions} (cumulative), {@code model_ctr}, {@code random_ctr}, {@code oracle_ctr} (per
 * window), {@code model_ctr_cumulative}, {@code model_logloss} (per window, of the prediction's
 * scores for the shown items against their clicks), {@code model_version} (highest seen in the
 * window), {@code fallback_rate} (requests without a prediction in time). Fields without a value
 * are empty.
 */
public final class LearningCurve {

  /** File name of the CSV in the output directory. */
  public static final String CSV = "learning-curve.csv";

  /** File name of the PNG in the output directory. */
  public static final String PNG = "learning-curve.png";

  private final CurveRecorder model;
  private final CurveRecorder random;
  private final CurveRecorder oracle;
  private final long driftAt;

  /**
   * @param model the model policy's curve, or null (offline runs)
   * @param random the random policy's curve on the same requests, or null
   * @param oracle the oracle's curve on the same requests, or null
   * @param driftAt request index of the drift point, 0 for none (drawn as a marker)
   */
  public LearningCurve(
      CurveRecorder model, CurveRecorder random, CurveRecorder oracle, long driftAt) {
    this.model = model;
    this.random = random;
    this.oracle = oracle;
    this.driftAt = driftAt;
    int size = -1;
    for (CurveRecorder rec : new CurveRecorder[] {model, random, oracle}) {
      if (rec != null) {
        if (size >= 0 && rec.windowSize() != size) {
          throw new IllegalArgumentException(
              "curves must share one window size, got " + size + " and " + rec.windowSize());
        }
        size = rec.windowSize();
      }
    }
    if (size < 0) {
      throw new IllegalArgumentException("a learning curve needs at least one policy's curve");
    }
  }

  /**
   * Writes {@link #CSV} and {@link #PNG} into {@code dir} (created if missing).
   *
   * @return the paths written, CSV first
   */
  public Path[] write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path csv = dir.resolve(CSV);
    Path png = dir.resolve(PNG);
    writeCsv(csv);
    writePng(png, 1000, 640);
    return new Path[] {csv, png};
  }

  /** Writes the CSV to {@code file}. */
  public void writeCsv(Path file) throws IOException {
    int windows = windowCount();
    int size = windowSize();
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(
          "requests,model_impressions,model_ctr,random_ctr,oracle_ctr,model_ctr_cumulative,"
              + "model_logloss,model_version,fallback_rate\n");
      long impressions = 0;
      long clicks = 0;
      for (int i = 0; i < windows; i++) {
        CurveRecorder.Window m = window(model, i);
        CurveRecorder.Window r = window(random, i);
        CurveRecorder.Window o = window(oracle, i);
        long end = (long) (i + 1) * size;
        if (m != null) {
          impressions += m.impressions();
          clicks += m.clicks();
        }
        StringBuilder line = new StringBuilder();
        line.append(end).append(',');
        line.append(m == null ? "" : Long.toString(impressions)).append(',');
        line.append(fmt(m == null ? Double.NaN : m.ctr())).append(',');
        line.append(fmt(r == null ? Double.NaN : r.ctr())).append(',');
        line.append(fmt(o == null ? Double.NaN : o.ctr())).append(',');
        line.append(fmt(m == null || impressions == 0 ? Double.NaN : (double) clicks / impressions))
            .append(',');
        line.append(fmt(m == null ? Double.NaN : m.logLoss())).append(',');
        line.append(m == null || m.modelVersion() < 0 ? "" : Long.toString(m.modelVersion()))
            .append(',');
        line.append(
            fmt(
                m == null || m.requests() == 0
                    ? Double.NaN
                    : (double) m.fallbacks() / m.requests()));
        line.append('\n');
        w.write(line.toString());
      }
    }
  }

  /** Renders the chart to a PNG file of the given size. */
  public void writePng(Path file, int width, int height) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    int size = windowSize();
    XYSeriesCollection ctr = new XYSeriesCollection();
    XYSeriesCollection loss = new XYSeriesCollection();
    XYSeries lossSeries = new XYSeries("model log loss");
    for (CurveRecorder rec : new CurveRecorder[] {model, random, oracle}) {
      if (rec == null) {
        continue;
      }
      XYSeries s = new XYSeries(rec.policy() + " CTR");
      List<CurveRecorder.Window> ws = rec.windows();
      for (int i = 0; i < ws.size(); i++) {
        double x = (double) (i + 1) * size;
        double c = ws.get(i).ctr();
        if (!Double.isNaN(c)) {
          s.add(x, 100 * c);
        }
        if (rec == model && !Double.isNaN(ws.get(i).logLoss())) {
          lossSeries.add(x, ws.get(i).logLoss());
        }
      }
      ctr.addSeries(s);
    }
    NumberAxis requests = new NumberAxis("requests");
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(requests);
    combined.setGap(8);
    XYPlot ctrPlot = plot(ctr, "CTR per window of " + size + " requests (%)");
    combined.add(ctrPlot, 3);
    XYPlot lossPlot = null;
    if (lossSeries.getItemCount() > 0) {
      loss.addSeries(lossSeries);
      lossPlot = plot(loss, "log loss");
      lossPlot.getRenderer().setSeriesPaint(0, new Color(0x7B, 0x3F, 0x9E));
      combined.add(lossPlot, 1);
    }
    if (driftAt > 0) {
      for (XYPlot p : new XYPlot[] {ctrPlot, lossPlot}) {
        if (p != null) {
          ValueMarker marker = new ValueMarker(driftAt, Color.GRAY, new BasicStroke(1.5f));
          marker.setLabel(p == ctrPlot ? "drift" : null);
          p.addDomainMarker(marker);
        }
      }
    }
    JFreeChart chart =
        new JFreeChart(
            model != null
                ? "Flywheel: CTR of the model policy against random and oracle"
                : "Flywheel simulator: CTR of random and oracle",
            JFreeChart.DEFAULT_TITLE_FONT,
            combined,
            true);
    chart.setBackgroundPaint(Color.WHITE);
    // In memory, not through a temporary file: ImageIO's file cache registers a JVM shutdown hook
    // per stream, and the curve is written when the local runner stops, often on Ctrl-C, where
    // adding a hook fails ("Shutdown in progress") and the curve was lost.
    ImageIO.setUseCache(false);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
  }

  private static XYPlot plot(XYSeriesCollection data, String label) {
    NumberAxis y = new NumberAxis(label);
    y.setAutoRangeIncludesZero(true);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    Color[] colors = {new Color(0xD9, 0x5F, 0x02), new Color(0x75, 0x70, 0xB3), Color.DARK_GRAY};
    for (int s = 0; s < data.getSeriesCount(); s++) {
      String key = data.getSeriesKey(s).toString();
      Color color =
          key.startsWith("model")
              ? colors[0]
              : key.startsWith("random")
                  ? colors[1]
                  : key.startsWith("oracle") ? colors[2] : colors[0];
      renderer.setSeriesPaint(s, color);
      renderer.setSeriesStroke(s, new BasicStroke(key.startsWith("model") ? 2.2f : 1.4f));
    }
    XYPlot plot = new XYPlot(data, null, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return plot;
  }

  private int windowCount() {
    int n = 0;
    for (CurveRecorder rec : new CurveRecorder[] {model, random, oracle}) {
      if (rec != null) {
        n = Math.max(n, rec.windows().size());
      }
    }
    return n;
  }

  private int windowSize() {
    for (CurveRecorder rec : new CurveRecorder[] {model, random, oracle}) {
      if (rec != null) {
        return rec.windowSize();
      }
    }
    return 1;
  }

  private static CurveRecorder.Window window(CurveRecorder rec, int i) {
    return rec == null || i >= rec.windows().size() ? null : rec.windows().get(i);
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
  }
}
