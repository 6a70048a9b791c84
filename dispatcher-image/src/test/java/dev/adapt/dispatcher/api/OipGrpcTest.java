package dev.adapt.dispatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import dev.adapt.proto.oip.InferParameter;
import dev.adapt.proto.oip.InferTensorContents;
import dev.adapt.proto.oip.ModelInferRequest;
import dev.adapt.proto.oip.ModelInferResponse;
import dev.adapt.proto.oip.ModelMetadataRequest;
import dev.adapt.proto.oip.ModelMetadataResponse;
import dev.adapt.proto.oip.ModelReadyRequest;
import dev.adapt.proto.oip.ServerLiveRequest;
import dev.adapt.proto.oip.ServerMetadataRequest;
import dev.adapt.proto.oip.ServerReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OipGrpcTest {
  private static ProtocolFixture fixture;
  private static ManagedChannel channel;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip;

  @BeforeAll
  static void start() {
    fixture = ProtocolFixture.standard();
    channel = open(fixture);
    oip = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  static ManagedChannel open(ProtocolFixture target) {
    return NettyChannelBuilder.forAddress("127.0.0.1", target.servers.grpcPort())
        .usePlaintext()
        .build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    fixture.close();
  }

  static ModelInferRequest.Builder request(long rows, float... values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      raw.putFloat(value);
    }
    return ModelInferRequest.newBuilder()
        .setModelName("rowstats")
        .setId("g1")
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("x")
                .setDatatype("FP32")
                .addShape(rows)
                .addShape(4))
        .addRawInputContents(ByteString.copyFrom(raw.array()));
  }

  static float[] floats(ModelInferResponse response) {
    ByteBuffer raw =
        response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[raw.remaining() / 4];
    raw.asFloatBuffer().get(values);
    return values;
  }

  @Test
  void healthAndMetadata() {
    assertThat(oip.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(
            oip.modelReady(ModelReadyRequest.newBuilder().setName("rowstats").build()).getReady())
        .isTrue();
    assertThat(oip.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
        .contains("binary_tensor_data");
    ModelMetadataResponse model =
        oip.modelMetadata(
            ModelMetadataRequest.newBuilder().setName("rowstats").setVersion("1").build());
    assertThat(model.getInputs(0).getName()).isEqualTo("x");
    assertThat(model.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(model.getOutputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void inferWithRawAndTypedContents() {
    ModelInferResponse raw = oip.modelInfer(request(2, 1, 2, 3, 4, 0, 0, 0, 9).build());
    assertThat(raw.getId()).isEqualTo("g1");
    assertThat(raw.getOutputs(0).getName()).isEqualTo("y");
    assertThat(raw.getOutputs(0).getShapeList()).containsExactly(2L, 2L);
    assertThat(floats(raw)).containsExactly(10f, 4f, 9f, 9f);

    ModelInferRequest typed =
        ModelInferRequest.newBuilder()
            .setModelName("rowstats")
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("x")
                    .setDatatype("FP32")
                    .addShape(1)
                    .addShape(4)
                    .setContents(
                        InferTensorContents.newBuilder()
                            .addFp32Contents(1)
                            .addFp32Contents(-5)
                            .addFp32Contents(2)
                            .addFp32Contents(3)))
            .build();
    assertThat(floats(oip.modelInfer(typed))).containsExactly(1f, 3f);
  }

  @Test
  void errorsCarryTheirStatus() {
    assertStatus(
        () -> oip.modelInfer(request(1, 1, 2, 3, 4).setModelName("nope").build()),
        Status.Code.NOT_FOUND,
        "nope");
    assertStatus(
        () -> oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
        Status.Code.NOT_FOUND,
        "nope");
    assertStatus(
        () -> oip.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()),
        Status.Code.NOT_FOUND,
        "nope");
    assertStatus(
        () -> oip.modelInfer(request(1, 1, 2, 3).build()),
        Status.Code.INVALID_ARGUMENT,
        "raw_input_contents");
    ModelInferRequest.Builder wrongShape = request(1, 1, 2, 3, 4);
    wrongShape.getInputsBuilder(0).clearShape().addShape(2).addShape(2);
    assertStatus(
        () -> oip.modelInfer(wrongShape.build()), Status.Code.INVALID_ARGUMENT, "shape [2, 2]");
    ModelInferRequest.Builder wrongType = request(1, 1, 2, 3, 4);
    wrongType.getInputsBuilder(0).setDatatype("INT32");
    assertStatus(() -> oip.modelInfer(wrongType.build()), Status.Code.INVALID_ARGUMENT, "INT32");
    assertStatus(
        () -> oip.modelInfer(request(1, 1, 2, 3, 4).clearInputs().clearRawInputContents().build()),
        Status.Code.INVALID_ARGUMENT,
        "missing input 'x'");
    ModelInferRequest.Builder noData = request(1, 1, 2, 3, 4).clearRawInputContents();
    assertStatus(
        () -> oip.modelInfer(noData.build()), Status.Code.INVALID_ARGUMENT, "raw_input_contents");
  }

  @Test
  void fullQueueIsResourceExhaustedAndPassedDeadlineIsDeadlineExceeded() throws Exception {
    try (ProtocolFixture small =
        new ProtocolFixture(
            new BatchingConfig(1, Duration.ZERO, 1, 1, Duration.ofSeconds(30)), 1 << 20)) {
      ManagedChannel smallChannel = open(small);
      try {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async =
            GRPCInferenceServiceGrpc.newFutureStub(smallChannel);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking =
            GRPCInferenceServiceGrpc.newBlockingStub(smallChannel);
        small.runner.close();
        var first = async.modelInfer(request(1, 1, 1, 1, 1).build());
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> small.runner.batchSizes().size() == 1);
        var second = async.modelInfer(request(1, 2, 2, 2, 2).build());
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> small.metrics.scrape().contains("adapt_dispatcher_queue_depth 1.0"));
        assertStatus(
            () -> blocking.modelInfer(request(1, 3, 3, 3, 3).build()),
            Status.Code.RESOURCE_EXHAUSTED,
            "queue full");
        small.runner.open();
        assertThat(floats(first.get(10, TimeUnit.SECONDS))).containsExactly(4f, 1f);
        assertThat(floats(second.get(10, TimeUnit.SECONDS))).containsExactly(8f, 2f);

        small.runner.close();
        assertStatus(
            () ->
                blocking
                    .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                    .modelInfer(request(1, 1, 2, 3, 4).build()),
            Status.Code.DEADLINE_EXCEEDED,
            "");
      } finally {
        smallChannel.shutdownNow();
      }
    }
  }

  @Test
  void requestParametersAreAccepted() {
    ModelInferRequest withParameters =
        request(1, 4, 3, 2, 1)
            .putParameters("priority", InferParameter.newBuilder().setInt64Param(1).build())
            .build();
    assertThat(floats(oip.modelInfer(withParameters))).containsExactly(10f, 4f);
  }

  private static void assertStatus(Runnable call, Status.Code code, String text) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(String.valueOf(e.getStatus().getDescription())).contains(text);
            });
  }
}
