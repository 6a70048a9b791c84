package dev.adapt.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code adapt} command. Each subcommand is a class listed in {@code subcommands}: adding one
 * is a one-line change here.
 */
@Command(
    name = "adapt",
    mixinStandardHelpOptions = true,
    versionProvider = AdaptCommand.Version.class,
    description = "Fault-tolerant, pipeline-parallel inference of TensorFlow models.",
    subcommands = {
      PlanCommand.class,
      LocalCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class AdaptCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The configured command line: usage errors exit with 2 and failures with 1, each reported as one
   * line on standard error without a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new AdaptCommand());
    commandLine.setExecutionExceptionHandler(
        (exception, failed, parseResult) -> {
          PrintWriter err = failed.getErr();
          err.println(failed.getCommandName() + ": error: " + message(exception));
          err.flush();
          return ExitCodes.FAILURE;
        });
    commandLine.setParameterExceptionHandler(
        (exception, args) -> {
          CommandLine failed = exception.getCommandLine();
          PrintWriter err = failed.getErr();
          err.println(
              failed.getCommandSpec().qualifiedName()
                  + ": "
                  + exception.getMessage()
                  + " (see '"
                  + failed.getCommandSpec().qualifiedName()
                  + " --help')");
          err.flush();
          return ExitCodes.USAGE;
        });
    return commandLine;
  }

  private static String message(Throwable exception) {
    String message = exception.getMessage();
    if (message == null || message.isBlank()) {
      message = exception.getClass().getSimpleName();
    }
    return message.lines().findFirst().orElse(message);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Exit codes of every subcommand. */
  public static final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private ExitCodes() {}
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = AdaptCommand.class.getPackage().getImplementationVersion();
      return new String[] {"adapt " + (version == null ? "(development build)" : version)};
    }
  }
}
