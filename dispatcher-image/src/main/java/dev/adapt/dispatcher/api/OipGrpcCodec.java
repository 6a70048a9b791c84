package dev.adapt.dispatcher.api;

import com.google.protobuf.ByteString;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import dev.adapt.proto.oip.InferTensorContents;
import dev.adapt.proto.oip.ModelInferRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the input tensor of an Open Inference Protocol gRPC request. */
final class OipGrpcCodec {

  private OipGrpcCodec() {}

  /**
   * The request's one input tensor, checked against the model; a request that is not one throws
   * {@link InferenceException} of kind INVALID.
   */
  static HostTensor decodeInput(ModelInferRequest request, ModelInfo model) {
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
