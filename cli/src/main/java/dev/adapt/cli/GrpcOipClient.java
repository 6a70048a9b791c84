package dev.adapt.cli;

import com.google.protobuf.ByteString;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import dev.adapt.proto.oip.ModelInferRequest;
import dev.adapt.proto.oip.ModelInferResponse;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** OIP over gRPC with {@code raw_input_contents}. */
final class GrpcOipClient implements OipClient {
  private final ManagedChannel channel;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  private final String model;
  private final String inputName;
  private final Duration timeout;

  GrpcOipClient(String target, String model, String inputName, Duration timeout) {
    this(target, model, inputName, timeout, ClientCredentials.NONE, false);
  }

  GrpcOipClient(
      String target,
      String model,
      String inputName,
      Duration timeout,
      ClientCredentials credentials,
      boolean tls) {
    this.channel = credentials.grpc(target, tls).maxInboundMessageSize(256 * 1024 * 1024).build();
    this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    this.model = model;
    this.inputName = inputName;
    this.timeout = timeout;
  }

  @Override
  public Reply infer(String id, HostTensor input) {
    ModelInferRequest.InferInputTensor.Builder tensor =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName(inputName)
            .setDatatype(input.dtype().oipName());
    for (long dim : input.shape()) {
      tensor.addShape(dim);
    }
    ModelInferResponse response =
        stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .modelInfer(
                ModelInferRequest.newBuilder()
                    .setModelName(model)
                    .setId(id)
                    .addInputs(tensor)
                    .addRawInputContents(ByteString.copyFrom(input.data()))
                    .build());
    ModelInferResponse.InferOutputTensor output = response.getOutputs(0);
    DType type =
        DType.fromOipName(output.getDatatype())
            .orElseThrow(() -> new IllegalStateException("unknown datatype " + output));
    long[] shape = output.getShapeList().stream().mapToLong(Long::longValue).toArray();
    return new Reply(
        response.getId(),
        HostTensor.of(type, shape, response.getRawOutputContents(0).asReadOnlyByteBuffer()));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
