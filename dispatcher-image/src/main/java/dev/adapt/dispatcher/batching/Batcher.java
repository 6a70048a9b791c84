package dev.adapt.dispatcher.batching;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import dev.adapt.dispatcher.requests.InferenceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission control and dynamic batching. Requests wait in a bounded queue; one thread takes a free
 * in-flight slot, then merges queued requests (same row shape) up to the maximum batch size,
 * waiting at most the maximum queue delay for more. While every slot is busy the queue fills, so
 * batches grow with load. Requests of different lanes (the plan generation they were admitted
 * under) are never merged. Each request gets exactly one completion: its rows of the batch output,
 * or an error, or DEADLINE when its deadline passes first.
 */
public final class Batcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Batcher.class);

  private final BatchRunner runner;
  private final BatchingConfig config;
  private final DispatcherMetrics metrics;
  private final BlockingQueue<PendingRequest> queue;
  private final Slots slots;
  private volatile int maxInFlight;
  private final ScheduledThreadPoolExecutor timers;
  private final AtomicLong batchIds = new AtomicLong();
  private final Thread loop;
  private volatile boolean running = true;
  private PendingRequest carried;

  public Batcher(BatchRunner runner, BatchingConfig config, DispatcherMetrics metrics) {
    this.runner = runner;
    this.config = config;
    this.metrics = metrics;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.maxInFlight = config.maxInFlightBatches();
    this.slots = new Slots(maxInFlight);
    this.timers = new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("batcher-timer"));
    timers.setRemoveOnCancelPolicy(true);
    metrics.queueDepth(queue::size);
    metrics.inFlightBatches(() -> maxInFlight - slots.availablePermits());
    this.loop = NamedThreads.daemon("batcher").newThread(this::batchLoop);
    loop.start();
  }

  /** Admits a request or refuses it at once when the queue is full. */
  public CompletableFuture<HostTensor> submit(String id, HostTensor input, Duration timeout) {
    return submit(id, input, timeout, 0);
  }

  /** Admits a request of a lane (batched only with requests of the same lane). */
  public CompletableFuture<HostTensor> submit(
      String id, HostTensor input, Duration timeout, long lane) {
    if (!running) {
      throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "server is shutting down");
    }
    long now = System.nanoTime();
    Duration effective = timeout == null ? config.defaultTimeout() : timeout;
    PendingRequest request = new PendingRequest(id, input, lane, now, now + effective.toNanos());
    if (!queue.offer(request)) {
      metrics.rejected();
      throw new InferenceException(
          InferenceException.Kind.QUEUE_FULL,
          "queue full (" + config.queueCapacity() + " requests waiting); retry later");
    }
    ScheduledFuture<?> timer =
        timers.schedule(
            () ->
                request.result.completeExceptionally(
                    new InferenceException(
                        InferenceException.Kind.DEADLINE,
                        "deadline of " + effective.toMillis() + " ms exceeded")),
            effective.toNanos(),
            TimeUnit.NANOSECONDS);
    request.result.whenComplete(
        (output, error) -> {
          timer.cancel(false);
          metrics.requestDone(System.nanoTime() - request.admittedNanos, error);
        });
    return request.result;
  }

  private void batchLoop() {
    while (running) {
      try {
        slots.acquire();
        Batch batch = null;
        try {
          batch = collect();
        } finally {
          if (batch == null) {
            slots.release();
          }
        }
        if (batch != null) {
          dispatch(batch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("batching failed", e);
      }
    }
  }

  /** Collects the next batch, or returns null when nothing live arrived in a while. */
  private Batch collect() throws InterruptedException {
    PendingRequest first = nextLive(100, TimeUnit.MILLISECONDS);
    if (first == null) {
      return null;
    }
    List<PendingRequest> members = new ArrayList<>();
    members.add(first);
    int rows = first.rows();
    long[] rowShape = rowShape(first.input);
    long until = System.nanoTime() + config.maxQueueDelay().toNanos();
    while (rows < config.maxBatchSize()) {
      long wait = until - System.nanoTime();
      PendingRequest next = nextLive(Math.max(0, wait), TimeUnit.NANOSECONDS);
      if (next == null) {
        break;
      }
      if (rows + next.rows() > config.maxBatchSize()
          || next.lane != first.lane
          || !Arrays.equals(rowShape, rowShape(next.input))) {
        carried = next;
        break;
      }
      members.add(next);
      rows += next.rows();
    }
    return new Batch("b" + batchIds.incrementAndGet(), first.lane, members);
  }

  private PendingRequest nextLive(long timeout, TimeUnit unit) throws InterruptedException {
    long until = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      PendingRequest next;
      if (carried != null) {
        next = carried;
        carried = null;
      } else {
        long wait = until - System.nanoTime();
        next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
      }
      if (next == null || !next.done()) {
        return next;
      }
    }
  }

  private static long[] rowShape(HostTensor tensor) {
    long[] shape = tensor.shape();
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  private void dispatch(Batch batch) {
    metrics.batchSize(batch.rows());
    CompletableFuture<HostTensor> outcome;
    try {
      outcome = runner.run(batch);
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    outcome.whenComplete(
        (output, error) -> {
          slots.release();
          if (error != null) {
            InferenceException failure = InferenceException.from(error);
            batch.requests().forEach(r -> r.result.completeExceptionally(failure));
          } else {
            split(batch, output);
          }
        });
  }

  private static void split(Batch batch, HostTensor output) {
    if (output.rank() == 0 || output.dim(0) != batch.rows()) {
      InferenceException failure =
          new InferenceException(
              InferenceException.Kind.INTERNAL,
              "model returned "
                  + output
                  + " for a batch of "
                  + batch.rows()
                  + " rows; cannot split it");
      batch.requests().forEach(r -> r.result.completeExceptionally(failure));
      return;
    }
    int row = 0;
    for (PendingRequest request : batch.requests()) {
      request.result.complete(output.batchSlice(row, row + request.rows()));
      row += request.rows();
    }
  }

  /**
   * Changes how many batches may travel at once (a new plan may have another number of stages).
   * Batches already in flight are not affected; above the new limit, no batch starts until enough
   * have come back.
   */
  public synchronized void maxInFlight(int batches) {
    if (batches < 1) {
      throw new IllegalArgumentException("at least one batch must be allowed in flight");
    }
    int delta = batches - maxInFlight;
    maxInFlight = batches;
    if (delta > 0) {
      slots.release(delta);
    } else if (delta < 0) {
      slots.reduce(-delta);
    }
  }

  /** A semaphore whose number of permits can shrink while some are taken. */
  private static final class Slots extends Semaphore {
    Slots(int permits) {
      super(permits);
    }

    void reduce(int permits) {
      reducePermits(permits);
    }
  }

  /**
   * Stops admitting, refuses what is still queued, and gives the batches in flight {@code grace} to
   * come back before their requests are failed too.
   */
  public void close(Duration grace) {
    running = false;
    loop.interrupt();
    try {
      loop.join(1000);
      InferenceException closed =
          new InferenceException(InferenceException.Kind.UNAVAILABLE, "server is shutting down");
      if (carried != null) {
        carried.result.completeExceptionally(closed);
      }
      for (PendingRequest left; (left = queue.poll()) != null; ) {
        left.result.completeExceptionally(closed);
      }
      int all = maxInFlight;
      if (slots.tryAcquire(all, grace.toMillis(), TimeUnit.MILLISECONDS)) {
        slots.release(all);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      timers.shutdownNow();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
