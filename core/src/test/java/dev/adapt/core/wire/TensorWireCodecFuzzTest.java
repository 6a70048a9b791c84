package dev.adapt.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.proto.v1.WireTensor;

/**
 * Feeds arbitrary bytes, parsed as a wire tensor, to the decoder: anything but a decoded tensor or
 * a {@link WireFormatException} escaping is a bug.
 */
class TensorWireCodecFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void decodeRefusesMalformedTensorsWithWireFormatException(byte[] input) {
    WireTensor wire;
    try {
      wire = WireTensor.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    HostTensor decoded;
    try {
      decoded = TensorWireCodec.decode(wire);
    } catch (WireFormatException expected) {
      return;
    }
    assertThat((long) decoded.byteSize()).isEqualTo(wire.getRawSize());
  }
}
