package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.worker.WorkerMain;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WorkerProcessTest {

  @Test
  void theWorkerOptionsOfAdaptLocalReachTheWorkerCommandLine() throws Exception {
    LocalCommand local = new LocalCommand();
    new CommandLine(local)
        .parseArgs(
            "--worker-intra-op-threads=1",
            "--worker-inter-op-threads=2",
            "--worker-compute-threads=3",
            "--worker-heap=512m");
    WorkerProcess.Spec spec = local.options.workerSpec();
    try {
      List<String> command = WorkerProcess.command("w1", 4711, spec);

      assertThat(command).contains("-Xmx512m");
      assertThat(command).containsSubsequence("--intra-op-threads", "1");
      assertThat(command).containsSubsequence("--inter-op-threads", "2");
      assertThat(command).containsSubsequence("--compute-threads", "3");
      assertThat(command).contains("--no-thread-spinning");
      // Every option the launcher passes is one the worker knows.
      List<String> workerArgs =
          command.subList(command.indexOf(WorkerMain.class.getName()) + 1, command.size());
      new CommandLine(new WorkerMain()).parseArgs(workerArgs.toArray(String[]::new));
    } finally {
      Files.delete(spec.logDirectory());
    }
  }

  @Test
  void benchTakesTheSameWorkerOptions() {
    BenchCommand bench = new BenchCommand();
    new CommandLine(bench)
        .parseArgs("--local", "--worker-compute-threads=3", "--worker-thread-spinning");
    assertThat(bench.localOptions.computeThreads).isEqualTo(3);
    assertThat(bench.localOptions.threadSpinning).isTrue();
  }
}
