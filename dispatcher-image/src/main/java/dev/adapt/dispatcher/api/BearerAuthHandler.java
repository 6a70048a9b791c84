package dev.adapt.dispatcher.api;

import java.nio.ByteBuffer;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Lets a REST request through only with {@code Authorization: Bearer <token>} naming an accepted
 * token; others get 401 with {@code WWW-Authenticate} (RFC 6750) and the OIP error body. The health
 * endpoints stay open for the kubelet's probes; {@code /metrics} is behind the check like the rest.
 */
final class BearerAuthHandler extends Handler.Wrapper {
  static final Set<String> OPEN_PATHS = Set.of("/v2/health/live", "/v2/health/ready");
  static final String CHALLENGE = "Bearer realm=\"adapt\"";

  private final BearerTokens tokens;

  BearerAuthHandler(BearerTokens tokens, Handler next) {
    super(next);
    this.tokens = tokens;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (OPEN_PATHS.contains(Request.getPathInContext(request))) {
      return super.handle(request, response, callback);
    }
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (tokens.acceptsHeader(authorization)) {
      return super.handle(request, response, callback);
    }
    boolean presented = authorization != null;
    byte[] body =
        OipRestCodec.error(
            presented ? "the bearer token is not accepted" : "a bearer token is required");
    response.setStatus(401);
    response
        .getHeaders()
        .put(
            HttpHeader.WWW_AUTHENTICATE,
            presented ? CHALLENGE + ", error=\"invalid_token\"" : CHALLENGE);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
