package dev.adapt.dispatcher.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferCall;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

/**
 * The Open Inference Protocol's REST bodies, including the binary tensor data extension: a JSON
 * header of {@code Inference-Header-Content-Length} bytes followed by the raw tensors of the inputs
 * (or outputs) that declare {@code binary_data_size}.
 */
final class OipRestCodec {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private OipRestCodec() {}

  /** An encoded body; {@code headerLength} is set when binary data follows the JSON. */
  record Body(byte[] bytes, String contentType, Integer headerLength) {}

  static InferCall decodeInfer(byte[] body, Integer headerLength, ModelInfo model) {
    int jsonLength = headerLength == null ? body.length : headerLength;
    if (jsonLength < 0 || jsonLength > body.length) {
      throw InferenceException.invalid(
          HEADER_LENGTH + " is " + jsonLength + " but the body has only " + body.length + " bytes");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body, 0, jsonLength);
    } catch (JsonProcessingException e) {
      throw InferenceException.invalid("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw InferenceException.invalid("malformed JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw InferenceException.invalid("the request body must be a JSON object");
    }
    String id = root.path("id").asText("");
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
      throw InferenceException.invalid(
          "missing input '" + model.input().name() + "': 'inputs' must be a non-empty array");
    }
    TensorSpec spec = model.input();
    HostTensor input = null;
    int binaryOffset = jsonLength;
    for (JsonNode entry : inputs) {
      String name = entry.path("name").asText(null);
      if (name == null) {
        throw InferenceException.invalid("an input has no 'name'");
      }
      if (!name.equals(spec.name())) {
        throw InferenceException.invalid(
            "unknown input '" + name + "'; the model takes " + model.describeInput());
      }
      if (input != null) {
        throw InferenceException.invalid("input '" + name + "' is given twice");
      }
      DType type = datatype(entry, name);
      long[] shape = shape(entry.get("shape"), name);
      String mismatch = model.inputMismatch(type, shape);
      if (mismatch != null) {
        throw InferenceException.invalid(mismatch);
      }
      long needed = HostTensor.byteSize(type, shape);
      JsonNode binarySize = entry.path("parameters").get("binary_data_size");
      if (binarySize != null) {
        if (!binarySize.canConvertToLong() || binarySize.asLong() < 0) {
          throw InferenceException.invalid(
              "input '" + name + "': binary_data_size must be a non-negative integer");
        }
        long size = binarySize.asLong();
        if (size != needed) {
          throw InferenceException.invalid(
              "input '"
                  + name
                  + "' declares binary_data_size "
                  + size
                  + " but shape "
                  + Arrays.toString(shape)
                  + " of "
                  + type.oipName()
                  + " needs "
                  + needed
                  + " bytes");
        }
        if (binaryOffset + size > body.length) {
          throw InferenceException.invalid(
              "input '"
                  + name
                  + "' declares "
                  + size
                  + " bytes of binary data but the body holds only "
                  + (body.length - binaryOffset));
        }
        input = HostTensor.of(type, shape, ByteBuffer.wrap(body, binaryOffset, (int) size));
        binaryOffset += (int) size;
      } else {
        input =
            HostTensor.of(
                type,
                shape,
                TensorValues.fromJson(
                    name, type, HostTensor.elementCount(shape), entry.get("data")));
      }
    }
    if (binaryOffset != body.length) {
      throw InferenceException.invalid(
          "the body has "
              + (body.length - binaryOffset)
              + " bytes of binary data that no input declares");
    }
    return new InferCall(id, input, wantsBinaryOutput(root, model), timeout(root));
  }

  private static DType datatype(JsonNode entry, String name) {
    String datatype = entry.path("datatype").asText(null);
    if (datatype == null) {
      throw InferenceException.invalid("input '" + name + "' has no 'datatype'");
    }
    return DType.fromOipName(datatype)
        .orElseThrow(
            () ->
                InferenceException.invalid(
                    "input '" + name + "' has unknown datatype '" + datatype + "'"));
  }

  private static long[] shape(JsonNode node, String name) {
    if (node == null || !node.isArray()) {
      throw InferenceException.invalid("input '" + name + "' has no 'shape' array");
    }
    long[] shape = new long[node.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode dim = node.get(i);
      if (!dim.isIntegralNumber() || dim.asLong() < 0) {
        throw InferenceException.invalid(
            "input '" + name + "' has an invalid shape " + node + " (non-negative integers only)");
      }
      shape[i] = dim.asLong();
    }
    return shape;
  }

  private static boolean wantsBinaryOutput(JsonNode root, ModelInfo model) {
    boolean binary = root.path("parameters").path("binary_data_output").asBoolean(false);
    JsonNode outputs = root.get("outputs");
    if (outputs != null && outputs.isArray()) {
      for (JsonNode requested : outputs) {
        String name = requested.path("name").asText("");
        if (!name.equals(model.output().name())) {
          throw InferenceException.invalid(
              "unknown output '" + name + "'; the model returns '" + model.output().name() + "'");
        }
        JsonNode flag = requested.path("parameters").get("binary_data");
        if (flag != null) {
          binary = flag.asBoolean();
        }
      }
    }
    return binary;
  }

  /** Triton's {@code timeout} request parameter, in microseconds. */
  private static Duration timeout(JsonNode root) {
    JsonNode timeout = root.path("parameters").get("timeout");
    if (timeout == null) {
      return null;
    }
    if (!timeout.canConvertToLong() || timeout.asLong() <= 0) {
      throw InferenceException.invalid("parameter 'timeout' must be a positive number of µs");
    }
    return Duration.ofNanos(timeout.asLong() * 1000);
  }

  static Body encodeInfer(ModelInfo model, InferCall call, HostTensor output) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    try (JsonGenerator json = FACTORY.createGenerator(header)) {
      json.writeStartObject();
      json.writeStringField("model_name", model.name());
      json.writeStringField("model_version", model.version());
      if (!call.id().isEmpty()) {
        json.writeStringField("id", call.id());
      }
      json.writeArrayFieldStart("outputs");
      json.writeStartObject();
      json.writeStringField("name", model.output().name());
      json.writeStringField("datatype", output.dtype().oipName());
      json.writeArrayFieldStart("shape");
      for (long dim : output.shape()) {
        json.writeNumber(dim);
      }
      json.writeEndArray();
      if (call.binaryOutput()) {
        json.writeObjectFieldStart("parameters");
        json.writeNumberField("binary_data_size", output.byteSize());
        json.writeEndObject();
      } else {
        json.writeFieldName("data");
        TensorValues.writeJson(json, output);
      }
      json.writeEndObject();
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!call.binaryOutput()) {
      return new Body(header.toByteArray(), "application/json", null);
    }
    int jsonLength = header.size();
    header.writeBytes(output.toByteArray());
    return new Body(header.toByteArray(), "application/octet-stream", jsonLength);
  }

  static byte[] error(String message) {
    ObjectNode body = JSON.createObjectNode().put("error", message);
    return json(body);
  }

  static byte[] json(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  static ObjectNode tensorMetadata(TensorSpec spec) {
    ObjectNode node = object().put("name", spec.name()).put("datatype", spec.dtype().oipName());
    var shape = node.putArray("shape");
    for (long dim : spec.shape()) {
      shape.add(dim);
    }
    return node;
  }

  static byte[] modelMetadata(ModelInfo model) {
    ObjectNode node = object().put("name", model.name()).put("platform", model.platform());
    node.putArray("versions").add(model.version());
    node.putArray("inputs").add(tensorMetadata(model.input()));
    node.putArray("outputs").add(tensorMetadata(model.output()));
    return json(node);
  }
}
