package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.JavaProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

class EtcdMembershipTest {
  /**
   * Generous, as waits return on the first match: after an outage jetcd's channel reconnects on
   * gRPC's backoff schedule (1 s, growing by 1.6 times per failed attempt), and on a busy machine
   * etcd's own restart takes seconds, so recovery can take tens of seconds.
   */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final AtomicInteger PIPELINES = new AtomicInteger();
  private static EtcdServer etcd;
  private static Client raw;

  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  private String pipeline;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
    raw = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterAll
  static void stopEtcd() {
    raw.close();
    etcd.close();
  }

  @BeforeEach
  void choosePipeline(TestInfo test) {
    pipeline = "p" + PIPELINES.incrementAndGet();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    if (!etcd.isRunning()) {
      etcd.restart();
    }
  }

  @Test
  void registrationIsVisibleUpdatedAndWithdrawn() {
    Membership workerSide = membership(Duration.ofSeconds(3));
    Membership observer = membership(Duration.ofSeconds(3));
    WorkerRecord starting = worker("w1", WorkerState.STARTING);

    WorkerRegistration registration = workerSide.register(starting);
    awaitSnapshot(observer, s -> starting.equals(s.workers().get("w1")));

    WorkerRecord ready = starting.withState(WorkerState.READY).withSlices(List.of("abc"));
    registration.update(ready);
    awaitSnapshot(observer, s -> ready.equals(s.workers().get("w1")));
    assertThat(registration.current()).isEqualTo(ready);

    registration.close();
    awaitSnapshot(observer, s -> s.workers().isEmpty());
  }

  @Test
  void storedRecordsFollowTheKeySchema() throws Exception {
    Membership membership = membership(Duration.ofSeconds(3));
    membership.register(worker("w1", WorkerState.READY));
    membership.putAssignments(List.of(new Assignment("w1", 2, 5)));
    membership.putSpec(new SpecRecord("builtin:resnet50", "serving_default", null, 4, 3));
    membership.publishPlan(
        new PlanRecord(
            5,
            "builtin:resnet50",
            "h",
            List.of("conv3_block4_out"),
            List.of(new PlanStage(0, "input_1", "conv3_block4_out", 10, 20, 30, "ff")),
            null,
            List.of()));
    awaitSnapshot(membership, s -> s.plan().isPresent() && s.workers().containsKey("w1"));

    String prefix = "/adapt/pipelines/" + pipeline + "/";
    JsonNode worker = readRaw(prefix + "workers/w1");
    assertThat(worker.get("address").asText()).isEqualTo("127.0.0.1:7001");
    assertThat(worker.get("state").asText()).isEqualTo("READY");
    assertThat(worker.get("sliceSha256").isArray()).isTrue();
    assertThat(rawKeyValue(prefix + "workers/w1").getLease()).isNotZero();
    assertThat(readRaw(prefix + "assignments/w1").toString())
        .isEqualTo("{\"workerId\":\"w1\",\"stage\":2,\"planGeneration\":5}");
    assertThat(readRaw(prefix + "spec").get("stages").asInt()).isEqualTo(4);
    JsonNode plan = readRaw(prefix + "plan");
    assertThat(plan.get("error").isNull()).isTrue();
    assertThat(plan.get("stages").get(0).get("sliceSha256").asText()).isEqualTo("ff");
  }

  @Test
  void aWriterSeesItsOwnAssignmentsAsSoonAsTheyAreWritten() {
    Membership writer = membership(Duration.ofSeconds(3));
    Membership observer = membership(Duration.ofSeconds(3));
    awaitSnapshot(writer, MembershipSnapshot::synced);

    Map<String, Assignment> first =
        Map.of("a", new Assignment("a", 0, 1), "b", new Assignment("b", 1, 1));
    writer.applyAssignments(first);
    assertThat(writer.snapshot().assignments()).isEqualTo(first);

    Map<String, Assignment> second =
        Map.of("b", new Assignment("b", 0, 2), "c", Assignment.standby("c", 2));
    writer.applyAssignments(second);
    assertThat(writer.snapshot().assignments()).isEqualTo(second);

    writer.putAssignments(List.of(new Assignment("d", 1, 2)));
    assertThat(writer.snapshot().assignment("d")).contains(new Assignment("d", 1, 2));
    writer.deleteAssignments(List.of("c"));
    assertThat(writer.snapshot().assignment("c")).isEmpty();

    // The watch's later events for the same keys leave the writer where the store is.
    Map<String, Assignment> stored =
        Map.of("b", new Assignment("b", 0, 2), "d", new Assignment("d", 1, 2));
    awaitSnapshot(observer, s -> s.assignments().equals(stored));
    assertThat(writer.snapshot().assignments()).isEqualTo(stored);
  }

  @Test
  void writersAreObserved() throws Exception {
    Membership writer = membership(Duration.ofSeconds(3));
    Membership observer = membership(Duration.ofSeconds(3));
    awaitSnapshot(observer, MembershipSnapshot::synced);

    writer.applyAssignments(
        Map.of("a", new Assignment("a", 0, 1), "b", Assignment.standby("b", 1)));
    awaitSnapshot(observer, s -> s.assignments().size() == 2);
    awaitSnapshot(writer, s -> s.assignments().size() == 2);

    writer.applyAssignments(Map.of("b", new Assignment("b", 0, 2)));
    MembershipSnapshot after =
        awaitSnapshot(
            observer, s -> s.assignments().equals(Map.of("b", new Assignment("b", 0, 2))));
    assertThat(after.assignment("a")).isEmpty();

    PlanRecord failed = PlanRecord.failed(3, "m", "h", "no such layer: foo", List.of("x", "y"));
    writer.publishPlan(failed);
    assertThat(awaitSnapshot(observer, s -> s.plan().isPresent()).plan()).contains(failed);
  }

  @Test
  void theServingRecordNeverGoesBackToAnOlderGeneration() throws Exception {
    Membership first = membership(Duration.ofSeconds(3));
    Membership second = membership(Duration.ofSeconds(3));
    Membership observer = membership(Duration.ofSeconds(3));
    ServingRecord two = new ServingRecord(2, 3, List.of("a", "b"));

    assertThat(first.publishServing(new ServingRecord(1, 2, List.of("a")))).isTrue();
    assertThat(second.publishServing(two)).isTrue();
    // A writer that still holds generation 1 (a dispatcher pod on its way out) comes last.
    assertThat(first.publishServing(new ServingRecord(1, 2, List.of("a")))).isFalse();
    assertThat(first.publishServing(two)).as("the same generation again").isFalse();

    assertThat(awaitSnapshot(observer, s -> s.serving().isPresent()).serving()).contains(two);
    JsonNode stored = readRaw("/adapt/pipelines/" + pipeline + "/serving");
    assertThat(stored.get("generation").asLong()).isEqualTo(2);
    assertThat(stored.get("stageCount").asInt()).isEqualTo(3);

    // Writers racing on the same key: the newest generation is what stays.
    List<Thread> racers = new ArrayList<>();
    for (long generation = 3; generation <= 10; generation++) {
      ServingRecord record = new ServingRecord(generation, 1, List.of());
      Membership writer = generation % 2 == 0 ? first : second;
      Thread racer = new Thread(() -> writer.publishServing(record));
      racer.start();
      racers.add(racer);
    }
    for (Thread racer : racers) {
      racer.join();
    }
    assertThat(readRaw("/adapt/pipelines/" + pipeline + "/serving").get("generation").asLong())
        .isEqualTo(10);
    assertThat(
            awaitSnapshot(observer, s -> s.serving().map(r -> r.generation() == 10).orElse(false))
                .serving())
        .contains(new ServingRecord(10, 1, List.of()));
  }

  @Test
  void malformedValuesAreSkippedWithoutBlindingTheObserver() throws Exception {
    String prefix = "/adapt/pipelines/" + pipeline + "/";
    put(prefix + "workers/broken", "{not json");
    put(prefix + "assignments/x", "{\"workerId\":\"other\",\"stage\":0,\"planGeneration\":1}");
    put(prefix + "unrelated/key", "whatever");
    Membership observer = membership(Duration.ofSeconds(3));
    observer.putAssignments(List.of(new Assignment("ok", 1, 1)));

    MembershipSnapshot snapshot = awaitSnapshot(observer, s -> s.assignment("ok").isPresent());
    assertThat(snapshot.workers()).isEmpty();
    assertThat(snapshot.assignments()).containsOnlyKeys("ok");

    put(prefix + "workers/broken", "{\"also\":\"wrong\"}");
    observer.putAssignments(List.of(new Assignment("ok", 0, 2)));
    snapshot = awaitSnapshot(observer, s -> s.assignment("ok").get().stage() == 0);
    assertThat(snapshot.workers()).isEmpty();
  }

  @Test
  void killedWorkerDisappearsWhenItsLeaseExpires(@TempDir Path logs) {
    Membership observer = membership(Duration.ofSeconds(3));
    try (JavaProcess process =
        JavaProcess.start(
            "registered-worker",
            logs,
            List.of("-Xmx128m"),
            RegisteredWorkerMain.class.getName(),
            List.of(etcd.endpoint(), pipeline, "doomed", "2"))) {
      // A fresh JVM connecting to etcd for the first time takes many seconds on a busy machine.
      process.awaitOutput("registered doomed", JavaProcess.START_TIMEOUT);
      awaitSnapshot(observer, s -> s.workers().containsKey("doomed"));

      process.kill();

      await().atMost(WAIT).untilAsserted(() -> assertThat(observer.snapshot().workers()).isEmpty());
      // The worker was killed, not closed: its lease expired and it left its key to etcd.
      assertThat(process.logTail(100)).contains("registered doomed");
    }
  }

  @Test
  void workerRegistersAgainAfterEtcdWasDownLongerThanItsLease() {
    Membership workerSide = membership(Duration.ofSeconds(2));
    WorkerRegistration registration = workerSide.register(worker("w1", WorkerState.STARTING));
    Membership observer = membership(Duration.ofSeconds(2));
    awaitSnapshot(observer, s -> s.workers().containsKey("w1"));

    etcd.kill();
    sleep(Duration.ofSeconds(4));
    WorkerRecord ready = registration.current().withState(WorkerState.READY);
    registration.update(ready);
    etcd.restart();

    // The observer's view and the record both recover: the update made during the outage arrives.
    awaitSnapshot(observer, s -> ready.equals(s.workers().get("w1")));
    // A worker that stopped renewing during the same outage would be gone; this one stays.
    sleep(Duration.ofSeconds(3));
    assertThat(observer.snapshot().workers()).containsKey("w1");
  }

  @Test
  void aRecordChangedUnderTheRegistrationIsWrittenOverByItsNextUpdate() throws Exception {
    Membership workerSide = membership(Duration.ofSeconds(3));
    WorkerRegistration registration = workerSide.register(worker("w1", WorkerState.STARTING));
    Membership observer = membership(Duration.ofSeconds(3));
    awaitSnapshot(observer, s -> s.workers().containsKey("w1"));
    String key = "/adapt/pipelines/" + pipeline + "/workers/w1";
    long lease = rawKeyValue(key).getLease();
    // What a write the registration gave up on during an outage does when it lands late.
    WorkerRecord late = worker("w1", WorkerState.DRAINING);
    raw.getKVClient()
        .put(
            ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(MembershipJson.write(late)),
            PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
    awaitSnapshot(observer, s -> late.equals(s.workers().get("w1")));

    WorkerRecord ready = registration.current().withState(WorkerState.READY);
    registration.update(ready);

    awaitSnapshot(observer, s -> ready.equals(s.workers().get("w1")));
    assertThat(readRaw(key).get("state").asText()).isEqualTo("READY");
  }

  @Test
  void workerRegistersAgainWhenItsLeaseIsLost() throws Exception {
    Membership workerSide = membership(Duration.ofSeconds(3));
    workerSide.register(worker("w1", WorkerState.READY));
    Membership observer = membership(Duration.ofSeconds(3));
    awaitSnapshot(observer, s -> s.workers().containsKey("w1"));
    String key = "/adapt/pipelines/" + pipeline + "/workers/w1";
    long lease = rawKeyValue(key).getLease();

    raw.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KeyValue kv = rawKeyValue(key);
              assertThat(kv).isNotNull();
              assertThat(kv.getLease()).isNotEqualTo(lease).isNotZero();
            });
    awaitSnapshot(observer, s -> s.workers().containsKey("w1"));
  }

  @Test
  void watchResumesAfterAnOutageWithoutMissingChanges() {
    Membership observer = membership(Duration.ofSeconds(3));
    List<MembershipSnapshot> seen = new CopyOnWriteArrayList<>();
    closeables.add(observer.subscribe(seen::add));
    observer.putAssignments(List.of(new Assignment("a", 0, 1)));
    awaitSnapshot(observer, s -> s.assignment("a").isPresent());
    long revisionBefore = observer.snapshot().revision();

    etcd.kill();
    etcd.restart();

    Membership writer = membership(Duration.ofSeconds(3));
    for (int generation = 2; generation <= 6; generation++) {
      writer.putAssignments(List.of(new Assignment("a", 0, generation)));
    }
    writer.deleteAssignments(List.of("a"));
    writer.putAssignments(List.of(new Assignment("b", 1, 6)));

    MembershipSnapshot last =
        awaitSnapshot(
            observer, s -> s.assignments().equals(Map.of("b", new Assignment("b", 1, 6))));
    assertThat(last.revision()).isGreaterThan(revisionBefore);
    // Snapshots arrive in revision order.
    List<Long> revisions = seen.stream().map(MembershipSnapshot::revision).toList();
    assertThat(revisions).isSorted();
  }

  @Test
  void anEtcdThatComesBackEmptyIsReadAgain() {
    Membership observer = membership(Duration.ofSeconds(3));
    Membership writer = membership(Duration.ofSeconds(3));
    writer.putAssignments(List.of(new Assignment("a", 0, 1)));
    // Many revisions, so that the empty etcd stays far below the revision the watch had reached.
    for (long generation = 1; generation <= 40; generation++) {
      writer.putSpec(new SpecRecord("builtin:resnet50", null, null, 2, generation));
    }
    awaitSnapshot(observer, s -> s.spec().map(spec -> spec.generation() == 40).orElse(false));

    etcd.kill();
    etcd.restartEmpty();
    writer.putSpec(new SpecRecord("builtin:resnet50", null, null, 2, 1));

    // A watch resumed at the old revision would wait for revision 40-something and show the old
    // contents until then; the observer must show what etcd holds now.
    MembershipSnapshot now =
        awaitSnapshot(observer, s -> s.spec().map(spec -> spec.generation() == 1).orElse(false));
    assertThat(now.assignments()).isEmpty();
    writer.putAssignments(List.of(new Assignment("b", 1, 1)));
    awaitSnapshot(observer, s -> s.assignments().equals(Map.of("b", new Assignment("b", 1, 1))));
  }

  @Test
  void writesFailClearlyWhileEtcdIsDown() {
    Membership membership =
        track(
            EtcdMembership.connect(
                EtcdSettings.of(etcd.endpoint()).withOperationTimeout(Duration.ofSeconds(1)),
                pipeline));
    etcd.kill();

    assertThatThrownBy(() -> membership.putAssignments(List.of(new Assignment("a", 0, 1))))
        .isInstanceOf(MembershipUnavailableException.class)
        .hasMessageContaining("write assignments")
        .hasMessageContaining(etcd.endpoint());
  }

  private EtcdMembership membership(Duration ttl) {
    return track(
        EtcdMembership.connect(EtcdSettings.of(etcd.endpoint()).withLeaseTtl(ttl), pipeline));
  }

  private <T extends AutoCloseable> T track(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  private static MembershipSnapshot awaitSnapshot(
      Membership membership, java.util.function.Predicate<MembershipSnapshot> condition) {
    try {
      return membership.await(condition, WAIT);
    } catch (Exception e) {
      throw new AssertionError(e.getMessage() + "\netcd log:\n" + etcd.logTail(), e);
    }
  }

  private static WorkerRecord worker(String id, WorkerState state) {
    return new WorkerRecord(id, "127.0.0.1:7001", "CPU", state, List.of(), 0, 1234);
  }

  private static void put(String key, String value) throws Exception {
    raw.getKVClient()
        .put(
            ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(value, StandardCharsets.UTF_8))
        .get(5, TimeUnit.SECONDS);
  }

  private static KeyValue rawKeyValue(String key) throws Exception {
    var kvs =
        raw.getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(5, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  private static JsonNode readRaw(String key) throws Exception {
    return new ObjectMapper().readTree(rawKeyValue(key).getValue().getBytes());
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
