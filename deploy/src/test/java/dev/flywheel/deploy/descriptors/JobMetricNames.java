package dev.flywheel.deploy.descriptors;

import dev.flywheel.jobs.FlywheelJob;
import dev.flywheel.jobs.config.JobSettings;
import dev.flywheel.jobs.join.JoinMetrics;
import dev.flywheel.jobs.join.LabelJoinOperator;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.common.functions.RichFunction;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleUdfStreamOperatorFactory;

/**
 * The Prometheus names of the metrics the job's own functions register, found by building the real
 * job graph ({@link FlywheelJob#addKafkaPipeline}), registering the label join operator's {@link
 * JoinMetrics}, opening every rich function against a runtime context whose metric group records
 * what is registered, and asking each per-model metrics holder for the model id {@code default}.
 * Names follow Flink's Prometheus reporter: {@code flink_taskmanager_job_task_operator_} + groups
 * (a key/value group contributes its key, the value becomes a label) + metric name.
 */
final class JobMetricNames {
  private JobMetricNames() {}

  static final String OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_";

  /** The names of the job graph's operators: the {@code operator_name} label of their metrics. */
  static Set<String> operatorNames() {
    Set<String> names = new TreeSet<>();
    JobSettings settings = JobSettings.defaults();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            FlywheelJob.flinkConfiguration(settings));
    FlywheelJob.addKafkaPipeline(env, settings);
    for (StreamNode node : env.getStreamGraph().getStreamNodes()) {
      names.add(node.getOperatorName());
    }
    return names;
  }

  /**
   * The registered names, e.g. {@code flink_taskmanager_job_task_operator_flywheel_type_eventsIn}.
   */
  static Set<String> registered() {
    Set<String> names = new TreeSet<>();
    JobSettings settings = JobSettings.defaults();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(
            FlywheelJob.flinkConfiguration(settings));
    FlywheelJob.addKafkaPipeline(env, settings);
    for (StreamNode node : env.getStreamGraph().getStreamNodes()) {
      if (node.getOperatorFactory() instanceof SimpleOperatorFactory<?> plain
          && plain.getOperator() instanceof LabelJoinOperator) {
        // an operator, not a function: its metrics are registered by JoinMetrics in open()
        new JoinMetrics(
            (OperatorMetricGroup) group(names, new ArrayList<>(), true), () -> 0L, () -> 0L);
        continue;
      }
      if (!(node.getOperatorFactory() instanceof SimpleUdfStreamOperatorFactory<?> udf)) {
        continue;
      }
      Function function = udf.getUserFunction();
      if (!(function instanceof RichFunction rich)) {
        continue;
      }
      rich.setRuntimeContext(runtimeContext(names));
      try {
        rich.open(DefaultOpenContext.INSTANCE);
      } catch (Exception e) {
        throw new AssertionError(
            "cannot open " + function.getClass().getName() + " to read its metrics", e);
      }
      registerPerModel(function, "default");
    }
    return names;
  }

  /**
   * Calls every one-String-argument {@code model}/{@code served} method of the function's fields.
   */
  private static void registerPerModel(Object function, String modelId) {
    for (Class<?> c = function.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
          continue;
        }
        Object holder;
        try {
          f.setAccessible(true);
          holder = f.get(function);
        } catch (ReflectiveOperationException | RuntimeException e) {
          continue;
        }
        if (holder == null || !holder.getClass().getName().endsWith("Metrics")) {
          continue;
        }
        for (Method m : holder.getClass().getDeclaredMethods()) {
          if ((m.getName().equals("model") || m.getName().equals("served"))
              && m.getParameterCount() == 1
              && m.getParameterTypes()[0] == String.class) {
            try {
              m.setAccessible(true);
              m.invoke(holder, modelId);
            } catch (IllegalAccessException | InvocationTargetException e) {
              throw new AssertionError("cannot register the per-model metrics of " + holder, e);
            }
          }
        }
      }
    }
  }

  private static RuntimeContext runtimeContext(Set<String> names) {
    OperatorMetricGroup group = (OperatorMetricGroup) group(names, new ArrayList<>(), true);
    return (RuntimeContext)
        Proxy.newProxyInstance(
            JobMetricNames.class.getClassLoader(),
            new Class<?>[] {RuntimeContext.class},
            (proxy, method, args) ->
                method.getName().equals("getMetricGroup")
                    ? group
                    : method.getName().equals("getUserCodeClassLoader")
                        ? JobMetricNames.class.getClassLoader()
                        : defaultValue(method.getReturnType()));
  }

  /** A metric group that records the Prometheus name of every metric registered under it. */
  private static Object group(Set<String> names, List<String> path, boolean operator) {
    Class<?> type =
        operator ? OperatorMetricGroup.class : org.apache.flink.metrics.MetricGroup.class;
    return Proxy.newProxyInstance(
        JobMetricNames.class.getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.equals("addGroup")) {
            List<String> child = new ArrayList<>(path);
            child.add(
                String.valueOf(args[0])); // a key/value group: the key names, the value labels
            return group(names, child, false);
          }
          if (List.of("counter", "gauge", "histogram", "meter").contains(name)) {
            List<String> full = new ArrayList<>(path);
            full.add(String.valueOf(args[0]));
            names.add(OPERATOR_PREFIX + String.join("_", full));
            return args.length > 1 ? args[1] : new SimpleCounter();
          }
          if (name.equals("toString")) {
            return "recording metric group " + path;
          }
          return defaultValue(method.getReturnType());
        });
  }

  private static Object defaultValue(Class<?> type) {
    if (!type.isPrimitive() || type == void.class) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == double.class) {
      return 0.0;
    }
    if (type == float.class) {
      return 0.0f;
    }
    if (type == short.class) {
      return (short) 0;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == char.class) {
      return (char) 0;
    }
    return 0;
  }
}
