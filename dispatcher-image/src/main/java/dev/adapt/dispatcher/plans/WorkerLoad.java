package dev.adapt.dispatcher.plans;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the dispatcher knows about each worker regardless of the plan it serves: batches in flight
 * on it and whether it is quarantined. Shared by the replica tables of all plan generations.
 */
final class WorkerLoad {
  final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
  final Map<String, Quarantine> quarantined = new ConcurrentHashMap<>();

  record Quarantine(long incarnation, long untilNanos) {}
}
