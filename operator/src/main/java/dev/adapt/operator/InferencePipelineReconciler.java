package dev.adapt.operator;

import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.operator.certificates.PipelineCertificates;
import dev.adapt.operator.convergence.PartitioningRequest;
import dev.adapt.operator.convergence.PipelineFacts;
import dev.adapt.operator.convergence.SpecValidator;
import dev.adapt.operator.convergence.WorkerPlan;
import dev.adapt.operator.convergence.WorkerPlanner;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.dependent.DesiredState;
import dev.adapt.operator.dependent.DispatcherDeploymentDependent;
import dev.adapt.operator.dependent.DispatcherNetworkPolicyDependent;
import dev.adapt.operator.dependent.DispatcherReady;
import dev.adapt.operator.dependent.DispatcherServiceDependent;
import dev.adapt.operator.dependent.EtcdClientServiceDependent;
import dev.adapt.operator.dependent.EtcdNetworkPolicyDependent;
import dev.adapt.operator.dependent.EtcdNetworkPolicyWanted;
import dev.adapt.operator.dependent.EtcdPeerServiceDependent;
import dev.adapt.operator.dependent.EtcdReady;
import dev.adapt.operator.dependent.EtcdStatefulSetDependent;
import dev.adapt.operator.dependent.ManagedEtcd;
import dev.adapt.operator.dependent.MutualTlsWanted;
import dev.adapt.operator.dependent.NetworkPolicyWanted;
import dev.adapt.operator.dependent.PeerTlsSecretsDependent;
import dev.adapt.operator.dependent.Readiness;
import dev.adapt.operator.dependent.WorkerNetworkPolicyDependent;
import dev.adapt.operator.dependent.WorkerPodsDependent;
import dev.adapt.operator.membership.PipelineKeys;
import dev.adapt.operator.membership.PipelineMemberships;
import dev.adapt.operator.resources.DispatcherResources;
import dev.adapt.operator.resources.Labels;
import dev.adapt.operator.resources.Names;
import dev.adapt.operator.resources.PeerTlsSecrets;
import dev.adapt.operator.resources.WorkerPods;
import dev.adapt.operator.status.PipelineEvents;
import dev.adapt.operator.status.StatusCalculator;
import dev.adapt.operator.status.StatusUpdates;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles an {@link InferencePipeline}: validates the spec, asks the dispatcher for the
 * partitioning through etcd, decides worker pods and stage assignments ({@link WorkerPlanner}),
 * runs the workflow of owned objects, stores the assignments, and reports the status.
 *
 * <p>The workflow is invoked explicitly so that an invalid spec leaves what runs untouched.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "etcd-peers",
          type = EtcdPeerServiceDependent.class,
          reconcilePrecondition = ManagedEtcd.class,
          useEventSourceWithName = InferencePipelineReconciler.SERVICES),
      @Dependent(
          name = "etcd-client",
          type = EtcdClientServiceDependent.class,
          reconcilePrecondition = ManagedEtcd.class,
          useEventSourceWithName = InferencePipelineReconciler.SERVICES),
      @Dependent(
          name = "etcd",
          type = EtcdStatefulSetDependent.class,
          reconcilePrecondition = ManagedEtcd.class,
          dependsOn = "etcd-peers",
          readyPostcondition = EtcdReady.class),
      @Dependent(
          name = "dispatcher",
          type = DispatcherDeploymentDependent.class,
          readyPostcondition = DispatcherReady.class),
      @Dependent(
          name = "dispatcher-service",
          type = DispatcherServiceDependent.class,
          useEventSourceWithName = InferencePipelineReconciler.SERVICES),
      @Dependent(
          name = "peer-tls",
          type = PeerTlsSecretsDependent.class,
          reconcilePrecondition = MutualTlsWanted.class),
      @Dependent(name = "workers", type = WorkerPodsDependent.class),
      @Dependent(
          name = "worker-network-policy",
          type = WorkerNetworkPolicyDependent.class,
          reconcilePrecondition = NetworkPolicyWanted.class,
          useEventSourceWithName = InferencePipelineReconciler.NETWORK_POLICIES),
      @Dependent(
          name = "dispatcher-network-policy",
          type = DispatcherNetworkPolicyDependent.class,
          reconcilePrecondition = NetworkPolicyWanted.class,
          useEventSourceWithName = InferencePipelineReconciler.NETWORK_POLICIES),
      @Dependent(
          name = "etcd-network-policy",
          type = EtcdNetworkPolicyDependent.class,
          reconcilePrecondition = EtcdNetworkPolicyWanted.class,
          useEventSourceWithName = InferencePipelineReconciler.NETWORK_POLICIES)
    })
@ControllerConfiguration(
    name = "inferencepipeline",
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 60, timeUnit = TimeUnit.SECONDS))
public class InferencePipelineReconciler
    implements Reconciler<InferencePipeline>, Cleaner<InferencePipeline> {

  static final String SERVICES = "services";
  static final String NETWORK_POLICIES = "network-policies";
  private static final Logger log = LoggerFactory.getLogger(InferencePipelineReconciler.class);

  /** How long deletion waits for an unreachable external etcd before leaving its keys. */
  private static final Duration KEY_CLEANUP_PATIENCE = Duration.ofMinutes(2);

  private final OperatorConfig config;
  private final PipelineMemberships memberships;
  private final Clock clock;

  public InferencePipelineReconciler(OperatorConfig config) {
    this(config, Clock.systemUTC());
  }

  InferencePipelineReconciler(OperatorConfig config, Clock clock) {
    this.config = config;
    this.memberships = new PipelineMemberships(config.etcdEndpoints());
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, InferencePipeline>> prepareEventSources(
      EventSourceContext<InferencePipeline> context) {
    var services =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Service.class, InferencePipeline.class)
                .withName(SERVICES)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .build(),
            context);
    var networkPolicies =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NetworkPolicy.class, InferencePipeline.class)
                .withName(NETWORK_POLICIES)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .build(),
            context);
    return List.of(services, networkPolicies, memberships);
  }

  @Override
  public UpdateControl<InferencePipeline> reconcile(
      InferencePipeline pipeline, Context<InferencePipeline> context) {
    List<String> problems = SpecValidator.problems(pipeline, config);
    if (!problems.isEmpty()) {
      return StatusUpdates.patchIfChanged(
          pipeline,
          StatusCalculator.invalid(pipeline, problems, clock.instant()),
          context.getClient());
    }
    Optional<PipelineCertificates> certificates =
        PeerTlsSecrets.wanted(pipeline)
            ? Optional.of(
                PipelineCertificates.decide(pipeline, peerTlsSecrets(context), clock.instant()))
            : Optional.empty();
    Membership membership = memberships.of(pipeline, certificates);
    MembershipSnapshot snapshot = membership.snapshot();
    Optional<MembershipSnapshot> read = Optional.of(snapshot).filter(MembershipSnapshot::synced);
    long specGeneration = read.map(s -> requestPlan(pipeline, s, membership)).orElse(0L);

    WorkerPods.Template template = WorkerPods.template(pipeline, config.workerImageFor(pipeline));
    List<Pod> pods =
        context
            .getSecondaryResourcesAsStream(Pod.class)
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    Optional<Deployment> dispatcher = context.getSecondaryResource(Deployment.class);
    WorkerPlan plan =
        WorkerPlanner.plan(
            PipelineFacts.of(
                pipeline,
                specGeneration,
                read,
                pods,
                template.hash(),
                dispatcher.map(Readiness::rolledOut).orElse(false)));
    new DesiredState(
            config.etcdImageFor(pipeline),
            config.dispatcherImageFor(pipeline),
            template,
            plan.podNames(),
            certificates.map(PipelineCertificates::secrets).orElse(List.of()),
            config.operatorNamespace())
        .putInto(context);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    plan.assignments().ifPresent(membership::applyAssignments);

    var observed =
        new StatusCalculator.Observed(
            pipeline,
            PipelineFacts.layout(pipeline.getSpec()),
            specGeneration,
            read,
            plan,
            pods,
            dispatcher.map(Readiness::ofDeployment).orElse(false),
            etcdWait(pipeline, context),
            DispatcherResources.endpoint(pipeline),
            clock.instant());
    return StatusUpdates.patchIfChanged(
        pipeline, StatusCalculator.compute(observed), context.getClient());
  }

  @Override
  public ErrorStatusUpdateControl<InferencePipeline> updateErrorStatus(
      InferencePipeline pipeline, Context<InferencePipeline> context, Exception e) {
    return StatusUpdates.failed(pipeline, e, clock.instant());
  }

  /**
   * Managed etcd goes with its StatefulSet; an external etcd keeps the pipeline's keys unless they
   * are deleted here.
   */
  @Override
  public DeleteControl cleanup(InferencePipeline pipeline, Context<InferencePipeline> context) {
    memberships.forget(pipeline);
    if (pipeline.getSpec() != null && pipeline.getSpec().getEtcd().usesExternal()) {
      PipelineKeys.deleteOnDeletion(
              config.etcdEndpoints().forOperator(pipeline),
              Names.pipelineId(pipeline),
              Instant.parse(pipeline.getMetadata().getDeletionTimestamp()),
              clock.instant(),
              KEY_CLEANUP_PATIENCE)
          .ifPresent(
              left -> PipelineEvents.warning(context.getClient(), pipeline, "EtcdKeysLeft", left));
    }
    return DeleteControl.defaultDelete();
  }

  /** Stores the partitioning request when it changed; returns the generation it asks for. */
  private static long requestPlan(
      InferencePipeline pipeline, MembershipSnapshot snapshot, Membership membership) {
    SpecRecord next =
        PartitioningRequest.next(
            pipeline.getSpec(),
            snapshot.spec(),
            PartitioningRequest.generationWithoutStored(pipeline));
    if (!snapshot.spec().equals(Optional.of(next))) {
      log.info("Requesting plan generation {}: {}", next.generation(), next);
      membership.putSpec(next);
    }
    return next.generation();
  }

  private static Map<String, Secret> peerTlsSecrets(Context<InferencePipeline> context) {
    return context
        .getSecondaryResourcesAsStream(Secret.class)
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity()));
  }

  private static Optional<String> etcdWait(
      InferencePipeline pipeline, Context<InferencePipeline> context) {
    boolean ready =
        pipeline.getSpec().getEtcd().usesExternal()
            || context
                .getSecondaryResource(StatefulSet.class)
                .map(Readiness::ofStatefulSet)
                .orElse(false);
    return ready
        ? Optional.empty()
        : Optional.of("waiting for the etcd StatefulSet " + Names.etcd(pipeline) + " to be ready");
  }
}
