package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adapt bench --local} against a local pipeline whose client API has TLS and bearer tokens
 * ({@code adapt local}'s options passed on to the dispatcher), as a user runs it.
 */
class SecuredBenchTest {
  private static final String TOKEN = "bench-token";

  @TempDir static Path dir;
  private static TlsFiles tls;
  private static Path tokens;

  @BeforeAll
  static void makeCertificatesAndTokens() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("bench-ca", Duration.ofDays(1));
    tls =
        TlsFiles.write(
            dir.resolve("tls"),
            ca.issue("dispatcher", List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1)),
            ca.certificatePem());
    tokens = Files.writeString(dir.resolve("tokens"), "# bench\n" + TOKEN + "\n");
  }

  @Test
  void benchWithTheTokenAndTheCaDrivesASecuredPipelineOverHttpsAndGrpcWithTls() throws Exception {
    for (String protocol : List.of("http", "grpc")) {
      AdaptRun run = bench(protocol, "--token", TOKEN, "--ca-cert", tls.trustedCa().toString());
      assertThat(run.exit()).as(run.output()).isZero();
      assertThat(run.json().path("succeeded").asInt()).as(protocol).isEqualTo(12);
      assertThat(run.json().path("failed").asInt()).as(protocol).isZero();
    }
  }

  @Test
  void benchWithoutTheTokenIsRefusedEveryRequest() throws Exception {
    AdaptRun run = bench("http", "--ca-cert", tls.trustedCa().toString());
    assertThat(run.exit()).as(run.output()).isEqualTo(1);
    assertThat(run.json().path("succeeded").asInt()).isZero();
    // The lead-in requests are refused too, and counted.
    assertThat(run.json().path("leadInRequests").asInt()).isPositive();
    assertThat(run.json().path("failed").asInt())
        .isEqualTo(12 + run.json().path("leadInRequests").asInt());
  }

  private static AdaptRun bench(String protocol, String... credentials) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--client-tls-cert",
                tls.certificateChain().toString(),
                "--client-tls-key",
                tls.privateKey().toString(),
                "--client-auth-tokens",
                tokens.toString(),
                "--requests",
                "12",
                "--concurrency",
                "2",
                "--warmup",
                "0",
                "--protocol",
                protocol,
                "--json"));
    args.addAll(List.of(credentials));
    return LocalBench.run(args);
  }
}
