package dev.flywheel.deploy.descriptors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.kafka.source.metrics.KafkaSourceReaderMetrics;
import org.apache.flink.runtime.checkpoint.DefaultCheckpointStatsTracker;
import org.apache.flink.runtime.metrics.MetricNames;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the Prometheus alerts query metrics that exist: the job's own under its
 * {@code flywheel} group (exactly the names its functions register, see {@link JobMetricNames}), or
 * Flink's and the Kafka connector's (from their name constants).
 */
class MonitoringTest {
  private static final String DASHBOARD = "deploy/monitoring/grafana/dashboards/flywheel.json";
  private static final String ALERTS = "deploy/monitoring/prometheus/flywheel-alerts.yml";
  private static final Pattern METRIC =
      Pattern.compile("flink_(jobmanager_job|taskmanager_job_task_operator)_([A-Za-z0-9_]+)");

  /** Every PromQL expression of the dashboard. */
  static List<String> dashboardExpressions(Map<String, Object> dashboard) {
    List<String> exprs = new ArrayList<>();
    for (Object p : Yamls.list(dashboard.get("panels"), "panels")) {
      for (Object t : Yamls.list(Yamls.map(p, "panel").get("targets"), "targets")) {
        exprs.add(Yamls.text(Yamls.map(t, "target").get("expr")));
      }
    }
    return exprs;
  }

  /** Every alert rule of the alerts file. */
  static List<Map<String, Object>> alertRules(Map<String, Object> alerts) {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object g : Yamls.list(alerts.get("groups"), "groups")) {
      for (Object r : Yamls.list(Yamls.map(g, "group").get("rules"), "rules")) {
        rules.add(Yamls.map(r, "rule"));
      }
    }
    return rules;
  }

  /** Names Flink and the Kafka connector give their metrics. */
  static Set<String> flinkMetricNames() {
    Set<String> names = new HashSet<>();
    for (Class<?> c :
        List.of(
            MetricNames.class,
            DefaultCheckpointStatsTracker.class,
            KafkaSourceReaderMetrics.class)) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
          try {
            f.setAccessible(true);
            names.add((String) f.get(null));
          } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + c.getName() + "." + f.getName(), e);
          }
        }
      }
    }
    return names;
  }

  /** Every metric {@code exprs} query exists; returns how many metric references were checked. */
  static int metricsExist(
      List<String> exprs, Set<String> jobMetrics, Set<String> flinkNames, String where) {
    int checked = 0;
    for (String expr : exprs) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        checked++;
        String rest = m.group(2);
        if (m.group().startsWith(JobMetricNames.OPERATOR_PREFIX + "flywheel_")) {
          if (!jobMetrics.contains(m.group())) {
            throw new AssertionError(
                where + ": the job registers no metric " + m.group() + "; it has " + jobMetrics);
          }
          continue;
        }
        if (flinkNames.contains(rest)) {
          continue;
        }
        for (String part : rest.split("_")) {
          if (!flinkNames.contains(part)) {
            throw new AssertionError(
                where + ": " + m.group() + " is not a metric of Flink or the job ('" + part + "')");
          }
        }
      }
    }
    return checked;
  }

  private static final Pattern OPERATOR_LABEL = Pattern.compile("operator_name=\"([^\"]*)\"");

  /** Every {@code operator_name} label value the queries use is an operator of the job graph. */
  static void operatorLabelsExist(List<String> exprs, Set<String> operators, String where) {
    for (String expr : exprs) {
      Matcher m = OPERATOR_LABEL.matcher(expr);
      while (m.find()) {
        if (!operators.contains(m.group(1))) {
          throw new AssertionError(
              where + ": no operator named '" + m.group(1) + "' in the job; it has " + operators);
        }
      }
    }
  }

  private static final Set<String> JOB_METRICS = JobMetricNames.registered();
  private static final Set<String> OPERATORS = JobMetricNames.operatorNames();
  private static final Set<String> FLINK_NAMES = flinkMetricNames();

  @Test
  void theDashboardQueriesMetricsThatExistOnTheProvisionedDatasource() {
    Map<String, Object> dashboard = Repo.yaml(Repo.path(DASHBOARD));
    Map<String, Object> datasources =
        Repo.yaml(Repo.path("deploy/monitoring/grafana/provisioning/datasources/prometheus.yml"));
    Object uid =
        Yamls.map(Yamls.list(datasources.get("datasources"), "datasources").get(0), "ds")
            .get("uid");
    Set<Object> ids = new HashSet<>();
    for (Object p : Yamls.list(dashboard.get("panels"), "panels")) {
      Map<String, Object> panel = Yamls.map(p, "panel");
      assertTrue(ids.add(panel.get("id")), "duplicate panel id " + panel.get("id"));
      assertEquals(uid, Yamls.at(panel, "datasource", "uid"), "panel " + panel.get("title"));
    }
    List<String> exprs = dashboardExpressions(dashboard);
    assertTrue(
        metricsExist(exprs, JOB_METRICS, FLINK_NAMES, DASHBOARD) >= exprs.size(),
        "every query checked");
    operatorLabelsExist(exprs, OPERATORS, DASHBOARD);
    String all = String.join("\n", exprs);
    for (String needed :
        List.of(
            "eventsIn",
            "deadLetters",
            "progressiveLogLoss",
            "progressiveAuc",
            "modelVersion",
            "modelFreshnessMs",
            "lastCheckpointDuration",
            "pendingRecords")) {
      assertTrue(all.contains(needed), "the dashboard shows " + needed);
    }
  }

  @Test
  void everyAlertHasASeverityASummaryAndQueriesMetricsThatExist() {
    Map<String, Object> alerts = Repo.yaml(Repo.path(ALERTS));
    List<Map<String, Object>> rules = alertRules(alerts);
    assertFalse(rules.isEmpty(), "no alert rules");
    List<String> exprs = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      String name = Yamls.text(rule.get("alert"));
      assertTrue(
          List.of("warning", "critical").contains(Yamls.text(Yamls.at(rule, "labels", "severity"))),
          name + " severity");
      assertTrue(Yamls.at(rule, "annotations", "summary") != null, name + " summary");
      exprs.add(Yamls.text(rule.get("expr")));
    }
    assertTrue(
        metricsExist(exprs, JOB_METRICS, FLINK_NAMES, ALERTS) >= rules.size(),
        "every rule checked");
    operatorLabelsExist(exprs, OPERATORS, ALERTS);
    Map<String, Object> prometheus =
        Repo.yaml(Repo.path("deploy/monitoring/prometheus/prometheus.yml"));
    String ruleFile = Yamls.strings(prometheus, "prometheus.yml", "rule_files").get(0);
    List<String> mounts =
        Yamls.strings(
            Descriptors.service(Descriptors.compose(), "prometheus"), "prometheus", "volumes");
    assertTrue(
        mounts.contains("./" + ALERTS + ":" + ruleFile + ":ro"),
        "compose mounts the alerts where prometheus.yml loads them: " + mounts);
  }

  @Test
  void theJobRegistersItsDocumentedMetrics() {
    for (String name :
        List.of(
            "flywheel_type_eventsIn",
            "flywheel_reason_deadLetters",
            "flywheel_join_positives",
            "flywheel_model_progressiveAuc",
            "flywheel_model_modelFreshnessMs",
            "flywheel_scoringLatencyUs")) {
      assertTrue(
          JOB_METRICS.contains(JobMetricNames.OPERATOR_PREFIX + name),
          name + " is not registered; the job registers " + JOB_METRICS);
    }
  }

  @Test
  void anOperatorLabelThatIsNotAnOperatorOfTheJobIsCaught() {
    String good = "x{operator_name=\"score\"}";
    operatorLabelsExist(List.of(good), OPERATORS, "d");
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> operatorLabelsExist(List.of("x{operator_name=\"scorer\"}"), OPERATORS, "d"));
    assertTrue(e.getMessage().contains("'scorer'"), e.getMessage());
  }

  @Test
  void aMetricThatDoesNotExistIsCaught() {
    String good = "max(flink_taskmanager_job_task_operator_flywheel_model_progressiveAuc)";
    assertEquals(1, metricsExist(List.of(good), JOB_METRICS, FLINK_NAMES, "d"));
    for (String bad :
        List.of(
            "max(flink_taskmanager_job_task_operator_flywheel_model_progressiveAUC)",
            // the name before the job moved its metrics under the flywheel group
            "max(flink_taskmanager_job_task_operator_model_progressiveAuc)",
            "flink_jobmanager_job_lastCheckpointLatency")) {
      AssertionError e =
          assertThrows(
              AssertionError.class,
              () -> metricsExist(List.of(bad), JOB_METRICS, FLINK_NAMES, "d"),
              bad);
      assertTrue(e.getMessage().contains(bad.replaceAll("^max\\(|\\)$", "")), e.getMessage());
    }
  }
}
