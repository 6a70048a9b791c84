package dev.adapt.dispatcher;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.plan.InvalidPartitioningException;
import dev.adapt.core.security.PeerTls;
import dev.adapt.dispatcher.planning.LoadFailures;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.planning.PipelineFactory.Resolution;
import dev.adapt.dispatcher.planning.PlanKeeper;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The dispatcher's container entry point. The partitioning comes from the flags, or else from the
 * pipeline's {@code spec} in etcd (written by the operator); the resolved plan is published to
 * etcd. A later spec generation is resolved in the background while the current plan serves, and
 * the dispatcher rolls onto it without a gap ({@link Replanner}). A spec that cannot be served is
 * published as a failed plan, and the dispatcher waits for the next one; a model that cannot be
 * loaded is reported under {@code loadFailure} before the process exits.
 */
@Command(
    name = "adapt-dispatcher",
    mixinStandardHelpOptions = true,
    description = {
      "Serves a model pipeline over the Open Inference Protocol (HTTP and gRPC).",
      "Without --model the partitioning request is the pipeline's spec in etcd."
    })
public final class DispatcherMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DispatcherMain.class);

  @Spec CommandSpec command;

  @Mixin ModelOptions model = new ModelOptions();

  @Mixin PartitioningOptions partitioning = new PartitioningOptions();

  @Option(names = "--pipeline", defaultValue = "default", description = "Pipeline name in etcd.")
  String pipeline;

  @Option(
      names = "--etcd",
      required = true,
      description =
          "etcd endpoints, comma-separated (http://host:port, or https://host:port with"
              + " --peer-tls-dir).")
  String etcd;

  @Option(
      names = "--peer-tls-dir",
      defaultValue = "${env:ADAPT_PEER_TLS_DIR}",
      description =
          "Directory with tls.crt, tls.key and ca.crt (a mounted TLS Secret): calls to workers"
              + " and to https:// etcd endpoints then present tls.crt and accept only servers"
              + " of that CA; re-read every minute (default: plaintext, or ADAPT_PEER_TLS_DIR"
              + " when set).")
  Path peerTlsDir;

  @Mixin ListenOptions listen = new ListenOptions("0.0.0.0");

  @Mixin ServingOptions serving = new ServingOptions();

  @Mixin ClientApiOptions clientApi = new ClientApiOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new DispatcherMain()).execute(args));
  }

  private final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    // SIGTERM: let the main thread shut down in order, and wait for it before the JVM halts.
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    stopped.await(20, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "dispatcher-shutdown"));
    try {
      return serve();
    } finally {
      stopped.countDown();
    }
  }

  private int serve() throws Exception {
    // A half-given TLS pair or a bad partitioning fails now, not after the model has loaded.
    clientApi.security();
    Optional<SpecRecord> fromFlags = specFromFlags();
    Optional<PeerTls> peerTls = PeerTls.fromDirectory(peerTlsDir);
    try (Membership membership =
        EtcdMembership.connect(EtcdSettings.of(etcd).withTls(peerTls), pipeline)) {
      SpecRecord spec = fromFlags.isPresent() ? fromFlags.get() : specFromEtcd(membership);
      ServedPipeline first = null;
      // Keeps a rejected plan published until a spec can be served; the dispatcher keeps its own.
      try (PlanKeeper rejected = new PlanKeeper(membership).start()) {
        while (spec != null && first == null) {
          Resolution resolution;
          try {
            resolution = PipelineFactory.resolve(spec);
          } catch (RuntimeException e) {
            // Exit: a restart tries again, which helps when the model appears later.
            LoadFailures.report(membership, spec, e);
            throw e;
          }
          if (resolution.valid()) {
            first = resolution.served();
          } else {
            rejected.publish(resolution.failed());
            log.error(
                "cannot serve spec generation {}: {}",
                spec.generation(),
                resolution.failed().error());
            if (fromFlags.isPresent()) {
              return 3;
            }
            spec = awaitNewSpec(membership, spec.generation());
          }
        }
      }
      if (first == null) {
        return 0;
      }
      DispatcherSettings settings =
          clientApi
              .apply(
                  serving.apply(
                      listen.apply(DispatcherSettings.builder(first.stageCount())).peerTls(peerTls),
                      first.stageCount()))
              .build();
      try (Dispatcher dispatcher = new Dispatcher(first, membership, settings).start();
          Replanner replanner =
              fromFlags.isEmpty()
                  ? new Replanner(
                          membership, dispatcher, spec.generation(), serving::maxInFlightFor)
                      .start()
                  : null) {
        stop.await();
      }
      return 0;
    }
  }

  /**
   * The partitioning request the flags make when they name a model; without one the request comes
   * from etcd, and the flags must not name a partitioning that would be ignored.
   */
  private Optional<SpecRecord> specFromFlags() {
    Optional<ModelSource> source = model.source();
    try {
      if (source.isEmpty()) {
        if (partitioning.given()) {
          throw new ParameterException(
              command.commandLine(),
              "--split-at and --stages need --model; without it the spec comes from etcd");
        }
        return Optional.empty();
      }
      return Optional.of(SpecRecord.of(source.get(), partitioning.partitioning(), 1));
    } catch (InvalidPartitioningException e) {
      throw new ParameterException(command.commandLine(), e.getMessage(), e);
    }
  }

  /** The partitioning request the operator wrote to etcd, once it is there. */
  private SpecRecord specFromEtcd(Membership membership) throws InterruptedException {
    log.info("no --model given; waiting for the spec of pipeline {} in etcd", pipeline);
    while (stop.getCount() > 0) {
      try {
        MembershipSnapshot snapshot =
            membership.await(s -> s.spec().isPresent(), Duration.ofSeconds(2));
        return snapshot.spec().orElseThrow();
      } catch (TimeoutException e) {
        log.debug("still waiting for the spec of pipeline {}", pipeline);
      }
    }
    return null;
  }

  /** The next spec generation, or null when the dispatcher is stopped first. */
  private SpecRecord awaitNewSpec(Membership membership, long generation)
      throws InterruptedException {
    while (stop.getCount() > 0) {
      try {
        return membership
            .await(
                s -> s.spec().map(spec -> spec.generation() != generation).orElse(false),
                Duration.ofSeconds(2))
            .spec()
            .orElseThrow();
      } catch (TimeoutException e) {
        log.debug("no new spec yet");
      }
    }
    return null;
  }
}
