package dev.flywheel.deploy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;

/**
 * Launches {@link IdentityJob} ({@code events} → {@code predictions} by default); its job arguments
 * are {@link IdentityJob.Options}, with the runner's broker as bootstrap servers unless given.
 */
public final class IdentityLauncher implements PipelineLauncher {
  /** The name used with {@code --job}. */
  public static final String NAME = "identity";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "events -> predictions, bytes unchanged";
  }

  @Override
  public String usage() {
    return new CommandLine(new IdentityJob.Options()).getUsageMessage();
  }

  @Override
  public void build(StreamExecutionEnvironment env, Context context) {
    List<String> args = new ArrayList<>();
    args.add("--bootstrap-servers");
    args.add(context.bootstrapServers());
    args.addAll(context.jobArgs());
    CommandLine cli = new CommandLine(new IdentityJob.Options());
    cli.setOverwrittenOptionsAllowed(true);
    cli.parseArgs(args.toArray(String[]::new));
    IdentityJob.Options options = cli.getCommand();
    try {
      IdentityJob.build(env, options.call());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cli, "identity job: " + e.getMessage(), e);
    }
  }

  @Override
  public ProgressMetrics progressMetrics() {
    return ProgressMetrics.PIPELINE;
  }
}
