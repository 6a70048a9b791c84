package dev.adapt.dispatcher.api;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import dev.adapt.dispatcher.requests.InferCall;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.InferenceService;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol over HTTP, plus {@code /metrics}. Non-blocking: an inference request
 * holds no thread while it waits for its result.
 */
final class OipHttpHandler extends Handler.Abstract.NonBlocking {
  private static final Logger log = LoggerFactory.getLogger(OipHttpHandler.class);
  private static final Pattern MODEL_PATH =
      Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?(|/ready|/infer)");

  private final InferenceService service;
  private final DispatcherMetrics metrics;
  private final int maxBodyBytes;

  OipHttpHandler(InferenceService service, DispatcherMetrics metrics, int maxBodyBytes) {
    this.service = service;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    try {
      switch (path) {
        case "/v2/health/live" -> {
          requireGet(method);
          send(response, callback, 200, "{\"live\":true}");
        }
        case "/v2/health/ready" -> {
          requireGet(method);
          boolean ready = service.ready();
          send(response, callback, ready ? 200 : 503, "{\"ready\":" + ready + "}");
        }
        case "/v2" -> {
          requireGet(method);
          send(
              response,
              callback,
              200,
              "{\"name\":\"adapt\",\"version\":\""
                  + ServerInfo.VERSION
                  + "\",\"extensions\":[\"binary_tensor_data\"]}");
        }
        case "/metrics" -> {
          requireGet(method);
          byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
          write(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", body, null);
        }
        default -> modelRoute(path, method, request, response, callback);
      }
    } catch (InferenceException e) {
      sendError(response, callback, e);
    } catch (MethodNotAllowed e) {
      write(
          response,
          callback,
          405,
          "application/json",
          OipRestCodec.error("method " + method + " is not allowed on " + path),
          null);
    }
    return true;
  }

  private void modelRoute(
      String path, String method, Request request, Response response, Callback callback) {
    Matcher matcher = MODEL_PATH.matcher(path);
    if (!matcher.matches()) {
      throw new InferenceException(InferenceException.Kind.NOT_FOUND, "no such endpoint: " + path);
    }
    ModelInfo model = service.model();
    String name = matcher.group(1);
    String version = matcher.group(2);
    if (!model.matches(name, version)) {
      throw model.unknown(name, version);
    }
    switch (matcher.group(3)) {
      case "" -> {
        requireGet(method);
        write(response, callback, 200, "application/json", OipRestCodec.modelMetadata(model), null);
      }
      case "/ready" -> {
        requireGet(method);
        boolean ready = service.ready();
        send(
            response,
            callback,
            ready ? 200 : 503,
            "{\"name\":\"" + name + "\",\"ready\":" + ready + "}");
      }
      default -> {
        if (!"POST".equals(method)) {
          throw new MethodNotAllowed();
        }
        infer(model, request, response, callback);
      }
    }
  }

  private void infer(ModelInfo model, Request request, Response response, Callback callback) {
    long declared = request.getLength();
    if (declared - maxBodyBytes > LimitedBody.DRAIN_BOUND_BYTES) {
      throw tooLarge(declared);
    }
    Integer headerLength = headerLength(request);
    LimitedBody.read(
        request,
        maxBodyBytes,
        new LimitedBody.Outcome() {
          @Override
          public void read(byte[] body) {
            infer(model, body, headerLength, response, callback);
          }

          @Override
          public void tooLarge() {
            sendError(response, callback, OipHttpHandler.this.tooLarge(declared));
          }

          @Override
          public void failed(Throwable error) {
            sendError(
                response,
                callback,
                InferenceException.invalid("could not read the body: " + error));
          }
        });
  }

  private void infer(
      ModelInfo model, byte[] body, Integer headerLength, Response response, Callback callback) {
    try {
      InferCall call = OipRestCodec.decodeInfer(body, headerLength, model);
      String id = call.id().isEmpty() ? UUID.randomUUID().toString() : call.id();
      service
          .infer(model, id, call.input(), call.timeout())
          .whenComplete(
              (HostTensor output, Throwable error) -> {
                if (error != null) {
                  sendError(response, callback, InferenceException.from(error));
                  return;
                }
                try {
                  OipRestCodec.Body encoded = OipRestCodec.encodeInfer(model, call, output);
                  write(
                      response,
                      callback,
                      200,
                      encoded.contentType(),
                      encoded.bytes(),
                      encoded.headerLength());
                } catch (RuntimeException e) {
                  sendError(response, callback, InferenceException.from(e));
                }
              });
    } catch (InferenceException e) {
      sendError(response, callback, e);
    } catch (RuntimeException e) {
      log.warn("inference request failed", e);
      sendError(response, callback, InferenceException.from(e));
    }
  }

  private InferenceException tooLarge(long size) {
    return new InferenceException(
        InferenceException.Kind.TOO_LARGE,
        "request body "
            + (size >= 0 ? "of " + size + " bytes " : "")
            + "exceeds the limit of "
            + maxBodyBytes
            + " bytes");
  }

  private static Integer headerLength(Request request) {
    String value = request.getHeaders().get(OipRestCodec.HEADER_LENGTH);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value.trim());
    } catch (NumberFormatException e) {
      throw InferenceException.invalid(
          OipRestCodec.HEADER_LENGTH + " must be an integer, got '" + value + "'");
    }
  }

  private static void requireGet(String method) {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      throw new MethodNotAllowed();
    }
  }

  private static void sendError(Response response, Callback callback, InferenceException error) {
    log.debug("request failed: {}", error.getMessage());
    write(
        response,
        callback,
        error.kind().httpStatus(),
        "application/json",
        OipRestCodec.error(error.getMessage()),
        null);
  }

  private static void send(Response response, Callback callback, int status, String json) {
    write(
        response,
        callback,
        status,
        "application/json",
        json.getBytes(StandardCharsets.UTF_8),
        null);
  }

  private static void write(
      Response response,
      Callback callback,
      int status,
      String contentType,
      byte[] body,
      Integer headerLength) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (headerLength != null) {
      response.getHeaders().put(OipRestCodec.HEADER_LENGTH, headerLength.toString());
    }
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static final class MethodNotAllowed extends RuntimeException {
    MethodNotAllowed() {
      super(null, null, false, false);
    }
  }
}
