package dev.adapt.core.membership;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON of the membership records. Unknown fields are ignored so that a newer writer does not break
 * an older reader.
 */
public final class MembershipJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private MembershipJson() {}

  public static byte[] write(Object record) {
    try {
      return MAPPER.writeValueAsBytes(record);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + record + " as JSON", e);
    }
  }

  /** Reads a record; a malformed value fails naming the key it came from. */
  public static <T> T read(String key, byte[] json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException | RuntimeException e) {
      throw new MalformedRecordException(
          "value of "
              + key
              + " is not a valid "
              + type.getSimpleName()
              + ": "
              + e.getMessage()
              + " (value: "
              + new String(json, StandardCharsets.UTF_8)
              + ")",
          e);
    }
  }

  /** A stored value that is not the record its key promises. */
  public static final class MalformedRecordException extends RuntimeException {
    MalformedRecordException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
