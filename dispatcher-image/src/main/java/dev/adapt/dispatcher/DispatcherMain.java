package dev.adapt.dispatcher;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.security.PeerTls;
import dev.adapt.dispatcher.PipelineFactory.Resolution;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import picocli.CommandLine.Option;

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
    description = "Serves a model pipeline over the Open Inference Protocol (HTTP and gRPC).")
public final class DispatcherMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DispatcherMain.class);

  @Option(names = "--model", description = "builtin:resnet50 or a SavedModel path.")
  String model;

  @Option(names = "--signature", description = "SavedModel signature (default: serving_default).")
  String signature;

  @Option(
      names = "--split-at",
      split = ",",
      description = "Cut points, comma-separated (Keras layer or tensor names).")
  List<String> splitAt;

  @Option(names = "--stages", description = "Number of balanced stages.")
  Integer stages;

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

  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind.")
  String host;

  @Option(names = "--http-port", defaultValue = "8000", description = "OIP HTTP port.")
  int httpPort;

  @Option(names = "--grpc-port", defaultValue = "8001", description = "OIP gRPC port.")
  int grpcPort;

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
    // A half-given TLS pair fails now, not after the model has loaded.
    clientApi.security();
    Optional<PeerTls> peerTls = PeerTls.fromDirectory(peerTlsDir);
    try (Membership membership =
        EtcdMembership.connect(EtcdSettings.of(etcd).withTls(peerTls), pipeline)) {
      SpecRecord spec = spec(membership);
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
            if (model != null) {
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
                      DispatcherSettings.builder(first.stageCount())
                          .ports(host, httpPort, grpcPort)
                          .peerTls(peerTls),
                      first.stageCount()))
              .build();
      try (Dispatcher dispatcher = new Dispatcher(first, membership, settings).start();
          Replanner replanner =
              model == null
                  ? new Replanner(
                          membership, dispatcher, spec.generation(), serving::maxInFlightFor)
                      .start()
                  : null) {
        stop.await();
      }
      return 0;
    }
  }

  /** The partitioning request: from the flags when a model is given, else from etcd. */
  private SpecRecord spec(Membership membership) throws InterruptedException {
    if (model != null) {
      return new SpecRecord(model, signature, splitAt, splitAt == null ? stages : null, 1);
    }
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
