package dev.adapt.dispatcher.api;

import com.google.protobuf.ByteString;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.InferenceService;
import dev.adapt.dispatcher.requests.ModelInfo;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import dev.adapt.proto.oip.ModelInferRequest;
import dev.adapt.proto.oip.ModelInferResponse;
import dev.adapt.proto.oip.ModelMetadataRequest;
import dev.adapt.proto.oip.ModelMetadataResponse;
import dev.adapt.proto.oip.ModelReadyRequest;
import dev.adapt.proto.oip.ModelReadyResponse;
import dev.adapt.proto.oip.ServerLiveRequest;
import dev.adapt.proto.oip.ServerLiveResponse;
import dev.adapt.proto.oip.ServerMetadataRequest;
import dev.adapt.proto.oip.ServerMetadataResponse;
import dev.adapt.proto.oip.ServerReadyRequest;
import dev.adapt.proto.oip.ServerReadyResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** The Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService}). */
final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final InferenceService service;

  OipGrpcService(InferenceService service) {
    this.service = service;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> reply) {
    reply.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    reply.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> reply) {
    reply.onNext(ServerReadyResponse.newBuilder().setReady(service.ready()).build());
    reply.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> reply) {
    if (unknownModel(service.model(), request.getName(), request.getVersion(), reply)) {
      return;
    }
    reply.onNext(ModelReadyResponse.newBuilder().setReady(service.ready()).build());
    reply.onCompleted();
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> reply) {
    reply.onNext(
        ServerMetadataResponse.newBuilder()
            .setName(ServerInfo.NAME)
            .setVersion(ServerInfo.VERSION)
            .addExtensions("binary_tensor_data")
            .build());
    reply.onCompleted();
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> reply) {
    // One read: the model may change between two (a new plan of another model took over).
    ModelInfo model = service.model();
    if (unknownModel(model, request.getName(), request.getVersion(), reply)) {
      return;
    }
    reply.onNext(
        ModelMetadataResponse.newBuilder()
            .setName(model.name())
            .addVersions(model.version())
            .setPlatform(model.platform())
            .addInputs(metadata(model.input()))
            .addOutputs(metadata(model.output()))
            .build());
    reply.onCompleted();
  }

  /** Answers NOT_FOUND and returns true when the name (and version) is not the served model. */
  private static boolean unknownModel(
      ModelInfo model, String name, String version, StreamObserver<?> reply) {
    if (model.matches(name, version)) {
      return false;
    }
    reply.onError(model.unknown(name, version).toGrpcStatus().asRuntimeException());
    return true;
  }

  private static ModelMetadataResponse.TensorMetadata metadata(TensorSpec spec) {
    ModelMetadataResponse.TensorMetadata.Builder builder =
        ModelMetadataResponse.TensorMetadata.newBuilder()
            .setName(spec.name())
            .setDatatype(spec.dtype().oipName());
    for (long dim : spec.shape()) {
      builder.addShape(dim);
    }
    return builder.build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> reply) {
    ModelInfo model = service.model();
    HostTensor input;
    try {
      if (!model.matches(request.getModelName(), request.getModelVersion())) {
        throw model.unknown(request.getModelName(), request.getModelVersion());
      }
      input = OipGrpcCodec.decodeInput(request, model);
    } catch (InferenceException e) {
      reply.onError(e.toGrpcStatus().asRuntimeException());
      return;
    }
    String id = request.getId().isEmpty() ? UUID.randomUUID().toString() : request.getId();
    Deadline deadline = Context.current().getDeadline();
    Duration timeout =
        deadline == null
            ? null
            : Duration.ofNanos(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    try {
      service
          .infer(model, id, input, timeout)
          .whenComplete(
              (output, error) -> {
                if (error != null) {
                  reply.onError(InferenceException.from(error).toGrpcStatus().asRuntimeException());
                  return;
                }
                ModelInferResponse.InferOutputTensor.Builder tensor =
                    ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName(model.output().name())
                        .setDatatype(output.dtype().oipName());
                for (long dim : output.shape()) {
                  tensor.addShape(dim);
                }
                reply.onNext(
                    ModelInferResponse.newBuilder()
                        .setModelName(model.name())
                        .setModelVersion(model.version())
                        .setId(request.getId())
                        .addOutputs(tensor)
                        .addRawOutputContents(ByteString.copyFrom(output.data()))
                        .build());
                reply.onCompleted();
              });
    } catch (InferenceException e) {
      reply.onError(e.toGrpcStatus().asRuntimeException());
    }
  }
}
