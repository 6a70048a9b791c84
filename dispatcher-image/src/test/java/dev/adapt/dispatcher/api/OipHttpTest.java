package dev.adapt.dispatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adapt.dispatcher.batching.BatchingConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OipHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static ProtocolFixture fixture;

  @BeforeAll
  static void start() {
    fixture = ProtocolFixture.standard();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static HttpResponse<byte[]> get(String base, String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpRequest.Builder post(String base, String path, byte[] body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static JsonNode json(HttpResponse<byte[]> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static String error(HttpResponse<byte[]> response) throws Exception {
    return json(response).path("error").asText();
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void healthAndMetadata() throws Exception {
    assertThat(get(fixture.http(), "/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(get(fixture.http(), "/v2/health/ready").statusCode()).isEqualTo(200);
    fixture.ready.set(false);
    try {
      assertThat(get(fixture.http(), "/v2/health/ready").statusCode()).isEqualTo(503);
      assertThat(get(fixture.http(), "/v2/models/rowstats/ready").statusCode()).isEqualTo(503);
    } finally {
      fixture.ready.set(true);
    }
    assertThat(get(fixture.http(), "/v2/models/rowstats/ready").statusCode()).isEqualTo(200);
    assertThat(get(fixture.http(), "/v2/models/rowstats/versions/1/ready").statusCode())
        .isEqualTo(200);

    JsonNode server = json(get(fixture.http(), "/v2"));
    assertThat(server.path("name").asText()).isEqualTo("adapt");
    assertThat(server.path("extensions").toString()).contains("binary_tensor_data");

    for (String path : List.of("/v2/models/rowstats", "/v2/models/rowstats/versions/1")) {
      HttpResponse<byte[]> response = get(fixture.http(), path);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode model = json(response);
      assertThat(model.path("name").asText()).isEqualTo("rowstats");
      assertThat(model.path("inputs").get(0).path("name").asText()).isEqualTo("x");
      assertThat(model.path("inputs").get(0).path("datatype").asText()).isEqualTo("FP32");
      assertThat(model.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,4]");
      assertThat(model.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,2]");
    }
  }

  @Test
  void unknownModelsAndVersionsAre404() throws Exception {
    HttpResponse<byte[]> model = get(fixture.http(), "/v2/models/nope");
    assertThat(model.statusCode()).isEqualTo(404);
    assertThat(error(model)).contains("nope");
    assertThat(get(fixture.http(), "/v2/models/rowstats/versions/7").statusCode()).isEqualTo(404);
    assertThat(get(fixture.http(), "/v2/models/nope/ready").statusCode()).isEqualTo(404);
    HttpResponse<byte[]> infer =
        send(post(fixture.http(), "/v2/models/nope/infer", utf8(jsonRequest("[1,2,3,4]"))));
    assertThat(infer.statusCode()).isEqualTo(404);
    assertThat(error(infer)).contains("unknown model 'nope'");
  }

  static String jsonRequest(String data) {
    return "{\"id\":\"r1\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":"
        + data
        + "}]}";
  }

  @Test
  void jsonInferenceWithFlatAndNestedData() throws Exception {
    for (String body :
        List.of(
            "{\"id\":\"a\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4,-1,-2,-3,-4]}]}",
            "{\"id\":\"a\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[[1,2,3,4],[-1,-2,-3,-4]]}]}")) {
      HttpResponse<byte[]> response =
          send(post(fixture.http(), "/v2/models/rowstats/infer", utf8(body)));
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode reply = json(response);
      assertThat(reply.path("id").asText()).isEqualTo("a");
      assertThat(reply.path("model_name").asText()).isEqualTo("rowstats");
      JsonNode output = reply.path("outputs").get(0);
      assertThat(output.path("name").asText()).isEqualTo("y");
      assertThat(output.path("datatype").asText()).isEqualTo("FP32");
      assertThat(output.path("shape").toString()).isEqualTo("[2,2]");
      assertThat(output.path("data").toString()).isEqualTo("[10.0,4.0,-10.0,-1.0]");
    }
  }

  @Test
  void binaryTensorExtensionBothWays() throws Exception {
    String header =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"parameters\":{\"binary_data_size\":16}}],"
            + "\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}";
    byte[] json = utf8(header);
    ByteBuffer body = ByteBuffer.allocate(json.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    body.put(json).putFloat(0.5f).putFloat(1.5f).putFloat(7f).putFloat(-2f);
    HttpResponse<byte[]> response =
        send(
            post(fixture.http(), "/v2/models/rowstats/infer", body.array())
                .header("Inference-Header-Content-Length", Integer.toString(json.length))
                .header("Content-Type", "application/octet-stream"));
    assertThat(response.statusCode()).isEqualTo(200);
    int headerLength =
        Integer.parseInt(
            response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    JsonNode reply = JSON.readTree(response.body(), 0, headerLength);
    JsonNode output = reply.path("outputs").get(0);
    assertThat(output.path("parameters").path("binary_data_size").asInt()).isEqualTo(8);
    assertThat(output.has("data")).isFalse();
    ByteBuffer values =
        ByteBuffer.wrap(response.body(), headerLength, 8).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(values.getFloat()).isEqualTo(7f);
    assertThat(values.getFloat()).isEqualTo(7f);
    assertThat(response.body().length).isEqualTo(headerLength + 8);

    // binary_data_output asks for every output in binary form.
    String all =
        "{\"parameters\":{\"binary_data_output\":true},\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],"
            + "\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}";
    HttpResponse<byte[]> binary =
        send(post(fixture.http(), "/v2/models/rowstats/infer", utf8(all)));
    assertThat(binary.statusCode()).isEqualTo(200);
    assertThat(binary.headers().firstValue("Inference-Header-Content-Length")).isPresent();
  }

  @Test
  void malformedRequestsAre400NamingTheProblem() throws Exception {
    String infer = "/v2/models/rowstats/infer";
    assertBadRequest(post(fixture.http(), infer, utf8("{\"inputs\": [")), "malformed JSON");
    assertBadRequest(
        post(
            fixture.http(),
            infer,
            utf8(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP64\","
                    + "\"data\":[1,2,3,4]}]}")),
        "FP64");
    assertBadRequest(
        post(
            fixture.http(),
            infer,
            utf8(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,5],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4,5]}]}")),
        "shape [1, 5]");
    assertBadRequest(post(fixture.http(), infer, utf8(jsonRequest("[1,2,3]"))), "3 elements");
    assertBadRequest(post(fixture.http(), infer, utf8(jsonRequest("[1,2,\"x\",4]"))), "FP32");
    assertBadRequest(post(fixture.http(), infer, utf8("{\"inputs\":[]}")), "missing input 'x'");
    assertBadRequest(
        post(
            fixture.http(),
            infer,
            utf8(
                "{\"inputs\":[{\"name\":\"z\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4]}]}")),
        "unknown input 'z'");
    assertBadRequest(
        post(
            fixture.http(),
            infer,
            utf8(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4]}],\"outputs\":[{\"name\":\"w\"}]}")),
        "unknown output 'w'");

    String header =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"parameters\":{\"binary_data_size\":12}}]}";
    byte[] json = utf8(header);
    byte[] body = new byte[json.length + 12];
    System.arraycopy(json, 0, body, 0, json.length);
    assertBadRequest(
        post(fixture.http(), infer, body)
            .header("Inference-Header-Content-Length", Integer.toString(json.length)),
        "binary_data_size 12");
    String fits = header.replace("12", "16");
    byte[] short16 = utf8(fits);
    byte[] truncated = new byte[short16.length + 10];
    System.arraycopy(short16, 0, truncated, 0, short16.length);
    assertBadRequest(
        post(fixture.http(), infer, truncated)
            .header("Inference-Header-Content-Length", Integer.toString(short16.length)),
        "holds only 10");
    assertBadRequest(
        post(fixture.http(), infer, utf8(jsonRequest("[1,2,3,4]")))
            .header("Inference-Header-Content-Length", "9999"),
        "Inference-Header-Content-Length");
  }

  private static void assertBadRequest(HttpRequest.Builder request, String problem)
      throws Exception {
    HttpResponse<byte[]> response = send(request);
    assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(400);
    assertThat(error(response)).contains(problem);
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    byte[] huge = new byte[(1 << 20) + 1];
    // The refusal must reach a client that is still writing its body, every time.
    for (int i = 0; i < 20; i++) {
      HttpResponse<byte[]> response = send(post(fixture.http(), "/v2/models/rowstats/infer", huge));
      assertThat(response.statusCode()).isEqualTo(413);
      assertThat(error(response)).contains("exceeds the limit");
    }
  }

  @Test
  void oversizedChunkedBodyIs413() throws Exception {
    byte[] huge = new byte[(2 << 20) + 1];
    for (int i = 0; i < 20; i++) {
      HttpResponse<byte[]> response =
          send(
              HttpRequest.newBuilder(URI.create(fixture.http() + "/v2/models/rowstats/infer"))
                  .timeout(Duration.ofSeconds(10))
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new java.io.ByteArrayInputStream(huge))));
      assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(413);
      assertThat(error(response)).contains("exceeds the limit");
    }
  }

  @Test
  void metricsArePublished() throws Exception {
    send(post(fixture.http(), "/v2/models/rowstats/infer", utf8(jsonRequest("[1,2,3,4]"))));
    String metrics = new String(get(fixture.http(), "/metrics").body(), StandardCharsets.UTF_8);
    assertThat(metrics)
        .contains("adapt_dispatcher_request_latency_seconds_bucket")
        .contains("adapt_dispatcher_batch_size")
        .contains("adapt_dispatcher_queue_depth")
        .contains("adapt_dispatcher_replays_total");
  }

  @Test
  void fullQueueIs429AtOnceAndPassedDeadlineIs504() throws Exception {
    try (ProtocolFixture small =
        new ProtocolFixture(
            new BatchingConfig(1, Duration.ZERO, 2, 1, Duration.ofSeconds(30)), 1 << 20)) {
      small.runner.close();
      String infer = "/v2/models/rowstats/infer";
      List<CompletableFuture<HttpResponse<byte[]>>> held = new ArrayList<>();
      // One batch in flight (held at the gate) and two waiting fill the queue of two.
      held.add(sendAsync(post(small.http(), infer, utf8(jsonRequest("[1,1,1,1]")))));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> small.runner.batchSizes().size() == 1);
      held.add(sendAsync(post(small.http(), infer, utf8(jsonRequest("[1,1,1,1]")))));
      held.add(sendAsync(post(small.http(), infer, utf8(jsonRequest("[1,1,1,1]")))));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> small.metrics.scrape().contains("adapt_dispatcher_queue_depth 2.0"));
      HttpResponse<byte[]> refused =
          send(post(small.http(), infer, utf8(jsonRequest("[1,1,1,1]"))));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(error(refused)).contains("queue full");

      small.runner.open();
      for (CompletableFuture<HttpResponse<byte[]>> response : held) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }

      small.runner.close();
      String withTimeout =
          "{\"parameters\":{\"timeout\":200000},\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],"
              + "\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
      HttpResponse<byte[]> late = send(post(small.http(), infer, utf8(withTimeout)));
      assertThat(late.statusCode()).isEqualTo(504);
      assertThat(error(late)).contains("deadline");
    }
  }

  private static CompletableFuture<HttpResponse<byte[]>> sendAsync(HttpRequest.Builder request) {
    return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
