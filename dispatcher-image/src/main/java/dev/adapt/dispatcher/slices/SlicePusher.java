package dev.adapt.dispatcher.slices;

import com.google.protobuf.ByteString;
import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.dispatcher.plans.StageSlice;
import dev.adapt.dispatcher.routing.WorkerChannels;
import dev.adapt.proto.v1.LoadSliceReply;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceHeader;
import dev.adapt.proto.v1.SliceOffer;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives workers their slices, once per worker process and slice: it first offers the hash (a worker
 * that holds it already skips the transfer), then streams the bytes in chunks. A refused
 * (DATA_LOSS) or broken transfer is sent again, a bounded number of times with growing pauses.
 */
public final class SlicePusher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlicePusher.class);

  private record Key(String workerId, long incarnation, String sha256) {}

  private final WorkerChannels channels;
  private final String pipeline;
  private final int chunkBytes;
  private final int maxAttempts;
  private final Duration transferTimeout;
  private final Map<Key, Push> pushes = new ConcurrentHashMap<>();
  private final AtomicInteger transfers = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final ExecutorService executor =
      Executors.newFixedThreadPool(2, NamedThreads.daemon("slice-push"));
  private volatile boolean closed;

  public SlicePusher(
      WorkerChannels channels,
      String pipeline,
      int chunkBytes,
      int maxAttempts,
      Duration transferTimeout) {
    this.channels = channels;
    this.pipeline = pipeline;
    this.chunkBytes = chunkBytes;
    this.maxAttempts = maxAttempts;
    this.transferTimeout = transferTimeout;
  }

  /**
   * Makes sure the worker process holds the slice. Completes with true once it does (whether it was
   * sent or already held), false when every attempt failed. While a push runs, and for a short
   * while after it succeeded (until the worker's announcement shows the slice), further calls
   * return the same push; later calls push again, e.g. after the worker evicted the slice.
   */
  public synchronized CompletableFuture<Boolean> ensure(
      String workerId, String address, long incarnation, StageSlice slice, long planGeneration) {
    Key key = new Key(workerId, incarnation, slice.sha256());
    Push existing = pushes.get(key);
    if (existing != null && existing.current()) {
      return existing.result;
    }
    Push push = new Push();
    pushes.put(key, push);
    executor.execute(
        () -> {
          boolean held = pushWithRetries(workerId, address, incarnation, slice, planGeneration);
          push.doneNanos = System.nanoTime();
          push.result.complete(held);
        });
    return push.result;
  }

  /** One push and when it ended. */
  private static final class Push {
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    final CompletableFuture<Boolean> result = new CompletableFuture<>();
    volatile long doneNanos;

    /** Still running, or succeeded so recently that the announcement may lag behind. */
    boolean current() {
      return !result.isDone() || (result.join() && System.nanoTime() - doneNanos < SETTLE_NANOS);
    }
  }

  /** How many transfers (not offers) were started, retries included. */
  public int transfers() {
    return transfers.get();
  }

  /** How many transfers the receiving worker refused as corrupt (DATA_LOSS). */
  public int refusedTransfers() {
    return refused.get();
  }

  /** Forgets worker processes that are gone, so that their entries do not pile up. */
  public synchronized void forgetAllBut(java.util.Set<String> liveWorkerIds) {
    pushes
        .entrySet()
        .removeIf(
            entry ->
                !liveWorkerIds.contains(entry.getKey().workerId())
                    && entry.getValue().result.isDone());
  }

  private boolean pushWithRetries(
      String workerId, String address, long incarnation, StageSlice slice, long planGeneration) {
    for (int attempt = 1; attempt <= maxAttempts && !closed; attempt++) {
      ManagedChannel channel = channels.channel(address, incarnation);
      try {
        boolean held =
            WorkerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .offerSlice(
                    SliceOffer.newBuilder()
                        .setSha256(slice.sha256())
                        .setSizeBytes(slice.bytes().length)
                        .build())
                .getAlreadyLoaded();
        if (held) {
          log.info(
              "worker {} already holds slice {} of stage {}; no transfer",
              workerId,
              shortHash(slice.sha256()),
              slice.stage());
          return true;
        }
        transfers.incrementAndGet();
        long started = System.nanoTime();
        LoadSliceReply reply = transfer(channel, slice, planGeneration);
        log.info(
            "pushed slice {} of stage {} ({} bytes) to worker {} in {} ms (load {} ms)",
            shortHash(slice.sha256()),
            slice.stage(),
            slice.bytes().length,
            workerId,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
            Math.round(reply.getLoadMillis()));
        return true;
      } catch (RuntimeException | ExecutionException | TimeoutException e) {
        Status status = Status.fromThrowable(e);
        if (status.getCode() == Status.Code.DATA_LOSS) {
          refused.incrementAndGet();
        }
        if (status.getCode() == Status.Code.PERMISSION_DENIED) {
          // The worker judged the slice itself, not the transfer: sending it again cannot help.
          log.error(
              "worker {} refuses slice {} of stage {}: {}",
              workerId,
              shortHash(slice.sha256()),
              slice.stage(),
              status.getDescription());
          return false;
        }
        log.warn(
            "pushing slice {} of stage {} to worker {} failed (attempt {}/{}): {} {}",
            shortHash(slice.sha256()),
            slice.stage(),
            workerId,
            attempt,
            maxAttempts,
            status.getCode(),
            status.getDescription() != null ? status.getDescription() : e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try {
        Thread.sleep(Math.min(5000, 200L << (attempt - 1)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private LoadSliceReply transfer(ManagedChannel channel, StageSlice slice, long planGeneration)
      throws InterruptedException, ExecutionException, TimeoutException {
    CompletableFuture<LoadSliceReply> done = new CompletableFuture<>();
    byte[] bytes = slice.bytes();
    WorkerGrpc.newStub(channel)
        .withDeadlineAfter(transferTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .loadSlice(
            new ClientResponseObserver<SliceChunk, LoadSliceReply>() {
              private long offset;
              private boolean finished;
              private LoadSliceReply reply;

              @Override
              public void beforeStart(ClientCallStreamObserver<SliceChunk> requests) {
                requests.setOnReadyHandler(
                    () -> {
                      while (requests.isReady() && !finished) {
                        if (offset >= bytes.length && offset > 0) {
                          finished = true;
                          requests.onCompleted();
                          return;
                        }
                        int length = (int) Math.min(chunkBytes, bytes.length - offset);
                        SliceChunk.Builder message =
                            SliceChunk.newBuilder()
                                .setOffset(offset)
                                .setData(ByteString.copyFrom(bytes, (int) offset, length));
                        if (offset == 0) {
                          message.setHeader(
                              SliceHeader.newBuilder()
                                  .setSha256(slice.sha256())
                                  .setSizeBytes(bytes.length)
                                  .setPipeline(pipeline)
                                  .setStage(slice.stage())
                                  .setPlanGeneration(planGeneration));
                        }
                        requests.onNext(message.build());
                        offset += Math.max(length, 1);
                      }
                    });
              }

              @Override
              public void onNext(LoadSliceReply value) {
                reply = value;
              }

              @Override
              public void onError(Throwable error) {
                done.completeExceptionally(error);
              }

              @Override
              public void onCompleted() {
                done.complete(reply);
              }
            });
    try {
      return done.get(transferTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  static String shortHash(String sha256) {
    return sha256.length() > 12 ? sha256.substring(0, 12) : sha256;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
  }
}
