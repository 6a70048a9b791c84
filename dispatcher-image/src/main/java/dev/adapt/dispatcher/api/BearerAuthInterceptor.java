package dev.adapt.dispatcher.api;

import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;

/**
 * Lets a gRPC call through only with metadata {@code authorization: Bearer <token>} naming an
 * accepted token; others are closed with UNAUTHENTICATED. The gRPC health service and the OIP
 * ServerLive and ServerReady calls stay open for probes.
 */
final class BearerAuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Set<String> OPEN_METHODS =
      Set.of(
          GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName(),
          GRPCInferenceServiceGrpc.getServerReadyMethod().getFullMethodName());

  private final BearerTokens tokens;

  BearerAuthInterceptor(BearerTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (OPEN_METHODS.contains(method)
        || HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String authorization = headers.get(AUTHORIZATION);
    if (tokens.acceptsHeader(authorization)) {
      return next.startCall(call, headers);
    }
    call.close(
        Status.UNAUTHENTICATED.withDescription(
            authorization == null
                ? "a bearer token is required (metadata authorization: Bearer <token>)"
                : "the bearer token is not accepted"),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
