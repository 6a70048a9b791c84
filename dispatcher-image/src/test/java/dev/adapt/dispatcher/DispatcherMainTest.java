package dev.adapt.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.FreePorts;
import dev.adapt.core.testing.JavaProcess;
import dev.adapt.core.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dispatcher's container entry point against a real etcd, as the operator runs it. */
class DispatcherMainTest {
  private static EtcdServer etcd;
  private static Path logs;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdServer.start();
    logs = Files.createTempDirectory("adapt-dispatcher-main-");
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcd.close();
    try (var files = Files.walk(logs)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static JavaProcess dispatcher(String pipeline, int httpPort, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--etcd",
                etcd.endpoint(),
                "--pipeline",
                pipeline,
                "--host",
                "127.0.0.1",
                "--http-port",
                Integer.toString(httpPort),
                "--grpc-port",
                Integer.toString(FreePorts.next())));
    args.addAll(List.of(extra));
    return JavaProcess.start(
        "dispatcher-" + pipeline, logs, List.of("-Xmx512m"), DispatcherMain.class.getName(), args);
  }

  @Test
  void resolvesTheSpecFromEtcdPublishesThePlanAndServesTheApi() throws Exception {
    String model = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    int httpPort = FreePorts.next();
    try (Membership membership = EtcdMembership.connect(etcd.clientSettings(), "main-spec");
        JavaProcess process = dispatcher("main-spec", httpPort)) {
      membership.putSpec(new SpecRecord(model, null, null, 2, 3));
      MembershipSnapshot published =
          membership.await(s -> s.plan().isPresent(), Duration.ofSeconds(120));
      PlanRecord plan = published.plan().orElseThrow();
      assertThat(plan.isValid()).as(process.logTail(40)).isTrue();
      assertThat(plan.generation()).isEqualTo(3);
      assertThat(plan.stageCount()).isEqualTo(2);
      assertThat(plan.stages()).allSatisfy(s -> assertThat(s.sliceSha256()).hasSize(64));

      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + httpPort;
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> status(http, base + "/v2/health/live") == 200);
      assertThat(status(http, base + "/v2/models/keras_residual_cnn")).isEqualTo(200);
      // No workers yet: live but not ready.
      assertThat(status(http, base + "/v2/health/ready")).isEqualTo(503);

      // SIGTERM: the JVM reports 143 (128 + SIGTERM) but shuts the dispatcher down in order first.
      process.stop(Duration.ofSeconds(30));
      assertThat(process.logTail(20)).contains("dispatcher stopped");
    }
  }

  @Test
  void anInvalidSplitPointIsPublishedAsAFailedPlanWithTheValidCutPoints() throws Exception {
    String model = TestModels.fixtureDirectory(TestModels.KERAS_RESIDUAL_CNN).toString();
    try (Membership membership = EtcdMembership.connect(etcd.clientSettings(), "main-invalid");
        JavaProcess process = dispatcher("main-invalid", FreePorts.next())) {
      membership.putSpec(new SpecRecord(model, null, List.of("no_such_layer"), null, 1));
      PlanRecord plan =
          membership.await(s -> s.plan().isPresent(), Duration.ofSeconds(120)).plan().orElseThrow();
      assertThat(plan.isValid()).isFalse();
      assertThat(plan.error()).contains("no_such_layer");
      assertThat(plan.validCutPoints()).isNotEmpty();
      process.stop(Duration.ofSeconds(30));
    }
  }

  @Test
  void aModelThatCannotBeLoadedIsReportedUnderLoadFailureBeforeTheProcessExits() throws Exception {
    Path missing = logs.resolve("no-such-model");
    try (Membership membership = EtcdMembership.connect(etcd.clientSettings(), "main-unloadable");
        JavaProcess process = dispatcher("main-unloadable", FreePorts.next())) {
      membership.putSpec(new SpecRecord(missing.toString(), null, null, 2, 4));

      LoadFailureRecord failure =
          membership
              .await(s -> s.loadFailure().isPresent(), Duration.ofSeconds(120))
              .loadFailure()
              .orElseThrow();
      assertThat(failure.generation()).isEqualTo(4);
      assertThat(failure.model()).isEqualTo(missing.toString());
      assertThat(failure.error()).contains(missing.toString()).contains("no such directory");
      assertThat(failure.internal()).as("the model's fault, not the dispatcher's").isFalse();
      assertThat(failure.dispatcher()).isNotBlank();
      assertThat(process.awaitExit(Duration.ofSeconds(60)))
          .as("a restart is what tries again: %s", process.logTail(20))
          .isTrue();
      assertThat(process.stop(Duration.ofSeconds(1))).as("the exit status").isNotZero();
      assertThat(membership.snapshot().plan()).as("no plan is published for it").isEmpty();
    }
  }

  private static int status(HttpClient http, String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
