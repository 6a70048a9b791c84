package dev.adapt.core.wire;

import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.FloatEncoding;
import java.util.Locale;

/**
 * How a sender puts tensors on the wire: a compression, and how FLOAT32 elements travel. A receiver
 * needs neither: every {@code WireTensor} declares its own.
 */
public record WireEncoding(Compression compression, FloatEncoding floats) {
  public static final WireEncoding NONE =
      new WireEncoding(Compression.COMPRESSION_NONE, FloatEncoding.FLOAT_ENCODING_EXACT);
  public static final WireEncoding LZ4 =
      new WireEncoding(Compression.COMPRESSION_LZ4, FloatEncoding.FLOAT_ENCODING_EXACT);

  public WireEncoding {
    if (compression == null || compression == Compression.UNRECOGNIZED) {
      throw new IllegalArgumentException("no compression chosen");
    }
    if (floats == null || floats == FloatEncoding.UNRECOGNIZED) {
      throw new IllegalArgumentException("no float encoding chosen");
    }
  }

  public static WireEncoding lossless(Compression compression) {
    return new WireEncoding(compression, FloatEncoding.FLOAT_ENCODING_EXACT);
  }

  /** The same compression with exact floats. */
  public WireEncoding exact() {
    return lossless(compression);
  }

  public boolean lossy() {
    return floats != FloatEncoding.FLOAT_ENCODING_EXACT;
  }

  /** For logs and reports: {@code shuffle-lz4}, {@code float16+lz4}, … */
  @Override
  public String toString() {
    String name = compressionName(compression);
    return lossy() ? floatsName(floats) + "+" + name : name;
  }

  /** Parses {@code none}, {@code lz4} or {@code shuffle-lz4} (any case), as on command lines. */
  public static Compression parseCompression(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "lz4" -> Compression.COMPRESSION_LZ4;
      case "shuffle-lz4" -> Compression.COMPRESSION_SHUFFLE_LZ4;
      case "none" -> Compression.COMPRESSION_NONE;
      default ->
          throw new IllegalArgumentException(
              "unknown compression '" + name + "': use none, lz4 or shuffle-lz4");
    };
  }

  /** Parses {@code exact}, {@code float16} or {@code bfloat16} (any case). */
  public static FloatEncoding parseFloats(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "exact" -> FloatEncoding.FLOAT_ENCODING_EXACT;
      case "float16" -> FloatEncoding.FLOAT_ENCODING_FLOAT16;
      case "bfloat16" -> FloatEncoding.FLOAT_ENCODING_BFLOAT16;
      default ->
          throw new IllegalArgumentException(
              "unknown float encoding '" + name + "': use exact, float16 or bfloat16");
    };
  }

  public static String compressionName(Compression compression) {
    return switch (compression) {
      case COMPRESSION_NONE -> "none";
      case COMPRESSION_LZ4 -> "lz4";
      case COMPRESSION_SHUFFLE_LZ4 -> "shuffle-lz4";
      case UNRECOGNIZED -> "unrecognized";
    };
  }

  public static String floatsName(FloatEncoding floats) {
    return switch (floats) {
      case FLOAT_ENCODING_EXACT -> "exact";
      case FLOAT_ENCODING_FLOAT16 -> "float16";
      case FLOAT_ENCODING_BFLOAT16 -> "bfloat16";
      case UNRECOGNIZED -> "unrecognized";
    };
  }
}
