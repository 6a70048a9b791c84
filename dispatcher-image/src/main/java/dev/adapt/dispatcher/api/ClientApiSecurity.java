package dev.adapt.dispatcher.api;

import java.nio.file.Path;

/**
 * How the client API (OIP REST and gRPC) is secured: TLS with a certificate and PKCS#8 key in PEM
 * files, and bearer tokens listed in a file. Each part is off when its files are null.
 *
 * @param certificate the certificate chain the client API presents (PEM), or null for plain text
 * @param privateKey its PKCS#8 private key (PEM), or null for plain text
 * @param tokens a file of accepted bearer tokens, one per line, or null to let every client call
 */
public record ClientApiSecurity(Path certificate, Path privateKey, Path tokens) {
  public static final ClientApiSecurity NONE = new ClientApiSecurity(null, null, null);

  public ClientApiSecurity {
    if ((certificate == null) != (privateKey == null)) {
      throw new IllegalArgumentException(
          "client TLS needs both a certificate and a private key, got "
              + (certificate == null ? "only a key" : "only a certificate"));
    }
  }

  public boolean tls() {
    return certificate != null;
  }

  public boolean tokensRequired() {
    return tokens != null;
  }
}
