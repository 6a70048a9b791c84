package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComponentCpuTest {
  /** Keeps the probe's arithmetic from being compiled away. */
  private static volatile double sink;

  @Test
  void benchThreadsAreTheLoadGeneratorTheDispatcherOrTheJvm() {
    assertThat(ComponentCpu.benchPart("bench-caller-3")).isEqualTo("client");
    assertThat(ComponentCpu.benchPart("HttpClient-2-Wo")).isEqualTo("client");
    assertThat(ComponentCpu.benchPart("qtp184966243-2")).isEqualTo("dispatcher");
    assertThat(ComponentCpu.benchPart("batcher")).isEqualTo("dispatcher");
    assertThat(ComponentCpu.benchPart("C2 CompilerThre")).isEqualTo("jit");
    assertThat(ComponentCpu.benchPart("GC Thread#1")).isEqualTo("jvm");
  }

  @Test
  void workerThreadsAreTensorFlowJavaComputeGrpcOrTheJvm() {
    assertThat(ComponentCpu.workerPart("java")).isEqualTo("tensorflow");
    assertThat(ComponentCpu.workerPart("slice-loader-0")).isEqualTo("tensorflow");
    assertThat(ComponentCpu.workerPart("compute-1")).isEqualTo("compute");
    assertThat(ComponentCpu.workerPart("grpc-4")).isEqualTo("grpc");
    assertThat(ComponentCpu.workerPart("C1 CompilerThre")).isEqualTo("jit");
    assertThat(ComponentCpu.workerPart("G1 Conc#0")).isEqualTo("jvm");
    assertThat(ComponentCpu.workerPart("announce-0")).isEqualTo("other");
  }

  @Test
  void aThreadsCpuTimeIsReadByNameFromProc() throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long[] spent = new long[1];
    Thread probe =
        new Thread(
            () -> {
              long until = System.nanoTime() + 50_000_000;
              double sum = 0;
              while (System.nanoTime() < until) {
                sum += Math.sqrt(sum + 1);
              }
              sink = sum;
              spent[0] = threads.getCurrentThreadCpuTime();
              synchronized (spent) {
                spent.notifyAll();
                try {
                  spent.wait();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "cpu-probe");
    Map<Long, ThreadCpu.Thread> before = ThreadCpu.sample(ProcessHandle.current().pid());
    synchronized (spent) {
      probe.start();
      spent.wait();
      // The probe waits, alive, while it is read.
      Map<Long, ThreadCpu.Thread> used =
          ThreadCpu.since(before, ThreadCpu.sample(ProcessHandle.current().pid()));
      spent.notifyAll();
      assertThat(used.values())
          .filteredOn(t -> t.name().equals("cpu-probe"))
          .singleElement()
          .satisfies(t -> assertThat(t.nanos()).isGreaterThanOrEqualTo(spent[0]));
    }
    probe.join();
  }
}
