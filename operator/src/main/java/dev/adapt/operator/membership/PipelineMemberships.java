package dev.adapt.operator.membership;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.Subscription;
import dev.adapt.operator.certificates.PipelineCertificates;
import dev.adapt.operator.certificates.PipelineCertificates.OperatorIdentity;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.EtcdEndpoints;
import dev.adapt.operator.resources.Names;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd membership of every pipeline, watched: a change that matters to the operator (a worker
 * registering, changing state or slices, or leaving; an assignment, plan, plan in service, spec or
 * load failure changing) triggers a reconciliation of its pipeline. Changes of a worker's in-flight
 * count do not. The watch may merge or skip snapshots: nothing the operator decides depends on
 * having seen one, since the plan in service is a record of its own ({@code serving}).
 *
 * <p>Each pipeline gets its own etcd client, because a managed etcd belongs to one pipeline.
 */
public final class PipelineMemberships
    extends AbstractEventSource<MembershipSnapshot, InferencePipeline>
    implements ResourceEventAware<InferencePipeline> {

  private static final Logger log = LoggerFactory.getLogger(PipelineMemberships.class);
  public static final String NAME = "etcd-membership";

  private final EtcdEndpoints endpoints;
  private final Map<ResourceID, Watched> watched = new ConcurrentHashMap<>();

  private record Watched(
      List<String> endpoints,
      Optional<OperatorIdentity> identity,
      EtcdMembership membership,
      Subscription subscription) {
    void close() {
      subscription.close();
      membership.close();
    }
  }

  public PipelineMemberships(EtcdEndpoints endpoints) {
    super(MembershipSnapshot.class, NAME);
    this.endpoints = endpoints;
  }

  /**
   * The membership of the pipeline, connecting to (or reconnecting to new) endpoints. Endpoints
   * that speak TLS are reached with a client certificate of the pipeline's CA, issued again when
   * the CA changes or the certificate is due for renewal.
   */
  public Membership of(InferencePipeline pipeline, Optional<PipelineCertificates> certificates) {
    ResourceID id = ResourceID.fromResource(pipeline);
    List<String> wanted = endpoints.forOperator(pipeline);
    Optional<PipelineCertificates> tls =
        certificates.filter(c -> wanted.stream().anyMatch(e -> e.startsWith("https://")));
    Instant now = Instant.now();
    return watched
        .compute(
            id,
            (key, current) -> {
              if (current != null && stillFits(current, wanted, tls, now)) {
                return current;
              }
              if (current != null) {
                log.info("Reconnecting to etcd {} (was {})", wanted, current.endpoints());
                current.close();
              }
              return watch(id, pipeline, wanted, tls.map(PipelineCertificates::operatorIdentity));
            })
        .membership();
  }

  private static boolean stillFits(
      Watched current, List<String> wanted, Optional<PipelineCertificates> tls, Instant now) {
    Optional<String> authority = tls.map(c -> c.authority().certificatePem());
    return current.endpoints().equals(wanted)
        && current.identity().map(OperatorIdentity::authorityPem).equals(authority)
        && current.identity().map(identity -> !identity.renewalDue(now)).orElse(true);
  }

  private Watched watch(
      ResourceID id,
      InferencePipeline pipeline,
      List<String> wanted,
      Optional<OperatorIdentity> identity) {
    EtcdMembership membership =
        EtcdMembership.connect(
            EtcdSettings.of(String.join(",", wanted)).withTls(identity.map(OperatorIdentity::tls)),
            Names.pipelineId(pipeline));
    AtomicReference<RelevantState> last = new AtomicReference<>();
    Subscription subscription =
        membership.subscribe(
            snapshot -> {
              RelevantState state = RelevantState.of(snapshot);
              if (!state.equals(last.getAndSet(state)) && isRunning()) {
                getEventHandler().handleEvent(new Event(id));
              }
            });
    return new Watched(wanted, identity, membership, subscription);
  }

  @Override
  public Set<MembershipSnapshot> getSecondaryResources(InferencePipeline primary) {
    Watched entry = watched.get(ResourceID.fromResource(primary));
    return entry == null ? Set.of() : Set.of(entry.membership().snapshot());
  }

  /** Stops watching a pipeline (its resource is gone). */
  public void forget(InferencePipeline pipeline) {
    Watched entry = watched.remove(ResourceID.fromResource(pipeline));
    if (entry != null) {
      entry.close();
    }
  }

  @Override
  public void onResourceDeleted(InferencePipeline resource) {
    forget(resource);
  }

  @Override
  public void stop() {
    super.stop();
    watched
        .keySet()
        .forEach(
            id ->
                watched.computeIfPresent(
                    id,
                    (k, entry) -> {
                      entry.close();
                      return null;
                    }));
  }
}
