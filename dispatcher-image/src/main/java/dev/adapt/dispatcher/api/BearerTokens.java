package dev.adapt.dispatcher.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens the client API accepts, read from a file with one token per line (blank lines
 * and {@code #} comments ignored), as a Secret key mounted as a file holds them. A presented token
 * is compared with every accepted one through their SHA-256 digests in constant time, without
 * stopping at a match, so that neither the token's content nor its position in the list shows in
 * the time an answer takes. {@link #reload()} reads the file again (a rotated Secret).
 */
final class BearerTokens {
  private static final Logger log = LoggerFactory.getLogger(BearerTokens.class);
  private static final String SCHEME = "bearer ";

  private final Path file;
  private volatile List<byte[]> digests;

  private BearerTokens(Path file, List<byte[]> digests) {
    this.file = file;
    this.digests = digests;
  }

  /** Reads the tokens; a missing file or one that lists none fails at once. */
  static BearerTokens load(Path file) {
    List<byte[]> digests = read(file);
    if (digests.isEmpty()) {
      throw new IllegalArgumentException("the client auth tokens file lists no token: " + file);
    }
    return new BearerTokens(file, digests);
  }

  /**
   * Reads the file again. A file that cannot be read keeps the tokens in force (a Secret volume is
   * briefly absent while it is swapped); one that lists no token makes every request refused.
   */
  void reload() {
    List<byte[]> next;
    try {
      next = read(file);
    } catch (RuntimeException e) {
      log.warn("keeping the client auth tokens in force: {}", e.getMessage());
      return;
    }
    if (next.size() != digests.size() || !sameTokens(next, digests)) {
      if (next.isEmpty()) {
        log.warn("{} lists no token any more: every authorised request is refused", file);
      }
      log.info("client auth tokens reloaded from {}: {} tokens", file, next.size());
    }
    digests = next;
  }

  int size() {
    return digests.size();
  }

  /** Whether an {@code Authorization} header value ({@code Bearer <token>}) names a token. */
  boolean acceptsHeader(String authorization) {
    if (authorization == null
        || authorization.length() <= SCHEME.length()
        || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    return accepts(authorization.substring(SCHEME.length()).trim());
  }

  /** Whether {@code token} is one of the accepted tokens. */
  boolean accepts(String token) {
    byte[] presented = sha256(token);
    boolean match = false;
    for (byte[] accepted : digests) {
      // Non-short-circuit: every accepted token is compared, whichever matches.
      match |= MessageDigest.isEqual(accepted, presented);
    }
    return match && !token.isEmpty();
  }

  private static boolean sameTokens(List<byte[]> a, List<byte[]> b) {
    for (int i = 0; i < a.size(); i++) {
      if (!MessageDigest.isEqual(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static List<byte[]> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the client auth tokens file " + file, e);
    }
    List<byte[]> digests = new ArrayList<>();
    for (String line : lines) {
      String token = line.strip();
      if (!token.isEmpty() && !token.startsWith("#")) {
        digests.add(sha256(token));
      }
    }
    return List.copyOf(digests);
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
