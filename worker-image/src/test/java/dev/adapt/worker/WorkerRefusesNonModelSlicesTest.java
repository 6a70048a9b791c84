package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.HostileSlices;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A worker with the TensorFlow loader, over TCP, sent slices that touch files: it refuses them
 * before any session runs them (loading would run them: warm-up), logs and counts the refusal.
 */
class WorkerRefusesNonModelSlicesTest {
  @TempDir Path scratch;

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private Worker worker;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    log.start();
    ((Logger) LoggerFactory.getLogger(SliceUpload.class)).addAppender(log);
    worker =
        Worker.start(
            WorkerSettings.defaults("test", "w1", 0),
            new TensorFlowSliceLoader(ExecutorOptions.DEFAULT),
            "CPU");
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", worker.port(), InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(SliceUpload.class)).detachAppender(log);
    channel.shutdownNow();
    worker.close();
  }

  @Test
  void aSliceThatWritesAFileIsRefusedAndNothingIsWritten() throws Exception {
    Path target = scratch.resolve("written");
    byte[] slice = HostileSlices.writingFile(target, "owned").bytes();

    assertRefused(slice, "write (WriteFile)");

    assertThat(target).doesNotExist();
    assertThat(refusals("WriteFile")).isEqualTo(1.0);
  }

  @Test
  void aSliceThatReadsAFileIsRefusedAndHeldByNobody() throws Exception {
    Path secret = Files.writeString(scratch.resolve("secret"), "do not leak");
    byte[] slice = HostileSlices.readingFile(secret).bytes();

    assertRefused(slice, "read (ReadFile)");

    assertThat(refusals("ReadFile")).isEqualTo(1.0);
    assertThat(refusals("StringLength")).isEqualTo(1.0);
  }

  private void assertRefused(byte[] slice, String named) {
    var stub = WorkerGrpc.newStub(channel);
    assertThatThrownBy(() -> SliceTransfers.send(stub, slice))
        .satisfies(
            e -> {
              Status status = Status.fromThrowable(e);
              assertThat(status.getCode())
                  .as(status.toString())
                  .isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(status.getDescription()).contains(named).contains("not run");
            });
    var held =
        WorkerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance())
            .getSliceSha256List();
    assertThat(held).isEmpty();
    assertThat(log.list)
        .anySatisfy(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.WARN);
              assertThat(event.getFormattedMessage()).contains("refused slice").contains(named);
            });
  }

  private double refusals(String opType) {
    var counter =
        worker.meterRegistry().find("adapt.worker.slices.refused").tag("op_type", opType).counter();
    return counter == null ? 0 : counter.count();
  }
}
