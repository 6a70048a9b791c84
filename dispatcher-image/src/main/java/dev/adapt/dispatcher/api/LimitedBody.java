package dev.adapt.dispatcher.api;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body of at most a given size without holding a thread while it waits. A body over
 * the size is read on and dropped, up to a bound, before the refusal is sent: a server that answers
 * and closes while the client still writes makes the client's kernel receive a reset, which
 * discards the answer unread, so the client would see a broken connection instead of the 413. Past
 * the bound the refusal goes out anyway, so a huge body costs at most the bound.
 */
final class LimitedBody {
  /** What a refused body may still cost the dispatcher to read and drop. */
  static final long DRAIN_BOUND_BYTES = 16L * 1024 * 1024;

  private static final int INITIAL_BYTES = 64 * 1024;

  /** What became of the body. Called once, on a thread that may block. */
  interface Outcome {
    void read(byte[] body);

    void tooLarge();

    void failed(Throwable error);
  }

  private final Content.Source source;
  private final int maxBytes;
  private final Outcome outcome;
  private final Executor executor;
  private byte[] buffer;
  private int size;
  private boolean over;
  private long dropped;

  private LimitedBody(Request request, int maxBytes, Outcome outcome) {
    this.source = request;
    this.maxBytes = maxBytes;
    this.outcome = outcome;
    this.executor = request.getContext();
    long declared = request.getLength();
    this.over = declared > maxBytes;
    this.buffer =
        new byte[over ? 0 : (int) (declared >= 0 ? declared : Math.min(INITIAL_BYTES, maxBytes))];
  }

  /** Reads the body of {@code request}; decoding may take a while, so the outcome runs pooled. */
  static void read(Request request, int maxBytes, Outcome outcome) {
    new LimitedBody(request, maxBytes, outcome).next();
  }

  private void next() {
    while (true) {
      Content.Chunk chunk = source.read();
      if (chunk == null) {
        source.demand(this::next);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        Throwable failure = chunk.getFailure();
        executor.execute(() -> outcome.failed(failure));
        return;
      }
      take(chunk.getByteBuffer());
      boolean last = chunk.isLast();
      chunk.release();
      if (last || (over && dropped > DRAIN_BOUND_BYTES)) {
        finish();
        return;
      }
    }
  }

  private void take(ByteBuffer data) {
    int length = data.remaining();
    if (!over && (long) size + length > maxBytes) {
      over = true;
      dropped = size;
      buffer = null;
    }
    if (over) {
      dropped += length;
      return;
    }
    if (size + length > buffer.length) {
      buffer =
          Arrays.copyOf(
              buffer, (int) Math.min(maxBytes, Math.max(2L * buffer.length, size + length)));
    }
    data.get(buffer, size, length);
    size += length;
  }

  private void finish() {
    if (over) {
      executor.execute(outcome::tooLarge);
    } else {
      byte[] body = size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
      executor.execute(() -> outcome.read(body));
    }
  }
}
