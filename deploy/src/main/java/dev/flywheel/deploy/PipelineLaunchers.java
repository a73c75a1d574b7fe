package dev.flywheel.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The jobs the local runner can launch, by name. The pipeline from the {@code jobs} module is added
 * here (and made the default) when it exists; until then the identity job stands in.
 */
public final class PipelineLaunchers {
  /** The launcher used when {@code --job} is not given. */
  public static final String DEFAULT = IdentityLauncher.NAME;

  private static final Map<String, PipelineLauncher> ALL = all();

  private PipelineLaunchers() {}

  private static Map<String, PipelineLauncher> all() {
    Map<String, PipelineLauncher> all = new LinkedHashMap<>();
    for (PipelineLauncher launcher : new PipelineLauncher[] {new IdentityLauncher()}) {
      all.put(launcher.name(), launcher);
    }
    return Map.copyOf(all);
  }

  /**
   * The launcher called {@code name}.
   *
   * @throws IllegalArgumentException listing the known names if there is none
   */
  public static PipelineLauncher get(String name) {
    PipelineLauncher launcher = ALL.get(name);
    if (launcher == null) {
      throw new IllegalArgumentException(
          "--job: unknown job '" + name + "', expected one of " + describe());
    }
    return launcher;
  }

  /** Known names, sorted. */
  public static List<String> names() {
    return ALL.keySet().stream().sorted().toList();
  }

  /** Known names with their descriptions, for messages. */
  public static String describe() {
    return ALL.values().stream()
        .map(l -> l.name() + " (" + l.description() + ")")
        .sorted()
        .collect(Collectors.joining(", "));
  }
}
