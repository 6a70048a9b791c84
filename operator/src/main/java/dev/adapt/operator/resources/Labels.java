package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recommended {@code app.kubernetes.io/*} labels that every owned object carries. Selectors use
 * the subset that identifies one component of one pipeline; informers select on the manager and
 * component.
 */
public final class Labels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String PART_OF = "app.kubernetes.io/part-of";

  public static final String MANAGER = "adapt-operator";
  public static final String PART_OF_VALUE = "adapt";

  /** Hash of the pod template a worker pod was built from; pods with an old hash are replaced. */
  public static final String TEMPLATE_HASH = "adapt.dev/template-hash";

  /** Services of all components share one informer. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

  /** Informer label selectors, one per component (constants: annotations use them). */
  public static final String ETCD_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=etcd";

  public static final String DISPATCHER_SELECTOR =
      MANAGED_SELECTOR + "," + COMPONENT + "=dispatcher";
  public static final String WORKER_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=worker";
  public static final String PEER_TLS_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=peer-tls";

  private Labels() {}

  /** All labels of an object of {@code component} belonging to {@code pipeline}. */
  public static Map<String, String> of(InferencePipeline pipeline, Component component) {
    Map<String, String> labels = new LinkedHashMap<>(selector(pipeline, component));
    labels.put(MANAGED_BY, MANAGER);
    labels.put(PART_OF, PART_OF_VALUE);
    return labels;
  }

  /** The labels that select the pods of {@code component} of {@code pipeline}. */
  public static Map<String, String> selector(InferencePipeline pipeline, Component component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, component.appName());
    labels.put(INSTANCE, pipeline.getMetadata().getName());
    labels.put(COMPONENT, component.label());
    return labels;
  }
}
