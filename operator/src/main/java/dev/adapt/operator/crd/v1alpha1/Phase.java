package dev.adapt.operator.crd.v1alpha1;

/** The pipeline's lifecycle at a glance; the conditions carry the reasons. */
public enum Phase {
  /** Accepted, nothing deployed yet (or waiting for etcd). */
  Pending,
  /** Objects exist; workers, dispatcher or plan are not all ready yet. */
  Deploying,
  /** Every stage has its desired ready workers and the dispatcher serves. */
  Ready,
  /** Serving or about to, but with fewer ready workers than desired, or pod problems. */
  Degraded,
  /** The spec cannot be served as written (see the InvalidSpec condition). */
  Failed
}
