package dev.adapt.core.membership;

import dev.adapt.core.concurrent.NamedThreads;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code workers/<id>} alive under a lease. Two threads: the keeper renews the lease every
 * third of its TTL, and nothing else, so that a slow write can never let the lease lapse; the
 * registrar obtains leases and writes the record. When etcd cannot be reached both keep trying;
 * when etcd says the lease is gone (expired during an outage, revoked, or etcd lost its data) the
 * registrar takes a new one and writes the record again. After every outage the record is
 * rewritten, so the stored value never lags behind, and every write is fenced by the revision it
 * overwrites, so that a late one cannot put an older record back.
 */
final class EtcdWorkerRegistration implements WorkerRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdWorkerRegistration.class);

  /** A write that finds the key changed adopts its revision and tries again, at most this often. */
  private static final int FENCED_WRITE_ATTEMPTS = 3;

  private final Client client;
  private final MembershipKeys keys;
  private final EtcdSettings settings;
  private final Consumer<EtcdWorkerRegistration> onClose;
  private final ScheduledExecutorService registrar;
  private final ScheduledExecutorService keeper;
  private final long renewMillis;
  private final AtomicLong leaseId = new AtomicLong();
  private final AtomicBoolean written = new AtomicBoolean();
  private final AtomicBoolean outage = new AtomicBoolean();

  /**
   * Mod revision of the record as this registration last saw it stored; 0 for no key. Only the
   * registrar thread reads and writes it.
   */
  private long storedRevision;

  private volatile WorkerRecord record;
  private volatile boolean closed;

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
    this.registrar =
        Executors.newSingleThreadScheduledExecutor(
            NamedThreads.daemon("etcd-registration-" + record.workerId()));
    this.keeper =
        Executors.newSingleThreadScheduledExecutor(
            NamedThreads.daemon("etcd-lease-" + record.workerId()));
  }

  void start() {
    registrar.scheduleWithFixedDelay(this::register, 0, renewMillis, TimeUnit.MILLISECONDS);
    keeper.scheduleWithFixedDelay(this::keepAlive, renewMillis, renewMillis, TimeUnit.MILLISECONDS);
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
    written.set(false);
    submit(this::register);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    keeper.shutdownNow();
    registrar.shutdownNow();
    try {
      registrar.awaitTermination(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long lease = leaseId.get();
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
      registrar.execute(task);
    } catch (RejectedExecutionException closing) {
      LOG.debug("registration of {} closed; update dropped", record.workerId());
    }
  }

  /** Registrar: obtain a lease if there is none, then write the record if it is not written. */
  private void register() {
    if (closed) {
      return;
    }
    try {
      if (leaseId.get() == 0) {
        long granted =
            call(
                    client.getLeaseClient().grant(settings.leaseTtlSeconds()),
                    settings.operationTimeout().toMillis())
                .getID();
        leaseId.set(granted);
        written.set(false);
      }
      if (!written.get()) {
        write(record);
      }
      if (outage.compareAndSet(true, false)) {
        LOG.info("etcd reachable again; worker {} is registered", record.workerId());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (isLeaseNotFound(e)) {
        leaseLost(leaseId.get());
      } else {
        unreachable(e);
      }
    }
  }

  /**
   * Writes the record only over the one this registration last saw stored. A write given up on
   * (timed out during an outage) can still reach etcd later, jetcd retrying it, after a newer one:
   * fenced by the mod revision it expected, it then finds that revision gone and changes nothing.
   * When the key was changed meanwhile (such a late write landed first, or the lease took the key
   * away) the stored revision is adopted and the current record written over it.
   */
  private void write(WorkerRecord value)
      throws ExecutionException, TimeoutException, InterruptedException {
    ByteSequence key = EtcdMembership.bytes(keys.worker(value.workerId()));
    for (int attempt = 1; attempt <= FENCED_WRITE_ATTEMPTS; attempt++) {
      TxnResponse response =
          call(
              client
                  .getKVClient()
                  .txn()
                  .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(storedRevision)))
                  .Then(
                      Op.put(
                          key,
                          ByteSequence.from(MembershipJson.write(value)),
                          PutOption.builder().withLeaseId(leaseId.get()).build()))
                  .Else(Op.get(key, GetOption.DEFAULT))
                  .commit(),
              settings.operationTimeout().toMillis());
      if (response.isSucceeded()) {
        storedRevision = response.getHeader().getRevision();
        // An update that raced with this write leaves its own write queued.
        written.compareAndSet(false, value == record);
        LOG.debug("worker {} announced {}", value.workerId(), value);
        return;
      }
      List<KeyValue> stored = response.getGetResponses().get(0).getKvs();
      storedRevision = stored.isEmpty() ? 0 : stored.get(0).getModRevision();
      LOG.debug(
          "record of worker {} changed under it (now at revision {}); writing it again",
          value.workerId(),
          storedRevision);
    }
  }

  /** Keeper: renew the lease; report a lost lease to the registrar. */
  private void keepAlive() {
    long lease = leaseId.get();
    if (closed || lease == 0) {
      return;
    }
    try {
      if (call(client.getLeaseClient().keepAliveOnce(lease), renewMillis).getTTL() <= 0) {
        leaseLost(lease);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (isLeaseNotFound(e)) {
        leaseLost(lease);
      } else {
        unreachable(e);
      }
    }
  }

  private void leaseLost(long lease) {
    if (lease != 0 && leaseId.compareAndSet(lease, 0)) {
      LOG.warn("lease of worker {} is gone; registering again", record.workerId());
      written.set(false);
      submit(this::register);
    }
  }

  private void unreachable(Exception e) {
    // Rewrite the record once etcd answers again, whatever happened meanwhile.
    written.set(false);
    if (outage.compareAndSet(false, true)) {
      LOG.warn(
          "cannot reach etcd {} to keep worker {} registered; retrying: {}",
          settings.endpoints(),
          record.workerId(),
          e.toString());
    }
  }

  private static <T> T call(CompletableFuture<T> future, long timeoutMillis)
      throws ExecutionException, TimeoutException, InterruptedException {
    try {
      return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
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
