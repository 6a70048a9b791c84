package dev.adapt.dispatcher;

import com.google.protobuf.ByteString;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.WireTensor;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/** Host tensors to and from {@link WireTensor}: raw little-endian, optionally one LZ4 block. */
final class WireCodec {
  private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR =
      LZ4Factory.fastestInstance().safeDecompressor();

  private WireCodec() {}

  static WireTensor encode(HostTensor tensor, Compression compression) {
    WireTensor.Builder wire =
        WireTensor.newBuilder()
            .setDtype(tensor.dtype().wire())
            .setRawSize(tensor.byteSize())
            .setCompression(compression);
    for (long dim : tensor.shape()) {
      wire.addShape(dim);
    }
    if (compression == Compression.COMPRESSION_LZ4) {
      byte[] raw = tensor.toByteArray();
      byte[] packed = new byte[COMPRESSOR.maxCompressedLength(raw.length)];
      int length = COMPRESSOR.compress(raw, 0, raw.length, packed, 0, packed.length);
      wire.setData(ByteString.copyFrom(packed, 0, length));
    } else {
      wire.setData(ByteString.copyFrom(tensor.data()));
    }
    return wire.build();
  }

  static HostTensor decode(WireTensor wire) {
    DType type = DType.fromWire(wire.getDtype());
    long[] shape = wire.getShapeList().stream().mapToLong(Long::longValue).toArray();
    if (wire.getCompression() == Compression.COMPRESSION_LZ4) {
      byte[] raw = new byte[Math.toIntExact(wire.getRawSize())];
      byte[] packed = wire.getData().toByteArray();
      int length = DECOMPRESSOR.decompress(packed, 0, packed.length, raw, 0, raw.length);
      if (length != raw.length) {
        throw new IllegalArgumentException(
            "LZ4 block holds " + length + " bytes, raw_size says " + raw.length);
      }
      return HostTensor.of(type, shape, raw);
    }
    ByteBuffer data = wire.getData().asReadOnlyByteBuffer();
    return HostTensor.of(type, shape, data);
  }
}
