package dev.adapt.dispatcher;

import com.google.protobuf.ByteString;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.oip.GRPCInferenceServiceGrpc;
import dev.adapt.proto.oip.InferTensorContents;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
      input = input(request, model);
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

  private static HostTensor input(ModelInferRequest request, ModelInfo model) {
    TensorSpec spec = model.input();
    if (request.getInputsCount() == 0) {
      throw InferenceException.invalid("missing input '" + spec.name() + "'");
    }
    if (request.getInputsCount() > 1) {
      throw InferenceException.invalid(
          "the model takes one input, '" + spec.name() + "'; got " + request.getInputsCount());
    }
    for (ModelInferRequest.InferRequestedOutputTensor requested : request.getOutputsList()) {
      if (!requested.getName().equals(model.output().name())) {
        throw InferenceException.invalid(
            "unknown output '"
                + requested.getName()
                + "'; the model returns '"
                + model.output().name()
                + "'");
      }
    }
    ModelInferRequest.InferInputTensor tensor = request.getInputs(0);
    if (!tensor.getName().equals(spec.name())) {
      throw InferenceException.invalid(
          "unknown input '" + tensor.getName() + "'; the model takes " + model.describeInput());
    }
    DType type =
        DType.fromOipName(tensor.getDatatype())
            .orElseThrow(
                () ->
                    InferenceException.invalid(
                        "input '"
                            + tensor.getName()
                            + "' has unknown datatype '"
                            + tensor.getDatatype()
                            + "'"));
    long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
    for (long dim : shape) {
      if (dim < 0) {
        throw InferenceException.invalid(
            "input '" + tensor.getName() + "' has a negative dimension in its shape");
      }
    }
    String mismatch = model.inputMismatch(type, shape);
    if (mismatch != null) {
      throw InferenceException.invalid(mismatch);
    }
    long needed = HostTensor.byteSize(type, shape);
    if (request.getRawInputContentsCount() > 0) {
      if (request.getRawInputContentsCount() != 1) {
        throw InferenceException.invalid(
            "raw_input_contents has "
                + request.getRawInputContentsCount()
                + " entries for 1 input");
      }
      ByteString raw = request.getRawInputContents(0);
      if (raw.size() != needed) {
        throw InferenceException.invalid(
            "input '"
                + tensor.getName()
                + "' has "
                + raw.size()
                + " bytes of raw_input_contents but its shape needs "
                + needed);
      }
      return HostTensor.of(type, shape, raw.asReadOnlyByteBuffer());
    }
    if (!tensor.hasContents()) {
      throw InferenceException.invalid(
          "input '" + tensor.getName() + "' has neither contents nor raw_input_contents");
    }
    return HostTensor.of(
        type,
        shape,
        typedContents(
            tensor.getName(), type, HostTensor.elementCount(shape), tensor.getContents()));
  }

  private static ByteBuffer typedContents(
      String name, DType type, long count, InferTensorContents contents) {
    int size =
        switch (type) {
          case FLOAT32 -> contents.getFp32ContentsCount();
          case FLOAT64 -> contents.getFp64ContentsCount();
          case INT8, INT16, INT32 -> contents.getIntContentsCount();
          case INT64 -> contents.getInt64ContentsCount();
          case UINT8 -> contents.getUintContentsCount();
          case BOOL -> contents.getBoolContentsCount();
          default ->
              throw InferenceException.invalid(
                  "input '" + name + "': send " + type.oipName() + " as raw_input_contents");
        };
    if (size != count) {
      throw InferenceException.invalid(
          "input '" + name + "' has " + size + " typed contents but its shape needs " + count);
    }
    ByteBuffer bytes =
        ByteBuffer.allocate(Math.toIntExact(count * type.byteSize()))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < size; i++) {
      switch (type) {
        case FLOAT32 -> bytes.putFloat(contents.getFp32Contents(i));
        case FLOAT64 -> bytes.putDouble(contents.getFp64Contents(i));
        case INT8 -> bytes.put((byte) contents.getIntContents(i));
        case INT16 -> bytes.putShort((short) contents.getIntContents(i));
        case INT32 -> bytes.putInt(contents.getIntContents(i));
        case INT64 -> bytes.putLong(contents.getInt64Contents(i));
        case UINT8 -> bytes.put((byte) contents.getUintContents(i));
        case BOOL -> bytes.put((byte) (contents.getBoolContents(i) ? 1 : 0));
        default -> throw new IllegalStateException("unreachable");
      }
    }
    bytes.flip();
    return bytes;
  }
}
