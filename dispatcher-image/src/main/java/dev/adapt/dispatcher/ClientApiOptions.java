package dev.adapt.dispatcher;

import dev.adapt.dispatcher.api.ClientApiSecurity;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * TLS and bearer-token options of the client API, shared by the dispatcher's own command and {@code
 * adapt local}. Each defaults to an environment variable, so that a container can take them from
 * its environment.
 */
public final class ClientApiOptions {

  @Option(
      names = "--client-tls-cert",
      defaultValue = "${env:ADAPT_CLIENT_TLS_CERT}",
      description =
          "PEM certificate chain of the client API: REST over HTTPS, gRPC with TLS (from"
              + " ADAPT_CLIENT_TLS_CERT when set). Re-read every minute.")
  Path certificate;

  @Option(
      names = "--client-tls-key",
      defaultValue = "${env:ADAPT_CLIENT_TLS_KEY}",
      description =
          "PEM PKCS#8 private key of --client-tls-cert (from ADAPT_CLIENT_TLS_KEY when set).")
  Path privateKey;

  @Option(
      names = "--client-auth-tokens",
      defaultValue = "${env:ADAPT_CLIENT_AUTH_TOKENS}",
      description =
          "File of accepted bearer tokens, one per line (blank lines and # comments ignored):"
              + " requests without one get 401 / UNAUTHENTICATED; health endpoints stay open"
              + " (from ADAPT_CLIENT_AUTH_TOKENS when set). Re-read every minute.")
  Path tokens;

  public ClientApiSecurity security() {
    return new ClientApiSecurity(certificate, privateKey, tokens);
  }

  /** Sets what these options describe. */
  public DispatcherSettings.Builder apply(DispatcherSettings.Builder base) {
    return base.clientSecurity(security());
  }
}
