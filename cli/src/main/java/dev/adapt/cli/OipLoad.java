package dev.adapt.cli;

import dev.adapt.dispatcher.requests.ModelInfo;
import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * How {@code adapt bench} loads a dispatcher: one protocol, client code, number of callers and set
 * of inputs for every dispatcher it drives, so that the pipeline and a served baseline are measured
 * alike.
 */
final class OipLoad {
  /** Where a dispatcher's client APIs are. */
  record Endpoint(String httpUrl, String grpcTarget) {
    static Endpoint of(LocalCluster cluster) {
      return new Endpoint(cluster.httpUrl(), cluster.grpcTarget());
    }

    /** gRPC goes with TLS where REST is HTTPS: the dispatcher secures both or neither. */
    boolean tls() {
      return httpUrl.startsWith("https:");
    }
  }

  private final ModelInfo model;
  private final BenchInputs inputs;
  private final String protocol;
  private final int concurrency;
  private final int leadIn;
  private final Duration timeout;
  private final ClientCredentials credentials;
  private final double tolerance;

  /**
   * @param leadIn unmeasured requests each {@link #send} starts with, so that throughput is
   *     measured while every caller has a request in flight
   * @param tolerance how far an answer's elements may be from the unsplit model's before it counts
   *     as a mismatch
   */
  OipLoad(
      ModelInfo model,
      BenchInputs inputs,
      String protocol,
      int concurrency,
      int leadIn,
      Duration timeout,
      ClientCredentials credentials,
      double tolerance) {
    if (!protocol.equals("http") && !protocol.equals("grpc")) {
      throw new IllegalArgumentException("--protocol must be http or grpc, not " + protocol);
    }
    this.model = model;
    this.inputs = inputs;
    this.protocol = protocol;
    this.concurrency = concurrency;
    this.leadIn = leadIn;
    this.timeout = timeout;
    this.credentials = credentials;
    this.tolerance = tolerance;
  }

  /** Unmeasured requests each {@link #send} starts with. */
  int leadIn() {
    return leadIn;
  }

  /** A new client of {@code endpoint} for each caller. */
  Supplier<OipClient> clients(Endpoint endpoint) {
    String name = model.name();
    String input = model.input().name();
    if (protocol.equals("grpc")) {
      return () ->
          new GrpcOipClient(
              endpoint.grpcTarget(), name, input, timeout, credentials, endpoint.tls());
    }
    return () ->
        new HttpOipClient(
            endpoint.httpUrl(), name, input, model.output().name(), timeout, credentials);
  }

  /** Sends {@code requests} unmeasured requests; answers are not checked. */
  LoadRun.Result warmUp(Supplier<OipClient> clients, int requests) throws InterruptedException {
    return LoadRun.run(
        clients,
        requests,
        concurrency,
        inputs::input,
        null,
        BenchCommand.TOLERANCE,
        done -> {},
        ProgressBar.silent());
  }

  /**
   * Sends the lead-in, then requests {@code first} to {@code first + count - 1}, checking every
   * answer.
   */
  LoadRun.Result send(
      Supplier<OipClient> clients,
      int first,
      int count,
      IntConsumer afterAnswer,
      ProgressBar progress)
      throws InterruptedException {
    return LoadRun.run(
        clients,
        new LoadRun.Span(first, count, leadIn),
        concurrency,
        inputs::input,
        inputs::expected,
        tolerance,
        afterAnswer,
        progress);
  }

  /** Like {@link #send}, without progress or callbacks. */
  LoadRun.Result send(Supplier<OipClient> clients, int first, int count)
      throws InterruptedException {
    return send(clients, first, count, done -> {}, ProgressBar.silent());
  }
}
