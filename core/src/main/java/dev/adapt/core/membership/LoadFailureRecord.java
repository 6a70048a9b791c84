package dev.adapt.core.membership;

import java.util.Objects;

/**
 * Why a dispatcher could not load the model of a spec generation: the value under {@code
 * loadFailure}. Kept apart from the {@code plan}: a load failure may be local to one dispatcher pod
 * (a model in a claim that pod does not mount), so it must neither replace a plan that another pod
 * published nor be taken for an invalid spec. Readers ignore it once a plan of its generation (or a
 * newer one) is published.
 *
 * @param generation the spec generation whose model could not be loaded
 * @param model the model URI of that spec
 * @param dispatcher the dispatcher that failed (its host name, the pod name in Kubernetes)
 * @param error what went wrong
 * @param internal true when the dispatcher failed for a reason of its own while planning or
 *     slicing, not because the model cannot be loaded: the operator must not blame the model for it
 *     (absent in records of older dispatchers, which read as false)
 */
public record LoadFailureRecord(
    long generation, String model, String dispatcher, String error, Boolean internal) {

  public LoadFailureRecord {
    Objects.requireNonNull(error, "error");
    // A boxed flag, so that records without it read as false rather than as malformed.
    internal = Boolean.TRUE.equals(internal);
  }

  /** A model that cannot be loaded. */
  public LoadFailureRecord(long generation, String model, String dispatcher, String error) {
    this(generation, model, dispatcher, error, false);
  }

  /** An internal error of the dispatcher while it resolved the spec. */
  public static LoadFailureRecord internal(
      long generation, String model, String dispatcher, String error) {
    return new LoadFailureRecord(generation, model, dispatcher, error, true);
  }
}
