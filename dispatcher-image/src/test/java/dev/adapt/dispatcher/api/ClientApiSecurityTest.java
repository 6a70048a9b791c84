package dev.adapt.dispatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.TlsFiles;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.adapt.proto.oip.ModelMetadataRequest;
import dev.adapt.proto.oip.ServerLiveRequest;
import dev.adapt.proto.oip.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** TLS and bearer tokens on the client API, over real HTTP and gRPC on loopback. */
class ClientApiSecurityTest {
  private static final String TOKEN = "s3cr3t-token-of-team-a";
  private static final String INFER =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

  @TempDir static Path dir;

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class BearerTokensRequired {
    private ProtocolFixture fixture;
    private ManagedChannel channel;

    @BeforeAll
    void start() throws IOException {
      Path tokens = dir.resolve("tokens");
      Files.writeString(tokens, "# team a\n" + TOKEN + "\n\n  other-token  \n");
      fixture = ProtocolFixture.secured(new ClientApiSecurity(null, null, tokens));
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", fixture.servers.grpcPort())
              .usePlaintext()
              .build();
    }

    @AfterAll
    void stop() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      fixture.close();
    }

    @Test
    void restWithoutATokenIs401WithAChallenge() throws Exception {
      HttpResponse<byte[]> response = send(get("/v2/models/rowstats"));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"adapt\"");
      assertThat(OipHttpTest.error(response)).isEqualTo("a bearer token is required");
      assertThat(send(post("/v2/models/rowstats/infer")).statusCode()).isEqualTo(401);
      assertThat(send(get("/metrics")).statusCode())
          .as("metrics are behind the same check")
          .isEqualTo(401);
      assertThat(send(get("/v2/models/rowstats").header("Authorization", TOKEN)).statusCode())
          .as("a token without the Bearer scheme")
          .isEqualTo(401);
    }

    @Test
    void restWithAWrongTokenIs401() throws Exception {
      HttpResponse<byte[]> response =
          send(post("/v2/models/rowstats/infer").header("Authorization", "Bearer " + TOKEN + "x"));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"adapt\", error=\"invalid_token\"");
      assertThat(OipHttpTest.error(response)).isEqualTo("the bearer token is not accepted");
      assertThat(send(get("/v2").header("Authorization", "Bearer # team a")).statusCode())
          .as("a comment line is no token")
          .isEqualTo(401);
    }

    @Test
    void restWithAnAcceptedTokenIsServed() throws Exception {
      HttpResponse<byte[]> infer =
          send(post("/v2/models/rowstats/infer").header("Authorization", "Bearer " + TOKEN));
      assertThat(infer.statusCode()).isEqualTo(200);
      assertThat(OipHttpTest.json(infer).path("outputs").get(0).path("data").toString())
          .isEqualTo("[10.0,4.0]");
      assertThat(send(get("/metrics").header("Authorization", "bearer other-token")).statusCode())
          .as("any listed token, the scheme in any case")
          .isEqualTo(200);
    }

    @Test
    void restHealthStaysOpenForProbes() throws Exception {
      assertThat(send(get("/v2/health/live")).statusCode()).isEqualTo(200);
      assertThat(send(get("/v2/health/ready")).statusCode()).isEqualTo(200);
    }

    @Test
    void grpcWithoutOrWithAWrongTokenIsUnauthenticated() {
      GRPCInferenceServiceBlockingStub anonymous =
          GRPCInferenceServiceGrpc.newBlockingStub(channel);
      assertUnauthenticated(() -> anonymous.modelMetadata(metadataRequest()));
      assertUnauthenticated(() -> anonymous.modelInfer(OipGrpcTest.request(1, 1, 2, 3, 4).build()));
      assertUnauthenticated(() -> withToken("Bearer wrong").modelMetadata(metadataRequest()));
      assertUnauthenticated(() -> withToken(TOKEN).modelMetadata(metadataRequest()));
    }

    @Test
    void grpcWithAnAcceptedTokenIsServed() {
      assertThat(
              OipGrpcTest.floats(
                  withToken("Bearer " + TOKEN)
                      .modelInfer(OipGrpcTest.request(1, 1, 2, 3, 4).build())))
          .containsExactly(10f, 4f);
    }

    @Test
    void grpcHealthStaysOpenForProbes() {
      GRPCInferenceServiceBlockingStub anonymous =
          GRPCInferenceServiceGrpc.newBlockingStub(channel);
      assertThat(anonymous.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
      assertThat(anonymous.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
          .isTrue();
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);
    }

    private GRPCInferenceServiceBlockingStub withToken(String authorization) {
      Metadata headers = new Metadata();
      headers.put(BearerAuthInterceptor.AUTHORIZATION, authorization);
      return GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private HttpRequest.Builder get(String path) {
      return HttpRequest.newBuilder(URI.create(fixture.http() + path))
          .timeout(Duration.ofSeconds(10));
    }

    private HttpRequest.Builder post(String path) {
      return OipHttpTest.post(fixture.http(), path, OipHttpTest.utf8(INFER));
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Tls {
    private ProtocolFixture fixture;
    private TlsFiles server;

    @BeforeAll
    void start() {
      CertificateAuthority ca = CertificateAuthority.create("client-api", Duration.ofDays(1));
      IssuedCertificate issued =
          ca.issue("dispatcher", List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1));
      server = TlsFiles.write(dir.resolve("tls"), issued, ca.certificatePem());
      fixture =
          ProtocolFixture.secured(
              new ClientApiSecurity(server.certificateChain(), server.privateKey(), null));
    }

    @AfterAll
    void stop() {
      fixture.close();
    }

    private String https() {
      return "https://127.0.0.1:" + fixture.servers.httpPort();
    }

    @Test
    void anHttpsClientTrustingTheCaIsServed() throws Exception {
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(server.trustedCa())).build();
      HttpResponse<byte[]> infer =
          client.send(
              OipHttpTest.post(https(), "/v2/models/rowstats/infer", OipHttpTest.utf8(INFER))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(infer.statusCode()).isEqualTo(200);
      assertThat(OipHttpTest.json(infer).path("outputs").get(0).path("data").toString())
          .isEqualTo("[10.0,4.0]");
      assertThat(
              client
                  .send(
                      HttpRequest.newBuilder(URI.create(https() + "/v2/health/ready")).build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .isEqualTo(200);
    }

    @Test
    void aPlainTextOrUntrustingHttpClientFails() {
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(
              () ->
                  plain.send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + fixture.servers.httpPort() + "/v2"))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(
              () ->
                  plain.send(
                      HttpRequest.newBuilder(URI.create(https() + "/v2"))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      HttpResponse.BodyHandlers.discarding()))
          .as("the JVM's default trust does not know the test's CA")
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void aGrpcClientWithTlsIsServedAndAPlainTextOneFails() throws Exception {
      ManagedChannel tls =
          NettyChannelBuilder.forAddress(
                  "127.0.0.1",
                  fixture.servers.grpcPort(),
                  TlsChannelCredentials.newBuilder()
                      .trustManager(server.trustedCa().toFile())
                      .build())
              .build();
      ManagedChannel plain =
          NettyChannelBuilder.forAddress("127.0.0.1", fixture.servers.grpcPort())
              .usePlaintext()
              .build();
      try {
        assertThat(
                OipGrpcTest.floats(
                    GRPCInferenceServiceGrpc.newBlockingStub(tls)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .modelInfer(OipGrpcTest.request(1, 1, 2, 3, 4).build())))
            .containsExactly(10f, 4f);
        assertThatThrownBy(
                () ->
                    GRPCInferenceServiceGrpc.newBlockingStub(plain)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .serverLive(ServerLiveRequest.getDefaultInstance()))
            .isInstanceOf(StatusRuntimeException.class);
      } finally {
        tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void halfATlsPairIsRefused() {
    assertThatThrownBy(() -> new ClientApiSecurity(dir.resolve("tls.crt"), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both a certificate and a private key");
  }

  @Test
  void aTokensFileListingNoTokenIsRefusedAtStart() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty-tokens"), "# nobody yet\n\n");
    assertThatThrownBy(() -> BearerTokens.load(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lists no token");
  }

  @Test
  void rotatedTokensTakeEffectOnReload() throws IOException {
    Path file = Files.writeString(dir.resolve("rotating-tokens"), "old\n");
    BearerTokens tokens = BearerTokens.load(file);
    assertThat(tokens.acceptsHeader("Bearer old")).isTrue();

    Files.writeString(file, "new\n");
    assertThat(tokens.acceptsHeader("Bearer new")).as("not before the reload").isFalse();
    tokens.reload();
    assertThat(tokens.acceptsHeader("Bearer new")).isTrue();
    assertThat(tokens.acceptsHeader("Bearer old")).isFalse();

    Files.delete(file);
    tokens.reload();
    assertThat(tokens.acceptsHeader("Bearer new"))
        .as("a file briefly absent keeps the tokens in force")
        .isTrue();
  }

  private static ModelMetadataRequest metadataRequest() {
    return ModelMetadataRequest.newBuilder().setName("rowstats").build();
  }

  private static void assertUnauthenticated(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return OipHttpTest.send(request);
  }

  static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
