package dev.adapt.dispatcher;

import dev.adapt.core.plan.Partitioning;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** Where a command cuts the model: {@code --split-at} or {@code --stages}. */
public final class PartitioningOptions {

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = "--split-at",
      split = ",",
      paramLabel = "NAME",
      description =
          "Cut at these points, from input to output, comma-separated: Keras layer names"
              + " (conv4_block6_out), operation names or tensor names.")
  List<String> splitAt;

  // Holds the command's default so that the help shows it; whether the user gave --stages is
  // read from the parse result, since the default must not count as a choice beside --split-at.
  @Option(
      names = "--stages",
      paramLabel = "N",
      description =
          "Cut into N stages of about equal cost (default without --split-at: ${DEFAULT-VALUE}).")
  int stages;

  /** One stage unless {@code --split-at} or {@code --stages} is given. */
  public PartitioningOptions() {
    this(1);
  }

  /**
   * {@code defaultStages} balanced stages unless {@code --split-at} or {@code --stages} is given.
   */
  public PartitioningOptions(int defaultStages) {
    this.stages = defaultStages;
  }

  /** Whether the command line names a partitioning, rather than leaving it to the default. */
  public boolean given() {
    return splitAt != null || stagesGiven();
  }

  /**
   * The partitioning the command line asks for, or the default.
   *
   * @throws dev.adapt.core.plan.InvalidPartitioningException for both flags, or a bad one
   */
  public Partitioning partitioning() {
    if (!given()) {
      return new Partitioning.Balanced(stages);
    }
    return Partitioning.of(splitAt, stagesGiven() ? stages : null, Partitioning.Fields.FLAGS);
  }

  private boolean stagesGiven() {
    ParseResult parsed = mixee == null ? null : mixee.commandLine().getParseResult();
    return parsed != null && parsed.hasMatchedOption("--stages");
  }
}
