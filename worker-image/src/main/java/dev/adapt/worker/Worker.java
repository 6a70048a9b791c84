package dev.adapt.worker;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerRegistration;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running worker: gRPC server (worker service and health), compute and loader pools, peer
 * channels, metrics and, with etcd, its registration. {@link #close()} shuts down in order:
 * announce DRAINING, stop taking calls and let in-flight batches finish (then cut them off), stop
 * the pools, withdraw the registration, release the slices.
 */
public final class Worker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final int GRPC_THREADS = 4;
  private static final int LOAD_QUEUE = 4;

  private final WorkerSettings settings;
  private final WorkerLifecycle lifecycle;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ExecutorService grpcExecutor;
  private final ThreadPoolExecutor compute;
  private final ThreadPoolExecutor loader;
  private final ScheduledExecutorService refresher;
  private final PeerChannels peers;
  private final SliceStore store;
  private final HealthStatusManager health = new HealthStatusManager();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Server server;
  private Server healthServer;
  private MetricsHttpServer metricsServer;
  private Membership membership;
  private WorkerRegistration registration;
  private boolean closed;

  private Worker(
      WorkerSettings settings, String device, Function<String, ManagedChannelBuilder<?>> channels) {
    this.settings = settings;
    this.lifecycle =
        new WorkerLifecycle(settings.workerId(), null, device, System.currentTimeMillis());
    this.grpcExecutor =
        Executors.newFixedThreadPool(GRPC_THREADS, NamedThreads.numberedDaemons("grpc"));
    this.compute =
        new ThreadPoolExecutor(
            settings.computeThreads(),
            settings.computeThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(Math.max(1, settings.queueCapacity())),
            NamedThreads.numberedDaemons("compute"));
    this.loader =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(LOAD_QUEUE),
            NamedThreads.numberedDaemons("slice-loader"));
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(NamedThreads.numberedDaemons("announce"));
    this.peers = new PeerChannels(grpcExecutor, channels);
    this.store = new SliceStore(settings.maxSlices(), lifecycle::slicesChanged);
  }

  /** Starts a worker listening on {@code settings.port()} (0 picks a free port). */
  public static Worker start(WorkerSettings settings, SliceLoader loader, String device)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(settings.bindAddress(), settings.port());
    NettyServerBuilder builder =
        settings
            .peerTls()
            .map(tls -> NettyServerBuilder.forAddress(address, tls.serverCredentials()))
            .orElseGet(() -> NettyServerBuilder.forAddress(address))
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    Function<String, ManagedChannelBuilder<?>> channels =
        settings
            .peerTls()
            .<Function<String, ManagedChannelBuilder<?>>>map(
                tls -> target -> PeerChannels.secured(target, tls.channelCredentials()))
            .orElse(PeerChannels::plaintext);
    return start(settings, loader, device, builder, channels);
  }

  /** Starts a worker on the given server builder; tests use in-process transports. */
  static Worker start(
      WorkerSettings settings,
      SliceLoader loader,
      String device,
      ServerBuilder<?> serverBuilder,
      Function<String, ManagedChannelBuilder<?>> channels)
      throws IOException {
    Worker worker = new Worker(settings, device, channels);
    try {
      worker.startServing(loader, serverBuilder);
      return worker;
    } catch (IOException | RuntimeException e) {
      worker.close();
      throw e;
    }
  }

  public String workerId() {
    return settings.workerId();
  }

  /** The port the gRPC server listens on (-1 for in-process servers). */
  public int port() {
    return server.getPort();
  }

  /** The port of the plaintext health server, or -1 when not served. */
  public int healthPort() {
    return healthServer == null ? -1 : healthServer.getPort();
  }

  /** The port of {@code /metrics}, or -1 when not served. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  public WorkerRecord record() {
    return lifecycle.record();
  }

  PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  private void startServing(SliceLoader sliceLoader, ServerBuilder<?> serverBuilder)
      throws IOException {
    WorkerMetrics metrics = new WorkerMetrics(registry, lifecycle);
    SliceInstaller installer =
        new SliceInstaller(sliceLoader, store, lifecycle, loader, settings.warmUpBatchSizes());
    WorkerService service =
        new WorkerService(lifecycle, store, installer, peers, compute, metrics, settings);
    lifecycle.onChange(this::announceHealth);
    announceHealth(lifecycle.record());
    server =
        serverBuilder
            .executor(grpcExecutor)
            .maxInboundMessageSize(PeerChannels.MAX_MESSAGE_BYTES)
            .addService(
                SingleCopyParsing.forRequestsOf(
                    service.bindService(), WorkerGrpc.getProcessMethod(), StageRequest.parser()))
            .addService(health.getHealthService())
            .build()
            .start();
    lifecycle.address(
        settings.advertisedAddress() != null
            ? settings.advertisedAddress()
            : defaultAddress(settings.bindAddress(), server.getPort()));
    if (settings.healthPort() >= 0) {
      // Only the health service: what a probe that cannot present a certificate may see.
      healthServer =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(settings.bindAddress(), settings.healthPort()))
              .addService(health.getHealthService())
              .build()
              .start();
    }
    if (settings.metricsPort() >= 0) {
      metricsServer =
          MetricsHttpServer.start(settings.bindAddress(), settings.metricsPort(), registry);
    }
    lifecycle.ready();
    if (settings.etcd().isPresent()) {
      membership = EtcdMembership.connect(settings.etcd().get(), settings.pipeline());
      registration = membership.register(lifecycle.record());
      lifecycle.onChange(registration::update);
      // Outstanding work changes with every batch; announce it at most once a second.
      refresher.scheduleWithFixedDelay(this::refreshRegistration, 1, 1, TimeUnit.SECONDS);
    }
    LOG.info(
        "worker {} of pipeline {} serving on port {} ({}) as {} ({}, health port {}, metrics port"
            + " {}, etcd {})",
        settings.workerId(),
        settings.pipeline(),
        server.getPort(),
        settings.peerTls().isPresent() ? "mutual TLS" : "plaintext",
        lifecycle.record().address(),
        lifecycle.record().device(),
        healthPort(),
        metricsPort(),
        settings.etcd().map(e -> e.endpoints().toString()).orElse("none"));
  }

  private void refreshRegistration() {
    WorkerRecord now = lifecycle.record();
    if (!now.equals(registration.current())) {
      registration.update(now);
    }
  }

  private void announceHealth(WorkerRecord record) {
    ServingStatus status =
        record.state() == WorkerState.READY || record.state() == WorkerState.LOADING
            ? ServingStatus.SERVING
            : ServingStatus.NOT_SERVING;
    health.setStatus("", status);
    health.setStatus(WorkerGrpc.SERVICE_NAME, status);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("worker {} shutting down", settings.workerId());
    lifecycle.draining();
    if (server != null) {
      server.shutdown();
      awaitOrForce(server, settings.shutdownGrace());
    }
    if (healthServer != null) {
      healthServer.shutdownNow();
    }
    refresher.shutdownNow();
    shutdownPool(compute, settings.shutdownGrace());
    shutdownPool(loader, Duration.ofSeconds(5));
    peers.close();
    if (registration != null) {
      registration.close();
    }
    if (membership != null) {
      membership.close();
    }
    store.close();
    if (metricsServer != null) {
      metricsServer.close();
    }
    shutdownPool(grpcExecutor, Duration.ofSeconds(5));
    registry.close();
    LOG.info("worker {} stopped", settings.workerId());
  }

  private static void awaitOrForce(Server server, Duration grace) {
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("in-flight calls did not finish within {}; cancelling them", grace);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }

  private static void shutdownPool(ExecutorService pool, Duration grace) {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }

  /** The address to advertise when none is configured: this host's name and the port. */
  static String defaultAddress(String bindAddress, int port) {
    if (!bindAddress.equals("0.0.0.0") && !bindAddress.equals("::")) {
      return bindAddress + ":" + port;
    }
    try {
      return InetAddress.getLocalHost().getHostName() + ":" + port;
    } catch (UnknownHostException e) {
      return "127.0.0.1:" + port;
    }
  }
}
