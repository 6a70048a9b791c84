package dev.adapt.dispatcher.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Converts tensor elements between JSON numbers and little-endian bytes. */
final class TensorValues {
  private TensorValues() {}

  /**
   * Flattens {@code data} (flat or nested arrays) into the elements of a tensor of {@code type}.
   */
  static ByteBuffer fromJson(String inputName, DType type, long count, JsonNode data) {
    List<JsonNode> leaves = new ArrayList<>();
    flatten(data, leaves, inputName);
    if (leaves.size() != count) {
      throw InferenceException.invalid(
          "input '"
              + inputName
              + "' has "
              + leaves.size()
              + " elements in 'data' but its shape needs "
              + count);
    }
    ByteBuffer bytes =
        ByteBuffer.allocate(Math.toIntExact(count * type.byteSize()))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode leaf : leaves) {
      put(bytes, type, leaf, inputName);
    }
    bytes.flip();
    return bytes;
  }

  private static void flatten(JsonNode node, List<JsonNode> out, String inputName) {
    if (node == null || node.isNull()) {
      throw InferenceException.invalid("input '" + inputName + "' has no 'data'");
    }
    if (node.isArray()) {
      for (JsonNode child : node) {
        flatten(child, out, inputName);
      }
    } else {
      out.add(node);
    }
  }

  private static void put(ByteBuffer bytes, DType type, JsonNode leaf, String inputName) {
    if (type == DType.BOOL) {
      if (!leaf.isBoolean()) {
        throw InferenceException.invalid(
            "input '" + inputName + "' is BOOL but 'data' holds " + leaf.getNodeType());
      }
      bytes.put((byte) (leaf.booleanValue() ? 1 : 0));
      return;
    }
    if (!leaf.isNumber()) {
      throw InferenceException.invalid(
          "input '"
              + inputName
              + "' is "
              + type.oipName()
              + " but 'data' holds "
              + leaf.getNodeType()
              + " "
              + leaf);
    }
    boolean integral = leaf.isIntegralNumber();
    switch (type) {
      case FLOAT32 -> bytes.putFloat(leaf.floatValue());
      case FLOAT64 -> bytes.putDouble(leaf.doubleValue());
      case INT8 ->
          bytes.put((byte) integer(leaf, integral, inputName, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case UINT8 -> bytes.put((byte) integer(leaf, integral, inputName, 0, 255));
      case INT16 ->
          bytes.putShort(
              (short) integer(leaf, integral, inputName, Short.MIN_VALUE, Short.MAX_VALUE));
      case INT32 ->
          bytes.putInt(
              (int) integer(leaf, integral, inputName, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 ->
          bytes.putLong(integer(leaf, integral, inputName, Long.MIN_VALUE, Long.MAX_VALUE));
      default ->
          throw InferenceException.invalid(
              "input '" + inputName + "': " + type.oipName() + " cannot be sent as JSON numbers");
    }
  }

  private static long integer(
      JsonNode leaf, boolean integral, String inputName, long min, long max) {
    if (!integral || !leaf.canConvertToLong() || leaf.longValue() < min || leaf.longValue() > max) {
      throw InferenceException.invalid(
          "input '"
              + inputName
              + "': "
              + leaf
              + " is not an integer in ["
              + min
              + ", "
              + max
              + "]");
    }
    return leaf.longValue();
  }

  /** Writes the elements of {@code tensor} as a flat JSON array. */
  static void writeJson(JsonGenerator json, HostTensor tensor) throws IOException {
    ByteBuffer data = tensor.data();
    long count = tensor.elementCount();
    json.writeStartArray();
    for (long i = 0; i < count; i++) {
      switch (tensor.dtype()) {
        case FLOAT32 -> json.writeNumber(data.getFloat());
        case FLOAT64 -> json.writeNumber(data.getDouble());
        case INT8 -> json.writeNumber(data.get());
        case UINT8 -> json.writeNumber(data.get() & 0xff);
        case INT16 -> json.writeNumber(data.getShort());
        case INT32 -> json.writeNumber(data.getInt());
        case INT64 -> json.writeNumber(data.getLong());
        case BOOL -> json.writeBoolean(data.get() != 0);
        default ->
            throw new InferenceException(
                InferenceException.Kind.INTERNAL,
                tensor.dtype().oipName()
                    + " output cannot be written as JSON; ask for binary data");
      }
    }
    json.writeEndArray();
  }
}
