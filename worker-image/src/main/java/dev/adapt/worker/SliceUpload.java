package dev.adapt.worker;

import com.google.protobuf.ByteString;
import dev.adapt.core.security.DisallowedOpException;
import dev.adapt.proto.v1.LoadSliceReply;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceHeader;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one slice over a {@code LoadSlice} stream: checks that chunks arrive in order and add up
 * to the announced size, hashes them as they come, and loads the slice only when the SHA-256
 * matches. Anything lost, reordered, truncated or altered is refused with DATA_LOSS, which tells
 * the sender to send it again. A slice the worker already holds is acknowledged at once without
 * reading the rest.
 */
final class SliceUpload implements StreamObserver<SliceChunk> {
  private static final Logger LOG = LoggerFactory.getLogger(SliceUpload.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final StreamObserver<LoadSliceReply> reply;
  private final SliceStore store;
  private final SliceInstaller installer;
  private final WorkerMetrics metrics;
  private final long maxSliceBytes;
  private final long startNanos = System.nanoTime();
  private final MessageDigest digest;
  private SliceHeader header;
  private byte[] buffer;
  private int received;
  private boolean finished;

  SliceUpload(
      StreamObserver<LoadSliceReply> reply,
      SliceStore store,
      SliceInstaller installer,
      WorkerMetrics metrics,
      long maxSliceBytes) {
    this.reply = reply;
    this.store = store;
    this.installer = installer;
    this.metrics = metrics;
    this.maxSliceBytes = maxSliceBytes;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  @Override
  public void onNext(SliceChunk chunk) {
    if (finished) {
      return;
    }
    if (header == null) {
      if (!chunk.hasHeader()) {
        fail("invalid", Status.INVALID_ARGUMENT, "the first chunk must carry the slice header");
        return;
      }
      if (!acceptHeader(chunk.getHeader())) {
        return;
      }
    } else if (chunk.hasHeader()) {
      fail("invalid", Status.INVALID_ARGUMENT, "only the first chunk may carry a header");
      return;
    }
    ByteString data = chunk.getData();
    if (chunk.getOffset() != received) {
      fail(
          "corrupt",
          Status.DATA_LOSS,
          "chunk at offset "
              + chunk.getOffset()
              + " arrived where offset "
              + received
              + " was expected (chunks lost or reordered)");
      return;
    }
    if ((long) received + data.size() > buffer.length) {
      fail(
          "corrupt",
          Status.DATA_LOSS,
          "slice runs past its announced "
              + buffer.length
              + " bytes (chunk at offset "
              + received
              + " holds "
              + data.size()
              + ")");
      return;
    }
    data.copyTo(buffer, received);
    digest.update(buffer, received, data.size());
    received += data.size();
  }

  @Override
  public void onError(Throwable error) {
    finished = true;
    buffer = null;
    LOG.debug("slice transfer aborted by the sender: {}", error.toString());
  }

  @Override
  public void onCompleted() {
    if (finished) {
      return;
    }
    if (header == null) {
      fail("invalid", Status.INVALID_ARGUMENT, "the slice stream carried no chunks");
      return;
    }
    if (received != buffer.length) {
      fail(
          "corrupt",
          Status.DATA_LOSS,
          "slice "
              + header.getSha256()
              + " is truncated: received "
              + received
              + " of "
              + buffer.length
              + " bytes");
      return;
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(header.getSha256())) {
      fail(
          "corrupt",
          Status.DATA_LOSS,
          "slice data hashes to "
              + actual
              + ", the header announced "
              + header.getSha256()
              + " (corrupted in transfer)");
      return;
    }
    finished = true;
    byte[] artifact = buffer;
    buffer = null;
    installer
        .install(actual, artifact)
        .whenComplete(
            (millis, error) -> {
              if (error == null) {
                metrics.sliceLoad("loaded", System.nanoTime() - startNanos);
                reply.onNext(
                    LoadSliceReply.newBuilder().setSha256(actual).setLoadMillis(millis).build());
                reply.onCompleted();
              } else {
                loadFailed(actual, error);
              }
            });
  }

  private boolean acceptHeader(SliceHeader candidate) {
    String sha256 = candidate.getSha256();
    if (!SHA256.matcher(sha256).matches()) {
      fail(
          "invalid",
          Status.INVALID_ARGUMENT,
          "slice header must name a lower-case hex SHA-256, got '" + sha256 + "'");
      return false;
    }
    if (candidate.getSizeBytes() <= 0 || candidate.getSizeBytes() > maxSliceBytes) {
      fail(
          "invalid",
          Status.INVALID_ARGUMENT,
          "slice size " + candidate.getSizeBytes() + " is outside 1.." + maxSliceBytes + " bytes");
      return false;
    }
    header = candidate;
    if (store.holds(sha256)) {
      finished = true;
      metrics.sliceLoad("skipped", System.nanoTime() - startNanos);
      LOG.debug("slice {} is already held; transfer skipped", sha256);
      reply.onNext(LoadSliceReply.newBuilder().setSha256(sha256).setAlreadyLoaded(true).build());
      reply.onCompleted();
      return false;
    }
    buffer = new byte[(int) candidate.getSizeBytes()];
    return true;
  }

  private void loadFailed(String sha256, Throwable error) {
    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
    if (cause instanceof RejectedExecutionException) {
      metrics.sliceLoad("rejected", System.nanoTime() - startNanos);
      reply.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription("too many slice loads queued; send " + sha256 + " again later")
              .asRuntimeException());
    } else if (cause instanceof DisallowedOpException refused) {
      metrics.sliceLoad("refused", System.nanoTime() - startNanos);
      refused.ops().stream()
          .map(DisallowedOpException.DisallowedOp::type)
          .distinct()
          .forEach(metrics::sliceRefused);
      LOG.warn("refused slice {}: {}", sha256, refused.getMessage());
      reply.onError(
          Status.PERMISSION_DENIED.withDescription(refused.getMessage()).asRuntimeException());
    } else if (cause instanceof IllegalArgumentException) {
      metrics.sliceLoad("invalid", System.nanoTime() - startNanos);
      reply.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "slice " + sha256 + " is not a valid slice artifact: " + cause.getMessage())
              .withCause(cause)
              .asRuntimeException());
    } else {
      LOG.warn("loading slice {} failed", sha256, cause);
      metrics.sliceLoad("failed", System.nanoTime() - startNanos);
      reply.onError(
          Status.INTERNAL
              .withDescription("loading slice " + sha256 + " failed: " + cause)
              .withCause(cause)
              .asRuntimeException());
    }
  }

  private void fail(String outcome, Status status, String message) {
    finished = true;
    buffer = null;
    metrics.sliceLoad(outcome, System.nanoTime() - startNanos);
    LOG.warn("refusing slice transfer: {}", message);
    reply.onError(status.withDescription(message).asRuntimeException());
  }
}
