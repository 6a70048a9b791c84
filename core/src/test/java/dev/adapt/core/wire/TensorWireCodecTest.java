package dev.adapt.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.WireTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorWireCodecTest {

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyTypeRoundTripsWithEitherCompression(DType dtype) {
    HostTensor tensor = randomTensor(dtype, new long[] {2, 3, 5}, 7);

    for (Compression compression :
        new Compression[] {Compression.COMPRESSION_NONE, Compression.COMPRESSION_LZ4}) {
      WireTensor wire = TensorWireCodec.encode(tensor, compression);
      HostTensor back = TensorWireCodec.decode(wire);

      assertThat(wire.getDtype()).isEqualTo(dtype.wire());
      assertThat(wire.getShapeList()).containsExactly(2L, 3L, 5L);
      assertThat(wire.getRawSize()).isEqualTo(30L * dtype.byteSize());
      assertThat(back.dtype()).isEqualTo(dtype);
      assertThat(back.shape()).containsExactly(2, 3, 5);
      assertThat(back.toByteArray()).isEqualTo(tensor.toByteArray());
    }
  }

  @Test
  void survivesProtobufSerialization() throws Exception {
    HostTensor tensor = activations(8 * 1024);
    for (Compression compression :
        new Compression[] {Compression.COMPRESSION_NONE, Compression.COMPRESSION_LZ4}) {
      byte[] bytes = TensorWireCodec.encode(tensor, compression).toByteArray();

      HostTensor back = TensorWireCodec.decode(WireTensor.parseFrom(bytes));

      assertThat(back.toFloatArray()).isEqualTo(tensor.toFloatArray());
    }
  }

  @Test
  void scalarsEmptyTensorsAndViewsRoundTrip() {
    HostTensor scalar = HostTensor.ofFloats(new long[0], new float[] {4.5f});
    HostTensor empty = HostTensor.ofFloats(new long[] {0, 3}, new float[0]);
    HostTensor rows = activations(64).batchSlice(0, 1).batchSlice(0, 1);
    HostTensor middle =
        HostTensor.ofFloats(new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8});

    for (HostTensor tensor : new HostTensor[] {scalar, empty, rows, middle.batchSlice(1, 3)}) {
      for (Compression compression :
          new Compression[] {Compression.COMPRESSION_NONE, Compression.COMPRESSION_LZ4}) {
        HostTensor back = TensorWireCodec.decode(TensorWireCodec.encode(tensor, compression));
        assertThat(back.shape()).isEqualTo(tensor.shape());
        assertThat(back.toByteArray()).isEqualTo(tensor.toByteArray());
      }
    }
    assertThat(
            TensorWireCodec.decode(
                    TensorWireCodec.encode(middle.batchSlice(1, 3), Compression.COMPRESSION_LZ4))
                .toFloatArray())
        .containsExactly(3, 4, 5, 6);
  }

  @Test
  void directBuffersAreCompressedToo() {
    ByteBuffer direct = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 1024; i++) {
      direct.putFloat(i % 8 == 0 ? i : 0f);
    }
    direct.flip();
    HostTensor tensor = HostTensor.of(DType.FLOAT32, new long[] {1024}, direct);

    WireTensor wire = TensorWireCodec.encode(tensor, Compression.COMPRESSION_LZ4);

    assertThat(TensorWireCodec.decode(wire).toByteArray()).isEqualTo(tensor.toByteArray());
    assertThat(TensorWireCodec.compressionRatio(wire)).isGreaterThan(2.0);
  }

  @Test
  void uncompressedEncodingSharesTheTensorsMemory() {
    byte[] backing = new byte[16];
    HostTensor tensor = HostTensor.of(DType.INT32, new long[] {4}, backing);

    WireTensor wire = TensorWireCodec.encode(tensor, Compression.COMPRESSION_NONE);
    backing[0] = 42;

    // The wire message wraps the buffer: what the tensor holds is what gets sent.
    assertThat(wire.getData().byteAt(0)).isEqualTo((byte) 42);
  }

  @Test
  void compressionRatioComparesRawAndWireBytes() {
    HostTensor sparse = HostTensor.ofFloats(new long[] {4096}, new float[4096]);

    WireTensor lz4 = TensorWireCodec.encode(sparse, Compression.COMPRESSION_LZ4);
    WireTensor none = TensorWireCodec.encode(sparse, Compression.COMPRESSION_NONE);

    assertThat(TensorWireCodec.rawBytes(lz4)).isEqualTo(16384);
    assertThat(TensorWireCodec.wireBytes(lz4)).isLessThan(200);
    assertThat(TensorWireCodec.compressionRatio(lz4)).isGreaterThan(80.0);
    assertThat(TensorWireCodec.compressionRatio(none)).isEqualTo(1.0);
  }

  @Test
  void truncatedLz4BlockIsRejected() {
    WireTensor wire = TensorWireCodec.encode(activations(4096), Compression.COMPRESSION_LZ4);
    ByteString data = wire.getData();
    WireTensor truncated = wire.toBuilder().setData(data.substring(0, data.size() / 2)).build();

    assertThatThrownBy(() -> TensorWireCodec.decode(truncated))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("corrupt LZ4 block")
        .hasMessageContaining("FLOAT32[1, 4096]");
  }

  @Test
  void garbageLz4BlockIsRejected() {
    WireTensor wire = TensorWireCodec.encode(activations(1024), Compression.COMPRESSION_LZ4);
    byte[] garbage = new byte[wire.getData().size()];
    new Random(3).nextBytes(garbage);

    assertThatThrownBy(
            () ->
                TensorWireCodec.decode(
                    wire.toBuilder().setData(ByteString.copyFrom(garbage)).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("LZ4 block");
  }

  @Test
  void lz4BlockOfTheWrongSizeIsRejected() {
    WireTensor small = TensorWireCodec.encode(activations(512), Compression.COMPRESSION_LZ4);
    WireTensor large = TensorWireCodec.encode(activations(1024), Compression.COMPRESSION_LZ4);
    WireTensor mixed = large.toBuilder().setData(small.getData()).build();

    assertThatThrownBy(() -> TensorWireCodec.decode(mixed))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("LZ4 block")
        .hasMessageContaining("4096");
  }

  @Test
  void blockTooSmallForTheDeclaredSizeIsRefusedBeforeAllocating() {
    // 1.5 GiB of floats declared for a 20-byte block: decoding must not reserve the memory first.
    long floats = 3L << 27;
    WireTensor bomb =
        WireTensor.newBuilder()
            .setDtype(DataType.FLOAT32)
            .addShape(floats)
            .setRawSize(floats * 4)
            .setCompression(Compression.COMPRESSION_LZ4)
            .setData(ByteString.copyFrom(new byte[20]))
            .build();

    assertThatThrownBy(() -> TensorWireCodec.decode(bomb))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("LZ4 block of 20 bytes cannot hold")
        .hasMessageContaining("255-fold");
  }

  @Test
  void theMostCompressibleTensorStillDecodes() {
    HostTensor zeros = HostTensor.ofFloats(new long[] {1 << 20}, new float[1 << 20]);
    WireTensor wire = TensorWireCodec.encode(zeros, Compression.COMPRESSION_LZ4);

    assertThat(TensorWireCodec.compressionRatio(wire)).isGreaterThan(200);
    assertThat(TensorWireCodec.decode(wire).toByteArray()).isEqualTo(zeros.toByteArray());
  }

  @Test
  void uncompressedDataOfTheWrongSizeIsRejected() {
    WireTensor wire = TensorWireCodec.encode(activations(16), Compression.COMPRESSION_NONE);
    WireTensor shortData = wire.toBuilder().setData(wire.getData().substring(4)).build();

    assertThatThrownBy(() -> TensorWireCodec.decode(shortData))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("uncompressed data holds 60 bytes, FLOAT32[1, 16] needs 64");
  }

  @Test
  void rawSizeThatContradictsTheShapeIsRejected() {
    WireTensor wire = TensorWireCodec.encode(activations(16), Compression.COMPRESSION_NONE);

    assertThatThrownBy(() -> TensorWireCodec.decode(wire.toBuilder().setRawSize(32).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("raw_size 32 does not match FLOAT32[1, 16], which needs 64 bytes");
  }

  @Test
  void inconsistentHeadersAreRejected() {
    WireTensor wire = TensorWireCodec.encode(activations(16), Compression.COMPRESSION_NONE);

    assertThatThrownBy(
            () ->
                TensorWireCodec.decode(
                    wire.toBuilder().setDtype(DataType.DATA_TYPE_UNSPECIFIED).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("no known data type");
    assertThatThrownBy(() -> TensorWireCodec.decode(wire.toBuilder().setDtypeValue(99).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("no known data type");
    assertThatThrownBy(() -> TensorWireCodec.decode(wire.toBuilder().setShape(1, -16).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("invalid shape [1, -16]");
    assertThatThrownBy(
            () ->
                TensorWireCodec.decode(
                    wire.toBuilder().setShape(1, 1L << 40).setRawSize(1L << 42).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("more than one tensor may hold");
    assertThatThrownBy(
            () -> TensorWireCodec.decode(wire.toBuilder().setCompressionValue(7).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("unknown compression 7");
  }

  @Test
  void compressionNamesParse() {
    assertThat(TensorWireCodec.parseCompression("LZ4")).isEqualTo(Compression.COMPRESSION_LZ4);
    assertThat(TensorWireCodec.parseCompression("none")).isEqualTo(Compression.COMPRESSION_NONE);
    assertThatThrownBy(() -> TensorWireCodec.parseCompression("zstd"))
        .hasMessage("unknown compression 'zstd': use lz4 or none");
  }

  /** Post-ReLU-like activations: about half zeros. */
  private static HostTensor activations(int count) {
    Random random = new Random(count);
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = random.nextBoolean() ? 0f : random.nextFloat();
    }
    return HostTensor.ofFloats(new long[] {1, count}, values);
  }

  private static HostTensor randomTensor(DType dtype, long[] shape, long seed) {
    byte[] bytes = new byte[Math.toIntExact(HostTensor.byteSize(dtype, shape))];
    new Random(seed).nextBytes(bytes);
    return HostTensor.of(dtype, shape, bytes);
  }
}
