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
 */
public record LoadFailureRecord(long generation, String model, String dispatcher, String error) {

  public LoadFailureRecord {
    Objects.requireNonNull(error, "error");
  }
}
