package dev.adapt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * OIP over HTTP with the binary tensor data extension both ways, as standard clients (tritonclient)
 * send it.
 */
final class HttpOipClient implements OipClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client;
  private final URI inferUri;
  private final String inputName;
  private final String outputName;
  private final Duration timeout;
  private final ClientCredentials credentials;

  HttpOipClient(
      String baseUrl, String model, String inputName, String outputName, Duration timeout) {
    this(baseUrl, model, inputName, outputName, timeout, ClientCredentials.NONE);
  }

  HttpOipClient(
      String baseUrl,
      String model,
      String inputName,
      String outputName,
      Duration timeout,
      ClientCredentials credentials) {
    this.credentials = credentials;
    this.client =
        credentials
            .http(
                HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)))
            .build();
    this.inferUri = URI.create(stripSlash(baseUrl) + "/v2/models/" + model + "/infer");
    this.inputName = inputName;
    this.outputName = outputName;
    this.timeout = timeout;
  }

  static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public Reply infer(String id, HostTensor input) throws Exception {
    ObjectNode header = JSON.createObjectNode().put("id", id);
    ObjectNode tensor =
        header
            .putArray("inputs")
            .addObject()
            .put("name", inputName)
            .put("datatype", input.dtype().oipName());
    ArrayNode shape = tensor.putArray("shape");
    for (long dim : input.shape()) {
      shape.add(dim);
    }
    tensor.putObject("parameters").put("binary_data_size", input.byteSize());
    header
        .putArray("outputs")
        .addObject()
        .put("name", outputName)
        .putObject("parameters")
        .put("binary_data", true);
    byte[] json = JSON.writeValueAsBytes(header);
    byte[] body = new byte[json.length + input.byteSize()];
    System.arraycopy(json, 0, body, 0, json.length);
    input.data().get(body, json.length, input.byteSize());
    HttpResponse<byte[]> response =
        client.send(
            credentials
                .authorize(HttpRequest.newBuilder(inferUri))
                .timeout(timeout)
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(json.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    return parse(response);
  }

  private static Reply parse(HttpResponse<byte[]> response) throws IOException {
    byte[] body = response.body();
    int headerLength =
        response
            .headers()
            .firstValue("Inference-Header-Content-Length")
            .map(Integer::parseInt)
            .orElse(body.length);
    JsonNode reply = JSON.readTree(body, 0, headerLength);
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + ": " + reply.path("error").asText());
    }
    JsonNode output = reply.path("outputs").get(0);
    DType type =
        DType.fromOipName(output.path("datatype").asText())
            .orElseThrow(() -> new IOException("unknown datatype in " + output));
    long[] shape = new long[output.path("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = output.path("shape").get(i).asLong();
    }
    int size = output.path("parameters").path("binary_data_size").asInt(-1);
    if (size < 0) {
      throw new IOException("the server sent no binary output: " + output);
    }
    ByteBuffer data = ByteBuffer.wrap(body, headerLength, size).order(ByteOrder.LITTLE_ENDIAN);
    return new Reply(reply.path("id").asText(""), HostTensor.of(type, shape, data));
  }

  @Override
  public void close() {
    // java.net.http.HttpClient of Java 17 releases its connections when unreachable.
  }
}
