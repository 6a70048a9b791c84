package dev.adapt.dispatcher.requests;

import io.grpc.Status;

/** A request that cannot be served, with the status both client protocols report for it. */
public final class InferenceException extends RuntimeException {

  /** Why a request failed; each kind maps to one HTTP status and one gRPC status. */
  public enum Kind {
    INVALID(400, Status.Code.INVALID_ARGUMENT),
    NOT_FOUND(404, Status.Code.NOT_FOUND),
    TOO_LARGE(413, Status.Code.RESOURCE_EXHAUSTED),
    QUEUE_FULL(429, Status.Code.RESOURCE_EXHAUSTED),
    UNAVAILABLE(503, Status.Code.UNAVAILABLE),
    DEADLINE(504, Status.Code.DEADLINE_EXCEEDED),
    INTERNAL(500, Status.Code.INTERNAL);

    private final int httpStatus;
    private final Status.Code grpcCode;

    Kind(int httpStatus, Status.Code grpcCode) {
      this.httpStatus = httpStatus;
      this.grpcCode = grpcCode;
    }

    public int httpStatus() {
      return httpStatus;
    }

    public Status.Code grpcCode() {
      return grpcCode;
    }
  }

  private final Kind kind;

  public InferenceException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static InferenceException invalid(String message) {
    return new InferenceException(Kind.INVALID, message);
  }

  /** The inference failure behind {@code error}, unwrapping completion wrappers. */
  public static InferenceException from(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof InferenceException inference) {
      return inference;
    }
    return new InferenceException(Kind.INTERNAL, String.valueOf(cause));
  }

  public Status toGrpcStatus() {
    return Status.fromCode(kind.grpcCode()).withDescription(getMessage());
  }
}
