package dev.adapt.core.membership;

/** Where a worker is in its life; only {@link #READY} workers are given batches. */
public enum WorkerState {
  /** The process is up but cannot serve yet. */
  STARTING,
  /** Serving: accepts slices and batches. */
  READY,
  /** Loading a slice; still serves the slices it held before. */
  LOADING,
  /** Shutting down: finishes what is in flight and takes nothing new. */
  DRAINING
}
