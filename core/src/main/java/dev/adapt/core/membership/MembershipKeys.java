package dev.adapt.core.membership;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The etcd key schema of one pipeline. Everything lives under {@code /adapt/pipelines/<pipeline>/}:
 * {@code workers/<id>} (on the worker's lease), {@code assignments/<id>}, {@code plan}, {@code
 * serving}, {@code spec} and {@code loadFailure}.
 */
public final class MembershipKeys {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
  private static final String WORKERS = "workers/";
  private static final String ASSIGNMENTS = "assignments/";
  private static final String PLAN = "plan";
  private static final String SERVING = "serving";
  private static final String SPEC = "spec";
  private static final String LOAD_FAILURE = "loadFailure";

  private final String prefix;

  public MembershipKeys(String pipeline) {
    requireValidId(pipeline);
    this.prefix = "/adapt/pipelines/" + pipeline + "/";
  }

  /** Pipeline and worker ids become key segments: letters, digits, '.', '_' and '-'. */
  public static String requireValidId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "invalid id '"
              + id
              + "': use 1-253 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return id;
  }

  public String prefix() {
    return prefix;
  }

  public String worker(String workerId) {
    return prefix + WORKERS + requireValidId(workerId);
  }

  public String assignment(String workerId) {
    return prefix + ASSIGNMENTS + requireValidId(workerId);
  }

  public String plan() {
    return prefix + PLAN;
  }

  public String serving() {
    return prefix + SERVING;
  }

  public String spec() {
    return prefix + SPEC;
  }

  public String loadFailure() {
    return prefix + LOAD_FAILURE;
  }

  /** What a key under this pipeline's prefix names; empty for keys outside the schema. */
  public Optional<Key> parse(String key) {
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = key.substring(prefix.length());
    if (rest.equals(PLAN)) {
      return Optional.of(new Key(Kind.PLAN, null));
    }
    if (rest.equals(SERVING)) {
      return Optional.of(new Key(Kind.SERVING, null));
    }
    if (rest.equals(SPEC)) {
      return Optional.of(new Key(Kind.SPEC, null));
    }
    if (rest.equals(LOAD_FAILURE)) {
      return Optional.of(new Key(Kind.LOAD_FAILURE, null));
    }
    if (rest.startsWith(WORKERS)) {
      return idKey(Kind.WORKER, rest.substring(WORKERS.length()));
    }
    if (rest.startsWith(ASSIGNMENTS)) {
      return idKey(Kind.ASSIGNMENT, rest.substring(ASSIGNMENTS.length()));
    }
    return Optional.empty();
  }

  private static Optional<Key> idKey(Kind kind, String id) {
    return ID.matcher(id).matches() ? Optional.of(new Key(kind, id)) : Optional.empty();
  }

  public enum Kind {
    WORKER,
    ASSIGNMENT,
    PLAN,
    SERVING,
    SPEC,
    LOAD_FAILURE
  }

  /** A parsed key; {@code workerId} is set for workers and assignments. */
  public record Key(Kind kind, String workerId) {}
}
