package dev.adapt.worker;

import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the worker is and does right now: state, held slices, batches in flight. The facts every
 * announcement (etcd record, {@code Status} reply, health) is made of.
 */
final class WorkerLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerLifecycle.class);

  private final String workerId;
  private volatile String address;
  private final String device;
  private final long startedAt;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final List<Consumer<WorkerRecord>> listeners = new CopyOnWriteArrayList<>();
  private volatile WorkerState state = WorkerState.STARTING;
  private volatile List<String> slices = List.of();
  private int loading;

  WorkerLifecycle(String workerId, String address, String device, long startedAt) {
    this.workerId = workerId;
    this.address = address;
    this.device = device;
    this.startedAt = startedAt;
  }

  /** Set once the server listens, when the port is known. */
  void address(String hostAndPort) {
    address = hostAndPort;
  }

  String workerId() {
    return workerId;
  }

  WorkerState state() {
    return state;
  }

  /** Called with the new record on every change of state or held slices. */
  void onChange(Consumer<WorkerRecord> listener) {
    listeners.add(listener);
  }

  WorkerRecord record() {
    return new WorkerRecord(workerId, address, device, state, slices, outstanding.get(), startedAt);
  }

  void ready() {
    transition(WorkerState.READY);
  }

  void draining() {
    transition(WorkerState.DRAINING);
  }

  /** A slice load begins: LOADING until the last concurrent load ends. */
  synchronized void loadStarted() {
    loading++;
    if (state == WorkerState.READY) {
      transition(WorkerState.LOADING);
    }
  }

  synchronized void loadEnded() {
    loading--;
    if (loading == 0 && state == WorkerState.LOADING) {
      transition(WorkerState.READY);
    }
  }

  void slicesChanged(List<String> held) {
    slices = List.copyOf(held);
    publish();
  }

  int batchStarted() {
    return outstanding.incrementAndGet();
  }

  void batchEnded() {
    outstanding.decrementAndGet();
  }

  int outstanding() {
    return outstanding.get();
  }

  private synchronized void transition(WorkerState next) {
    if (state == next || state == WorkerState.DRAINING) {
      return;
    }
    LOG.info("worker {} is {}", workerId, next);
    state = next;
    publish();
  }

  private void publish() {
    WorkerRecord record = record();
    for (Consumer<WorkerRecord> listener : listeners) {
      listener.accept(record);
    }
  }
}
