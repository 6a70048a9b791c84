package dev.adapt.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.FloatEncoding;
import dev.adapt.proto.v1.WireTensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * {@link HostTensor} to and from {@link WireTensor}: little-endian elements with shape and type,
 * either as they are or as one LZ4 block (lz4-java's fastest compressor) over the whole buffer,
 * optionally over the elements' bytes shuffled ({@link ByteShuffle}), or as they are when that
 * block would not be smaller than the elements; FLOAT32 elements may travel as 16-bit floats when
 * the sender asks for it (lossy, {@link HalfFloats}). Every message declares its encoding, so a
 * receiver decodes whatever it is sent.
 *
 * <p>Activations run to tens of megabytes per batch, so the codec avoids copies: uncompressed data
 * is wrapped, not copied, in both directions (host tensors are immutable), and a compressed block
 * is handed to protobuf without another copy when it would not save much memory. LZ4 itself works
 * on arrays, which lz4-java handles several times faster than read-only buffers. Decoding checks
 * everything a peer could get wrong and fails with {@link WireFormatException} naming the problem.
 */
public final class TensorWireCodec {
  private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
  private static final LZ4Compressor COMPRESSOR = LZ4.fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4.safeDecompressor();
  // Java arrays stop a little short of Integer.MAX_VALUE.
  private static final long MAX_BYTES = Integer.MAX_VALUE - 8;
  private static final int LZ4_MAX_EXPANSION = 255;
  private static final int HALF_BYTES = 2;

  private TensorWireCodec() {}

  /** Parses {@code none}, {@code lz4} or {@code shuffle-lz4} (any case), as on command lines. */
  public static Compression parseCompression(String name) {
    return WireEncoding.parseCompression(name);
  }

  /** Encodes losslessly with {@code compression}. */
  public static WireTensor encode(HostTensor tensor, Compression compression) {
    return encode(tensor, WireEncoding.lossless(compression));
  }

  /**
   * Encodes with {@code encoding}; its float encoding applies to FLOAT32 tensors only, every other
   * type travels exactly.
   */
  public static WireTensor encode(HostTensor tensor, WireEncoding encoding) {
    FloatEncoding floats =
        tensor.dtype() == DType.FLOAT32 ? encoding.floats() : FloatEncoding.FLOAT_ENCODING_EXACT;
    WireTensor.Builder wire =
        WireTensor.newBuilder()
            .setDtype(tensor.dtype().wire())
            .setCompression(encoding.compression())
            .setFloatEncoding(floats)
            .setRawSize(tensor.byteSize());
    for (long dim : tensor.shape()) {
      wire.addShape(dim);
    }
    ByteBuffer elements = tensor.data();
    int elementSize = tensor.dtype().byteSize();
    if (floats != FloatEncoding.FLOAT_ENCODING_EXACT) {
      elements = ByteBuffer.wrap(HalfFloats.narrow(elements, floats));
      elementSize = HALF_BYTES;
    }
    ByteString block =
        switch (encoding.compression()) {
          case COMPRESSION_NONE -> null; // nothing to compress
          case COMPRESSION_LZ4 -> compress(elements);
          case COMPRESSION_SHUFFLE_LZ4 ->
              compress(ByteBuffer.wrap(ByteShuffle.shuffle(elements, elementSize)));
          case UNRECOGNIZED -> throw new IllegalArgumentException("no compression chosen");
        };
    // A block no smaller than its input (float32 activations before a ReLU, to LZ4) would cost
    // the receiver a copy and a decompression for nothing: such data travels as it is.
    if (block == null || block.size() >= elements.remaining()) {
      return wire.setCompression(Compression.COMPRESSION_NONE)
          .setData(UnsafeByteOperations.unsafeWrap(elements))
          .build();
    }
    return wire.setData(block).build();
  }

  public static HostTensor decode(WireTensor wire) {
    DType dtype = dtype(wire.getDtype());
    long[] shape = wire.getShapeList().stream().mapToLong(Long::longValue).toArray();
    long expected = expectedBytes(dtype, shape);
    if (wire.getRawSize() != expected) {
      throw new WireFormatException(
          "raw_size "
              + wire.getRawSize()
              + " does not match "
              + describe(dtype, shape)
              + ", which needs "
              + expected
              + " bytes");
    }
    FloatEncoding floats = floatEncoding(wire, dtype, shape);
    boolean exact = floats == FloatEncoding.FLOAT_ENCODING_EXACT;
    int elementSize = exact ? dtype.byteSize() : HALF_BYTES;
    // What the data restores to: the tensor itself, or half as much for 16-bit floats. Known from
    // the header alone, so every size check below happens before anything is allocated.
    int sent = (int) (expected / dtype.byteSize() * elementSize);
    String what = describe(dtype, shape) + (exact ? "" : " as " + WireEncoding.floatsName(floats));
    ByteString data = wire.getData();
    ByteBuffer elements =
        switch (wire.getCompression()) {
          case COMPRESSION_NONE -> {
            if (data.size() != sent) {
              throw new WireFormatException(
                  "uncompressed data holds " + data.size() + " bytes, " + what + " needs " + sent);
            }
            yield data.asReadOnlyByteBuffer();
          }
          case COMPRESSION_LZ4 -> ByteBuffer.wrap(decompress(data, sent, what));
          case COMPRESSION_SHUFFLE_LZ4 ->
              ByteBuffer.wrap(ByteShuffle.unshuffle(decompress(data, sent, what), elementSize));
          case UNRECOGNIZED ->
              throw new WireFormatException("unknown compression " + wire.getCompressionValue());
        };
    if (!exact) {
      elements = ByteBuffer.wrap(HalfFloats.widen(elements, floats));
    }
    return HostTensor.of(dtype, shape, elements);
  }

  /** The reply's float encoding, refused when unknown or applied to anything but FLOAT32. */
  private static FloatEncoding floatEncoding(WireTensor wire, DType dtype, long[] shape) {
    FloatEncoding floats = wire.getFloatEncoding();
    if (floats == FloatEncoding.UNRECOGNIZED) {
      throw new WireFormatException("unknown float encoding " + wire.getFloatEncodingValue());
    }
    if (floats != FloatEncoding.FLOAT_ENCODING_EXACT && dtype != DType.FLOAT32) {
      throw new WireFormatException(
          WireEncoding.floatsName(floats)
              + " encoding is for FLOAT32 tensors, not "
              + describe(dtype, shape));
    }
    return floats;
  }

  /** Bytes of the tensor before compression. */
  public static long rawBytes(WireTensor wire) {
    return wire.getRawSize();
  }

  /** Bytes of tensor data as sent. */
  public static long wireBytes(WireTensor wire) {
    return wire.getData().size();
  }

  /** Raw bytes per wire byte: above 1 when compression pays off; 1 for an empty tensor. */
  public static double compressionRatio(WireTensor wire) {
    long sent = wireBytes(wire);
    return sent == 0 ? 1.0 : (double) rawBytes(wire) / sent;
  }

  private static ByteString compress(ByteBuffer raw) {
    int length = raw.remaining();
    byte[] block = new byte[COMPRESSOR.maxCompressedLength(length)];
    int written;
    if (raw.isDirect()) {
      written =
          COMPRESSOR.compress(raw, raw.position(), length, ByteBuffer.wrap(block), 0, block.length);
    } else if (raw.hasArray()) {
      written =
          COMPRESSOR.compress(
              raw.array(), raw.arrayOffset() + raw.position(), length, block, 0, block.length);
    } else {
      // A read-only heap buffer hides its array, which sends lz4-java down its slow pure-Java
      // path; one copy into an array is several times cheaper than that.
      byte[] array = new byte[length];
      raw.duplicate().get(array);
      written = COMPRESSOR.compress(array, 0, length, block, 0, block.length);
    }
    // Wrapping saves a copy; copying to the exact size saves memory held while the message is
    // queued. Copy only when compression freed a good part of the block.
    return written > block.length / 4 * 3
        ? UnsafeByteOperations.unsafeWrap(block, 0, written)
        : ByteString.copyFrom(block, 0, written);
  }

  private static byte[] decompress(ByteString data, int rawSize, String what) {
    // Refused before allocating: otherwise a few bytes declaring a large tensor would make the
    // receiver reserve gigabytes for a block that cannot possibly hold them.
    if (rawSize > maxDecompressedSize(data.size())) {
      throw new WireFormatException(
          "LZ4 block of "
              + data.size()
              + " bytes cannot hold "
              + what
              + " ("
              + rawSize
              + " bytes raw): LZ4 expands at most "
              + LZ4_MAX_EXPANSION
              + "-fold");
    }
    // As for compression, an array is much faster for lz4-java than a read-only buffer.
    byte[] block = data.toByteArray();
    byte[] raw = new byte[rawSize];
    int restored;
    try {
      restored = DECOMPRESSOR.decompress(block, 0, block.length, raw, 0, rawSize);
    } catch (LZ4Exception | IndexOutOfBoundsException e) {
      throw new WireFormatException(
          "corrupt LZ4 block of "
              + data.size()
              + " bytes for "
              + what
              + " ("
              + rawSize
              + " bytes raw): "
              + e.getMessage(),
          e);
    }
    if (restored != rawSize) {
      throw new WireFormatException(
          "LZ4 block of "
              + data.size()
              + " bytes holds "
              + restored
              + " bytes, "
              + what
              + " needs "
              + rawSize);
    }
    return raw;
  }

  /**
   * An LZ4 block's longest sequence costs one byte per 255 bytes of match length, so no block
   * restores to more than about 255 times its size (plus a short literal tail).
   */
  private static long maxDecompressedSize(int compressedSize) {
    return (long) compressedSize * LZ4_MAX_EXPANSION + 16;
  }

  private static DType dtype(DataType wire) {
    if (wire == DataType.DATA_TYPE_UNSPECIFIED || wire == DataType.UNRECOGNIZED) {
      throw new WireFormatException("tensor has no known data type (" + wire + ")");
    }
    try {
      return DType.fromWire(wire);
    } catch (IllegalArgumentException e) {
      throw new WireFormatException(e.getMessage(), e);
    }
  }

  private static long expectedBytes(DType dtype, long[] shape) {
    long bytes;
    try {
      bytes = HostTensor.byteSize(dtype, shape);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new WireFormatException("invalid shape " + Arrays.toString(shape), e);
    }
    if (bytes > MAX_BYTES) {
      throw new WireFormatException(
          describe(dtype, shape) + " needs " + bytes + " bytes, more than one tensor may hold");
    }
    return bytes;
  }

  private static String describe(DType dtype, long[] shape) {
    return dtype + Arrays.toString(shape);
  }
}
