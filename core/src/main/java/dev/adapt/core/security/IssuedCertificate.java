package dev.adapt.core.security;

import java.time.Instant;

/**
 * A certificate issued by a {@link CertificateAuthority} with its private key, both PEM-encoded
 * (the key as PKCS#8, which gRPC, Netty, Jetty and etcd all read).
 */
public record IssuedCertificate(String certificatePem, String privateKeyPem, Instant notAfter) {}
