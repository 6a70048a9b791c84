package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import dev.adapt.proto.v1.WorkerStatus;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StaticMembershipTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final StaticMembership membership = new StaticMembership("local");
  private final AtomicReference<WorkerStatus> status =
      new AtomicReference<>(status("w1", dev.adapt.proto.v1.WorkerState.WORKER_STATE_READY));
  private Server server;
  private Process process;

  @AfterEach
  void cleanUp() throws InterruptedException {
    membership.close();
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (process != null) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void workerIsLiveWhileItAnswersAndGoneWhenItStops() throws Exception {
    int port = startServer(0);
    membership.addWorker("w1", "127.0.0.1:" + port, null);

    MembershipSnapshot live = await(s -> s.workers().containsKey("w1"));
    WorkerRecord record = live.workers().get("w1");
    assertThat(record.address()).isEqualTo("127.0.0.1:" + port);
    assertThat(record.state()).isEqualTo(WorkerState.READY);
    assertThat(record.sliceSha256()).containsExactly("aa", "bb");
    assertThat(record.device()).isEqualTo("CPU");

    status.set(
        status.get().toBuilder()
            .setState(dev.adapt.proto.v1.WorkerState.WORKER_STATE_LOADING)
            .setOutstanding(3)
            .build());
    await(s -> s.worker("w1").map(w -> w.outstanding() == 3).orElse(false));

    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    await(s -> s.workers().isEmpty());

    startServer(port);
    await(s -> s.workers().containsKey("w1"));
  }

  @Test
  void workerIsGoneTheMomentItsProcessExits() throws Exception {
    int port = startServer(0);
    process = new ProcessBuilder("sleep", "600").start();
    membership.addWorker("w1", "127.0.0.1:" + port, process.toHandle());
    await(s -> s.workers().containsKey("w1"));

    process.destroyForcibly();

    // The server still answers: only the exit of the process removed the worker.
    await(s -> s.workers().isEmpty());
    Thread.sleep(1000);
    assertThat(membership.snapshot().workers()).isEmpty();
  }

  @Test
  void workerAnsweringUnderAnotherIdIsNotLive() throws Exception {
    int port = startServer(0);
    membership.addWorker("someone-else", "127.0.0.1:" + port, null);
    membership.addWorker("w1", "127.0.0.1:" + port, null);

    await(s -> s.workers().containsKey("w1"));
    assertThat(membership.snapshot().workers()).containsOnlyKeys("w1");
  }

  @Test
  void inProcessRegistrationsAndWritersShowInSnapshots() throws Exception {
    WorkerRecord self =
        new WorkerRecord("in-proc", "127.0.0.1:1", "CPU", WorkerState.READY, List.of(), 0, 1);
    WorkerRegistration registration = membership.register(self);
    membership.applyAssignments(Map.of("in-proc", new Assignment("in-proc", 0, 1)));
    membership.putSpec(
        new SpecRecord("builtin:resnet50", null, List.of("conv4_block6_out"), null, 1));

    MembershipSnapshot snapshot =
        await(s -> s.workers().containsKey("in-proc") && s.spec().isPresent());
    assertThat(snapshot.assignment("in-proc")).contains(new Assignment("in-proc", 0, 1));

    registration.close();
    membership.applyAssignments(Map.of());
    snapshot = await(s -> s.workers().isEmpty());
    assertThat(snapshot.assignments()).isEmpty();
  }

  @Test
  void theServingRecordNeverGoesBackToAnOlderGeneration() throws Exception {
    ServingRecord two = new ServingRecord(2, 3, List.of("a", "b"));
    assertThat(membership.publishServing(new ServingRecord(1, 2, List.of("a")))).isTrue();
    assertThat(membership.publishServing(two)).isTrue();
    assertThat(membership.publishServing(new ServingRecord(1, 2, List.of("a")))).isFalse();

    assertThat(await(s -> s.serving().isPresent()).serving()).contains(two);
  }

  private MembershipSnapshot await(Predicate<MembershipSnapshot> condition) throws Exception {
    return membership.await(condition, WAIT);
  }

  private int startServer(int port) throws IOException {
    server =
        Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
            .addService(
                new WorkerGrpc.WorkerImplBase() {
                  @Override
                  public void status(
                      StatusRequest request, StreamObserver<WorkerStatus> responseObserver) {
                    responseObserver.onNext(status.get());
                    responseObserver.onCompleted();
                  }
                })
            .build()
            .start();
    return server.getPort();
  }

  private static WorkerStatus status(String id, dev.adapt.proto.v1.WorkerState state) {
    return WorkerStatus.newBuilder()
        .setWorkerId(id)
        .setDevice("CPU")
        .setState(state)
        .addSliceSha256("aa")
        .addSliceSha256("bb")
        .setStartedAt(5)
        .build();
  }
}
