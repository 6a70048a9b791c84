package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.PeerTls;
import dev.adapt.core.security.TlsFiles;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.Slicer;
import dev.adapt.core.testing.FreePorts;
import dev.adapt.core.testing.TestModels;
import dev.adapt.proto.v1.SliceOffer;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import dev.adapt.worker.testing.WorkerProcess;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker process with {@code --peer-tls-dir}: only peers with a certificate of the
 * pipeline's CA may upload a slice or call it at all; kubelet's probes get the health service in
 * plaintext on {@code --health-port}.
 */
class WorkerPeerTlsTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  private static final List<AutoCloseable> cleanup = new ArrayList<>();
  private static CertificateAuthority pipelineCa;
  private static PeerTls peer;

  /** What refused peers try to upload; it must never be held. */
  private static SliceArtifact slice;

  /** What the pipeline's peer uploads: another slice, so that test order does not matter. */
  private static SliceArtifact accepted;

  private static WorkerProcess worker;
  private static int healthPort;

  @BeforeAll
  static void startWorker() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    List<SliceArtifact> slices = Slicer.slice(model, Planner.balanced(model, 2));
    slice = slices.get(0);
    accepted = slices.get(1);
    pipelineCa = CertificateAuthority.create("pipeline-a", Duration.ofDays(1));
    TlsFiles own = identity(pipelineCa, "w1");
    peer = PeerTls.load(identity(pipelineCa, "dispatcher"));
    healthPort = FreePorts.next();
    worker =
        WorkerProcess.start(
            "w1",
            dir,
            List.of("-Xmx512m"),
            List.of(
                "--pipeline=tls",
                "--intra-op-threads=1",
                "--inter-op-threads=1",
                "--peer-tls-dir=" + own.certificateChain().getParent(),
                "--health-port=" + healthPort),
            peer.channelCredentials());
    cleanup.add(worker);
  }

  @AfterAll
  static void stopWorker() throws Exception {
    for (AutoCloseable closeable : cleanup) {
      closeable.close();
    }
  }

  @Test
  void aPeerWithoutACertificateCannotUploadASlice() throws Exception {
    ChannelCredentials noCertificate =
        TlsChannelCredentials.newBuilder().trustManager(caFile("dispatcher")).build();
    assertRefusedInHandshake(noCertificate);
    assertNotInstalled();
  }

  @Test
  void aPeerOfAnotherPipelinesCaCannotUploadASlice() {
    CertificateAuthority other = CertificateAuthority.create("pipeline-b", Duration.ofDays(1));
    // It trusts the worker's CA, so only the worker's check of the client can refuse it; PeerTls
    // presents its certificate whatever issuers the worker asks for.
    IssuedCertificate foreign =
        other.issue("intruder", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
    ChannelCredentials credentials =
        PeerTls.load(TlsFiles.write(dir.resolve("intruder"), foreign, pipelineCa.certificatePem()))
            .channelCredentials();
    assertRefusedInHandshake(credentials);
    assertNotInstalled();
  }

  @Test
  void aPlaintextPeerIsRefused() {
    assertThatThrownBy(() -> upload(InsecureChannelCredentials.create()))
        .satisfies(
            e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertNotInstalled();
  }

  @Test
  void aPeerOfThePipelinesCaUploadsAndTheSliceIsHeld() throws Exception {
    assertThat(upload(peer.channelCredentials(), accepted).getAlreadyLoaded()).isFalse();
    assertThat(offered(accepted.sha256())).isTrue();
    ManagedChannel channel = channel(worker.port(), peer.channelCredentials());
    assertThat(
            WorkerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance())
                .getSliceSha256List())
        .contains(accepted.sha256());
  }

  @Test
  void theHealthPortAnswersProbesInPlaintextAndServesNothingElse() {
    ManagedChannel plaintext = channel(healthPort, InsecureChannelCredentials.create());
    assertThat(
            HealthGrpc.newBlockingStub(plaintext)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(
            HealthGrpc.newBlockingStub(plaintext)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(WorkerGrpc.SERVICE_NAME).build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(
            () ->
                WorkerGrpc.newBlockingStub(plaintext)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .offerSlice(SliceOffer.newBuilder().setSha256(slice.sha256()).build()))
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  private static void assertRefusedInHandshake(ChannelCredentials credentials) {
    assertThatThrownBy(() -> upload(credentials))
        .satisfies(
            e -> {
              Status status = Status.fromThrowable(e);
              assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(causes(status.getCause()))
                  .as("the TLS handshake failed: %s", status)
                  .anyMatch(SSLException.class::isInstance);
            });
  }

  /** Checked with the pipeline's own certificate: the worker holds no slice of that hash. */
  private static void assertNotInstalled() {
    assertThat(offered(slice.sha256())).isFalse();
  }

  private static dev.adapt.proto.v1.LoadSliceReply upload(ChannelCredentials credentials)
      throws Exception {
    return upload(credentials, slice);
  }

  private static dev.adapt.proto.v1.LoadSliceReply upload(
      ChannelCredentials credentials, SliceArtifact artifact) throws Exception {
    return SliceTransfers.send(
        WorkerGrpc.newStub(channel(worker.port(), credentials)),
        SliceTransfers.chunks(artifact.bytes(), artifact.sha256(), 1024 * 1024),
        chunks -> chunks);
  }

  private static boolean offered(String sha256) {
    return WorkerGrpc.newBlockingStub(channel(worker.port(), peer.channelCredentials()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .offerSlice(SliceOffer.newBuilder().setSha256(sha256).build())
        .getAlreadyLoaded();
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static ManagedChannel channel(int port, ChannelCredentials credentials) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials)
            .maxInboundMessageSize(PeerChannels.MAX_MESSAGE_BYTES)
            .build();
    cleanup.add(0, channel::shutdownNow);
    return channel;
  }

  private static java.io.File caFile(String name) {
    return dir.resolve(name).resolve(TlsFiles.CA).toFile();
  }

  private static TlsFiles identity(CertificateAuthority ca, String name) {
    IssuedCertificate issued =
        ca.issue(name, List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1));
    return TlsFiles.write(dir.resolve(name), issued, ca.certificatePem());
  }
}
