package dev.flywheel.deploy.descriptors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed access to parsed YAML (maps, lists, scalars) with errors that say where. */
final class Yamls {
  private Yamls() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value, String where) {
    if (!(value instanceof Map)) {
      throw new AssertionError(where + ": expected a mapping, got " + describe(value));
    }
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value, String where) {
    if (!(value instanceof List)) {
      throw new AssertionError(where + ": expected a list, got " + describe(value));
    }
    return (List<Object>) value;
  }

  /** The value at {@code keys} under {@code root}, or null when a key on the way is missing. */
  static Object at(Map<String, Object> root, String... keys) {
    Object node = root;
    for (String key : keys) {
      if (!(node instanceof Map<?, ?> m)) {
        return null;
      }
      node = m.get(key);
    }
    return node;
  }

  /** The value at {@code keys}; fails naming the path when it is missing. */
  static Object require(Map<String, Object> root, String where, String... keys) {
    Object value = at(root, keys);
    if (value == null) {
      throw new AssertionError(where + ": missing " + String.join(".", keys));
    }
    return value;
  }

  /** A scalar as text (YAML numbers and booleans too), or null. */
  static String text(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  /** The list at {@code keys} as strings. */
  static List<String> strings(Map<String, Object> root, String where, String... keys) {
    List<String> out = new ArrayList<>();
    for (Object o : list(require(root, where, keys), where + ": " + String.join(".", keys))) {
      out.add(text(o));
    }
    return out;
  }

  /** A deep copy (maps and lists copied, scalars shared), for mutating in tests. */
  @SuppressWarnings("unchecked")
  static <T> T copy(T value) {
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put((String) k, copy(v)));
      return (T) out;
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(copy(v)));
      return (T) out;
    }
    return value;
  }

  private static String describe(Object value) {
    return value == null ? "nothing" : value.getClass().getSimpleName() + " " + value;
  }
}
