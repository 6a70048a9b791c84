package dev.adapt.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.FloatEncoding;
import dev.adapt.proto.v1.WireTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorWireCodecTest {

  private static final Compression[] COMPRESSIONS = {
    Compression.COMPRESSION_NONE, Compression.COMPRESSION_LZ4, Compression.COMPRESSION_SHUFFLE_LZ4
  };
  private static final FloatEncoding[] LOSSY = {
    FloatEncoding.FLOAT_ENCODING_FLOAT16, FloatEncoding.FLOAT_ENCODING_BFLOAT16
  };

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyTypeRoundTripsWithEveryCompression(DType dtype) {
    // 30 elements, and an odd count of 21 (shuffled streams of uneven length).
    for (long[] shape : new long[][] {{2, 3, 5}, {3, 7}}) {
      HostTensor tensor = randomTensor(dtype, shape, 7);
      long count = shape[0] * shape[1] * (shape.length > 2 ? shape[2] : 1);
      for (Compression compression : COMPRESSIONS) {
        WireTensor wire = TensorWireCodec.encode(tensor, compression);
        HostTensor back = TensorWireCodec.decode(wire);

        assertThat(wire.getDtype()).isEqualTo(dtype.wire());
        // Random bytes do not compress: a block that would not shrink travels uncompressed.
        assertThat(wire.getCompression()).isIn(compression, Compression.COMPRESSION_NONE);
        assertThat(wire.getShapeList())
            .containsExactly(Arrays.stream(shape).boxed().toArray(Long[]::new));
        assertThat(wire.getRawSize()).isEqualTo(count * dtype.byteSize());
        assertThat(back.dtype()).isEqualTo(dtype);
        assertThat(back.shape()).isEqualTo(shape);
        assertThat(back.toByteArray()).as("%s", compression).isEqualTo(tensor.toByteArray());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = "FLOAT32", mode = EnumSource.Mode.EXCLUDE)
  void lossyFloatEncodingsLeaveOtherTypesExact(DType dtype) {
    HostTensor tensor = randomTensor(dtype, new long[] {5, 3}, 11);
    for (Compression compression : COMPRESSIONS) {
      for (FloatEncoding floats : LOSSY) {
        WireTensor wire = TensorWireCodec.encode(tensor, new WireEncoding(compression, floats));

        assertThat(wire.getFloatEncoding()).isEqualTo(FloatEncoding.FLOAT_ENCODING_EXACT);
        assertThat(TensorWireCodec.decode(wire).toByteArray()).isEqualTo(tensor.toByteArray());
      }
    }
  }

  @Test
  void float16AndBfloat16HalveTheBytesWithinTheirPrecision() {
    Random random = new Random(5);
    float[] values = new float[1001];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(20) - 10));
    }
    values[0] = 0f;
    values[1] = -0f;
    HostTensor tensor = HostTensor.ofFloats(new long[] {7, 143}, values);
    // Rounding to nearest errs by at most half a unit in the last place: 2^-11 and 2^-8 of the
    // value for float16's 11 and bfloat16's 8 significant bits, and 2^-25 among float16's
    // subnormals (below 2^-14), where the unit is 2^-24.
    double[] relative = {0x1p-11, 0x1p-8};
    double[] absolute = {0x1p-25, 0};
    for (Compression compression : COMPRESSIONS) {
      for (int e = 0; e < LOSSY.length; e++) {
        WireTensor wire = TensorWireCodec.encode(tensor, new WireEncoding(compression, LOSSY[e]));
        float[] back = TensorWireCodec.decode(wire).toFloatArray();

        assertThat(wire.getFloatEncoding()).isEqualTo(LOSSY[e]);
        assertThat(wire.getRawSize()).isEqualTo(4L * values.length);
        if (compression == Compression.COMPRESSION_NONE) {
          assertThat(wire.getData().size()).isEqualTo(2 * values.length);
        }
        assertThat(Float.floatToRawIntBits(back[1])).isEqualTo(0x80000000);
        for (int i = 0; i < values.length; i++) {
          assertThat((double) Math.abs(back[i] - values[i]))
              .as("%s %s at %d", compression, LOSSY[e], i)
              .isLessThanOrEqualTo(Math.max(Math.abs(values[i]) * relative[e], absolute[e]));
        }
      }
    }
  }

  @Test
  void shuffledLz4CompressesActivationsThatPlainLz4CannotSqueeze() {
    // Smooth positive activations, no zeros: whole floats rarely repeat, their exponents do.
    Random random = new Random(9);
    float[] values = new float[64 * 1024];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.abs(random.nextGaussian());
    }
    HostTensor tensor = HostTensor.ofFloats(new long[] {values.length}, values);

    double plain =
        TensorWireCodec.compressionRatio(
            TensorWireCodec.encode(tensor, Compression.COMPRESSION_LZ4));
    WireTensor shuffled = TensorWireCodec.encode(tensor, Compression.COMPRESSION_SHUFFLE_LZ4);

    assertThat(plain).isLessThan(1.01);
    assertThat(TensorWireCodec.compressionRatio(shuffled)).isGreaterThan(1.1);
    assertThat(TensorWireCodec.decode(shuffled).toFloatArray()).isEqualTo(values);
  }

  @Test
  void dataLz4CannotShrinkTravelsUncompressed() {
    HostTensor noise = randomTensor(DType.FLOAT32, new long[] {2, 4096}, 13);
    for (Compression compression :
        new Compression[] {Compression.COMPRESSION_LZ4, Compression.COMPRESSION_SHUFFLE_LZ4}) {
      WireTensor wire = TensorWireCodec.encode(noise, compression);

      assertThat(wire.getCompression())
          .as("%s", compression)
          .isEqualTo(Compression.COMPRESSION_NONE);
      assertThat(wire.getData().size()).isEqualTo(noise.byteSize());
      assertThat(TensorWireCodec.decode(wire).toByteArray()).isEqualTo(noise.toByteArray());
    }
    // Narrowed floats fall back the same way and keep their float encoding.
    WireTensor narrowed =
        TensorWireCodec.encode(
            noise,
            new WireEncoding(Compression.COMPRESSION_LZ4, FloatEncoding.FLOAT_ENCODING_BFLOAT16));
    assertThat(narrowed.getCompression()).isEqualTo(Compression.COMPRESSION_NONE);
    assertThat(narrowed.getFloatEncoding()).isEqualTo(FloatEncoding.FLOAT_ENCODING_BFLOAT16);
    assertThat(narrowed.getData().size()).isEqualTo(noise.byteSize() / 2);
    assertThat(TensorWireCodec.decode(narrowed).shape()).isEqualTo(noise.shape());
    // What does shrink is still compressed.
    assertThat(
            TensorWireCodec.encode(activations(4096), Compression.COMPRESSION_LZ4).getCompression())
        .isEqualTo(Compression.COMPRESSION_LZ4);
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
    WireEncoding[] encodings = {
      WireEncoding.LZ4,
      new WireEncoding(Compression.COMPRESSION_SHUFFLE_LZ4, FloatEncoding.FLOAT_ENCODING_FLOAT16)
    };
    for (WireEncoding encoding : encodings) {
      WireTensor bomb =
          WireTensor.newBuilder()
              .setDtype(DataType.FLOAT32)
              .addShape(floats)
              .setRawSize(floats * 4)
              .setCompression(encoding.compression())
              .setFloatEncoding(encoding.floats())
              .setData(ByteString.copyFrom(new byte[20]))
              .build();

      assertThatThrownBy(() -> TensorWireCodec.decode(bomb))
          .isInstanceOf(WireFormatException.class)
          .hasMessageContaining("LZ4 block of 20 bytes cannot hold")
          .hasMessageContaining("255-fold");
    }
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
  void corruptShuffledBlockIsRejected() {
    WireTensor wire =
        TensorWireCodec.encode(activations(4096), Compression.COMPRESSION_SHUFFLE_LZ4);
    ByteString data = wire.getData();

    assertThatThrownBy(
            () ->
                TensorWireCodec.decode(
                    wire.toBuilder().setData(data.substring(0, data.size() - 9)).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("LZ4 block");
  }

  @Test
  void aFloat16BlockMustRestoreHalfTheTensor() {
    HostTensor tensor = activations(1024);
    WireTensor float16 =
        TensorWireCodec.encode(
            tensor,
            new WireEncoding(Compression.COMPRESSION_LZ4, FloatEncoding.FLOAT_ENCODING_FLOAT16));
    // An exact block declared as float16 restores twice the bytes expected.
    WireTensor exactAsFloat16 =
        TensorWireCodec.encode(tensor, Compression.COMPRESSION_LZ4).toBuilder()
            .setFloatEncoding(FloatEncoding.FLOAT_ENCODING_FLOAT16)
            .build();
    WireTensor rawFloat16 =
        TensorWireCodec.encode(tensor, Compression.COMPRESSION_NONE).toBuilder()
            .setFloatEncoding(FloatEncoding.FLOAT_ENCODING_FLOAT16)
            .build();

    assertThat(TensorWireCodec.decode(float16).byteSize()).isEqualTo(4096);
    assertThatThrownBy(() -> TensorWireCodec.decode(exactAsFloat16))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("FLOAT32[1, 1024] as float16");
    assertThatThrownBy(() -> TensorWireCodec.decode(rawFloat16))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("uncompressed data holds 4096 bytes, FLOAT32[1, 1024] as float16 needs 2048");
  }

  @Test
  void floatEncodingsOnlyApplyToFloat32AndMustBeKnown() {
    WireTensor ints =
        TensorWireCodec.encode(
            HostTensor.of(DType.INT32, new long[] {2}, new byte[8]), Compression.COMPRESSION_NONE);
    WireTensor floats = TensorWireCodec.encode(activations(4), Compression.COMPRESSION_NONE);

    assertThatThrownBy(
            () ->
                TensorWireCodec.decode(
                    ints.toBuilder()
                        .setFloatEncoding(FloatEncoding.FLOAT_ENCODING_BFLOAT16)
                        .setData(ByteString.copyFrom(new byte[4]))
                        .build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("bfloat16 encoding is for FLOAT32 tensors, not INT32[2]");
    assertThatThrownBy(
            () -> TensorWireCodec.decode(floats.toBuilder().setFloatEncodingValue(5).build()))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("unknown float encoding 5");
  }

  @Test
  void theFuzzersSixteenBitSeedsAreValidTensors() throws Exception {
    // The fuzzer starts from these; they must decode, or it would start outside the 16-bit paths.
    String seeds =
        "TensorWireCodecFuzzTestInputs/decodeRefusesMalformedTensorsWithWireFormatException/";
    for (String seed : new String[] {"float32_float16_none", "float32_bfloat16_shuffle_lz4"}) {
      byte[] bytes;
      try (var in = getClass().getResourceAsStream(seeds + seed)) {
        bytes = in.readAllBytes();
      }
      WireTensor wire = WireTensor.parseFrom(bytes);

      assertThat(wire.getFloatEncoding()).isNotEqualTo(FloatEncoding.FLOAT_ENCODING_EXACT);
      assertThat(TensorWireCodec.decode(wire).toFloatArray()).as(seed).hasSize(4);
    }
    assertThat(
            TensorWireCodec.decode(
                    WireTensor.parseFrom(
                        getClass()
                            .getResourceAsStream(seeds + "float32_float16_none")
                            .readAllBytes()))
                .toFloatArray())
        .containsExactly(1f, -2f, 65504f, 0x1p-24f);
  }

  @Test
  void encodingNamesParse() {
    assertThat(TensorWireCodec.parseCompression("LZ4")).isEqualTo(Compression.COMPRESSION_LZ4);
    assertThat(TensorWireCodec.parseCompression("none")).isEqualTo(Compression.COMPRESSION_NONE);
    assertThat(TensorWireCodec.parseCompression("shuffle-lz4"))
        .isEqualTo(Compression.COMPRESSION_SHUFFLE_LZ4);
    assertThatThrownBy(() -> TensorWireCodec.parseCompression("zstd"))
        .hasMessage("unknown compression 'zstd': use none, lz4 or shuffle-lz4");
    assertThat(WireEncoding.parseFloats("BFloat16"))
        .isEqualTo(FloatEncoding.FLOAT_ENCODING_BFLOAT16);
    assertThat(WireEncoding.parseFloats("exact")).isEqualTo(FloatEncoding.FLOAT_ENCODING_EXACT);
    assertThatThrownBy(() -> WireEncoding.parseFloats("fp8"))
        .hasMessage("unknown float encoding 'fp8': use exact, float16 or bfloat16");
    assertThat(
            new WireEncoding(
                    Compression.COMPRESSION_SHUFFLE_LZ4, FloatEncoding.FLOAT_ENCODING_FLOAT16)
                .toString())
        .isEqualTo("float16+shuffle-lz4");
    assertThat(WireEncoding.LZ4.toString()).isEqualTo("lz4");
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
