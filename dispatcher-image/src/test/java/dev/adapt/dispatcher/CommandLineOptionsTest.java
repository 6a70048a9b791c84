package dev.adapt.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.plan.Partitioning;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The option mixins every command shares, and the dispatcher's refusals of what it would ignore.
 */
class CommandLineOptionsTest {

  @Command(name = "sample")
  static final class Sample {
    @Mixin ModelOptions model = new ModelOptions("builtin:resnet50");
    @Mixin PartitioningOptions partitioning = new PartitioningOptions(4);
    @Mixin ListenOptions listen = new ListenOptions("127.0.0.1");
  }

  private static Sample parse(String... args) {
    Sample sample = new Sample();
    new CommandLine(sample).parseArgs(args);
    return sample;
  }

  @Test
  void withoutFlagsEachCommandHasItsOwnDefaults() {
    Sample sample = parse();

    assertThat(sample.model.source().orElseThrow().uri()).isEqualTo("builtin:resnet50");
    assertThat(sample.partitioning.given()).isFalse();
    assertThat(sample.partitioning.partitioning()).isEqualTo(new Partitioning.Balanced(4));
    assertThat(sample.listen.host()).isEqualTo("127.0.0.1");
    assertThat(new ModelOptions().source()).isEmpty();
  }

  @Test
  void theHelpShowsTheCommandsDefaults() {
    String help = new CommandLine(new Sample()).getUsageMessage().replaceAll("\\s+", " ");

    assertThat(help)
        .contains("(default: builtin:resnet50)")
        .contains("(default without --split-at: 4)")
        .contains("(default: 127.0.0.1)");
  }

  @Test
  void splitPointsReplaceTheDefaultStageCount() {
    assertThat(parse("--split-at", "a,b").partitioning.partitioning())
        .isEqualTo(new Partitioning.AtSplitPoints(List.of("a", "b")));
    assertThat(parse("--stages", "2").partitioning.partitioning())
        .isEqualTo(new Partitioning.Balanced(2));
  }

  @Test
  void splitPointsWithAStageCountAreRefused() {
    Sample sample = parse("--split-at", "a", "--stages", "2");

    assertThatThrownBy(() -> sample.partitioning.partitioning())
        .hasMessage("set exactly one of --split-at and --stages");
  }

  @Test
  void theDispatcherRefusesAPartitioningItWouldIgnore() {
    StringWriter err = new StringWriter();
    int withoutModel =
        new CommandLine(new DispatcherMain())
            .setErr(new PrintWriter(err))
            .execute("--etcd", "http://127.0.0.1:1", "--stages", "2");
    StringWriter bothErr = new StringWriter();
    int both =
        new CommandLine(new DispatcherMain())
            .setErr(new PrintWriter(bothErr))
            .execute(
                "--etcd",
                "http://127.0.0.1:1",
                "--model",
                "builtin:resnet50",
                "--split-at",
                "avg_pool",
                "--stages",
                "2");

    assertThat(withoutModel).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--split-at and --stages need --model");
    assertThat(both).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(bothErr.toString()).contains("set exactly one of --split-at and --stages");
  }
}
