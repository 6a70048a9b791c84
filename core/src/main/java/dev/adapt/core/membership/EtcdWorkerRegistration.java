package dev.adapt.core.membership;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code workers/<id>} alive under a lease. One thread renews the lease every third of its
 * TTL; when etcd cannot be reached it keeps trying, and when the lease is gone (expired during an
 * outage, revoked, or etcd lost its data) it takes a new one and writes the record again. The
 * record is rewritten after every outage, so the stored value never lags behind.
 */
final class EtcdWorkerRegistration implements WorkerRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdWorkerRegistration.class);

  private final Client client;
  private final MembershipKeys keys;
  private final EtcdSettings settings;
  private final Consumer<EtcdWorkerRegistration> onClose;
  private final ScheduledExecutorService thread;
  private final long renewMillis;
  private volatile WorkerRecord record;
  private volatile boolean closed;
  // Touched only on the registration thread.
  private long leaseId;
  private boolean written;
  private boolean outage;

  EtcdWorkerRegistration(
      Client client,
      MembershipKeys keys,
      EtcdSettings settings,
      WorkerRecord record,
      Consumer<EtcdWorkerRegistration> onClose) {
    this.client = client;
    this.keys = keys;
    this.settings = settings;
    this.record = record;
    this.onClose = onClose;
    this.renewMillis = Math.max(200, settings.leaseTtlSeconds() * 1000 / 3);
    this.thread = DaemonThreads.single("etcd-registration-" + record.workerId());
  }

  void start() {
    thread.scheduleWithFixedDelay(this::renew, 0, renewMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public WorkerRecord current() {
    return record;
  }

  @Override
  public void update(WorkerRecord next) {
    if (!next.workerId().equals(record.workerId())) {
      throw new IllegalArgumentException(
          "registration of " + record.workerId() + " cannot announce " + next.workerId());
    }
    record = next;
    submit(
        () -> {
          written = false;
          writeIfNeeded();
        });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.shutdownNow();
    try {
      thread.awaitTermination(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long lease = leaseId;
    if (lease != 0) {
      // Revoking removes the key at once; if etcd is unreachable the lease simply expires.
      try {
        client
            .getLeaseClient()
            .revoke(lease)
            .get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("worker {} deregistered", record.workerId());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warn(
            "could not revoke the lease of worker {}; it expires in {}: {}",
            record.workerId(),
            settings.leaseTtl(),
            e.toString());
      }
    }
    onClose.accept(this);
  }

  private void submit(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException closing) {
      LOG.debug("registration of {} closed; update dropped", record.workerId());
    }
  }

  /** One round: obtain or renew the lease, then make sure the record is written. */
  private void renew() {
    if (closed) {
      return;
    }
    try {
      if (leaseId != 0 && !keepAlive()) {
        LOG.warn("lease of worker {} is gone; registering again", record.workerId());
        leaseId = 0;
      }
      if (leaseId == 0) {
        leaseId = call(client.getLeaseClient().grant(settings.leaseTtlSeconds())).getID();
        written = false;
      }
      writeIfNeeded();
      if (outage) {
        LOG.info("etcd reachable again; worker {} is registered", record.workerId());
        outage = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (isLeaseNotFound(e)) {
        LOG.warn("lease of worker {} is gone; registering again", record.workerId());
        leaseId = 0;
        submit(this::renew);
        return;
      }
      written = false;
      if (!outage) {
        LOG.warn(
            "cannot reach etcd {} to keep worker {} registered; retrying: {}",
            settings.endpoints(),
            record.workerId(),
            e.toString());
        outage = true;
      }
    }
  }

  /** Renews the lease; false when etcd says it no longer exists. */
  private boolean keepAlive() throws ExecutionException, TimeoutException, InterruptedException {
    try {
      return call(client.getLeaseClient().keepAliveOnce(leaseId)).getTTL() > 0;
    } catch (ExecutionException e) {
      if (isLeaseNotFound(e)) {
        return false;
      }
      throw e;
    }
  }

  private void writeIfNeeded() {
    if (written || leaseId == 0 || closed) {
      return;
    }
    WorkerRecord value = record;
    try {
      call(
          client
              .getKVClient()
              .put(
                  EtcdMembership.bytes(keys.worker(value.workerId())),
                  io.etcd.jetcd.ByteSequence.from(MembershipJson.write(value)),
                  PutOption.builder().withLeaseId(leaseId).build()));
      written = value == record;
      LOG.debug("worker {} announced {}", value.workerId(), value);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      if (isLeaseNotFound(e)) {
        leaseId = 0;
        submit(this::renew);
      }
      // Otherwise the next renewal round writes again.
      LOG.debug("could not write the record of worker {}: {}", value.workerId(), e.toString());
    }
  }

  private <T> T call(CompletableFuture<T> future)
      throws ExecutionException, TimeoutException, InterruptedException {
    try {
      return future.get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw e;
    }
  }

  private static boolean isLeaseNotFound(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof EtcdException etcd
          && (etcd.getErrorCode() == ErrorCode.NOT_FOUND
              || String.valueOf(etcd.getMessage()).contains("requested lease not found"))) {
        return true;
      }
    }
    return false;
  }
}
