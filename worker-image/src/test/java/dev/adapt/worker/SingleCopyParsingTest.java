package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.Hop;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SingleCopyParsingTest {
  private static final MethodDescriptor<StageRequest, ?> PROCESS = WorkerGrpc.getProcessMethod();

  private final MethodDescriptor.Marshaller<StageRequest> marshaller =
      processMethodOf(
              SingleCopyParsing.forRequestsOf(
                  new WorkerGrpc.WorkerImplBase() {}.bindService(), PROCESS, StageRequest.parser()))
          .getRequestMarshaller();

  @SuppressWarnings("unchecked")
  private static MethodDescriptor<StageRequest, ?> processMethodOf(
      ServerServiceDefinition service) {
    return (MethodDescriptor<StageRequest, ?>)
        service.getMethod(PROCESS.getFullMethodName()).getMethodDescriptor();
  }

  @Test
  void onlyTheProcessRequestsChangeMarshaller() {
    ServerServiceDefinition service =
        SingleCopyParsing.forRequestsOf(
            new WorkerGrpc.WorkerImplBase() {}.bindService(), PROCESS, StageRequest.parser());

    assertThat(marshaller).isInstanceOf(SingleCopyParsing.class);
    assertThat(service.getMethods()).hasSize(WorkerGrpc.getServiceDescriptor().getMethods().size());
    assertThat(
            service
                .getMethod(WorkerGrpc.getStatusMethod().getFullMethodName())
                .getMethodDescriptor()
                .getRequestMarshaller())
        .isNotInstanceOf(SingleCopyParsing.class);
  }

  @Test
  void aLargeActivationBatchSurvivesTheRoundTrip() {
    StageRequest request = request(10 << 20);

    StageRequest parsed = marshaller.parse(marshaller.stream(request));

    assertThat(parsed).isEqualTo(request);
    assertThat(TensorWireCodec.decode(parsed.getInput()).toByteArray())
        .isEqualTo(TensorWireCodec.decode(request.getInput()).toByteArray());
  }

  @Test
  void aStreamOfUnknownLengthIsParsedTheStandardWay() {
    StageRequest request = request(4096);

    StageRequest parsed = marshaller.parse(new ByteArrayInputStream(request.toByteArray()) {});

    assertThat(parsed).isEqualTo(request);
  }

  @Test
  void corruptBytesAreRejectedAsInternal() {
    byte[] garbage = {(byte) 0x22, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, 1, 2};

    assertThatThrownBy(() -> marshaller.parse(new KnownLengthBytes(garbage)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL))
        .hasMessageContaining("invalid protobuf");
  }

  @Test
  void aStreamShorterThanAnnouncedIsRejected() {
    byte[] whole = request(64).toByteArray();
    InputStream truncated =
        new KnownLengthBytes(whole) {
          @Override
          public synchronized int available() {
            return whole.length + 10;
          }
        };

    assertThatThrownBy(() -> marshaller.parse(truncated))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("announced");
  }

  private static StageRequest request(int floats) {
    float[] values = new float[floats];
    Random random = new Random(7);
    for (int i = 0; i < floats; i++) {
      values[i] = random.nextFloat();
    }
    HostTensor input = HostTensor.ofFloats(new long[] {1, floats}, values);
    return StageRequest.newBuilder()
        .setBatchId("batch-1")
        .setAttempt(2)
        .addRoute(Hop.newBuilder().setWorkerId("w1").setAddress("127.0.0.1:1").setStage(0))
        .setInput(TensorWireCodec.encode(input, Compression.COMPRESSION_NONE))
        .build();
  }

  /** The kind of stream grpc hands a marshaller: it knows how many bytes remain. */
  private static class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
    KnownLengthBytes(byte[] bytes) {
      super(bytes);
    }
  }
}
