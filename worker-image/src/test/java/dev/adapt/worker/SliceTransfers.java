package dev.adapt.worker;

import com.google.protobuf.ByteString;
import dev.adapt.proto.v1.LoadSliceReply;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceHeader;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** Client side of {@code LoadSlice} for tests, with a hook to tamper with the chunks. */
final class SliceTransfers {
  private SliceTransfers() {}

  static List<SliceChunk> chunks(byte[] artifact, String sha256, int chunkSize) {
    List<SliceChunk> chunks = new ArrayList<>();
    for (int offset = 0; offset < artifact.length || offset == 0; offset += chunkSize) {
      SliceChunk.Builder chunk =
          SliceChunk.newBuilder()
              .setOffset(offset)
              .setData(
                  ByteString.copyFrom(
                      artifact, offset, Math.min(chunkSize, artifact.length - offset)));
      if (offset == 0) {
        chunk.setHeader(
            SliceHeader.newBuilder()
                .setSha256(sha256)
                .setSizeBytes(artifact.length)
                .setPipeline("test")
                .setStage(0));
      }
      chunks.add(chunk.build());
      if (artifact.length == 0) {
        break;
      }
    }
    return chunks;
  }

  static LoadSliceReply send(WorkerGrpc.WorkerStub stub, byte[] artifact) throws Exception {
    return send(
        stub, chunks(artifact, ScalingSlices.sha256(artifact), 7), UnaryOperator.identity());
  }

  /** Streams the chunks (each passed through {@code tamper}) and waits for the reply. */
  static LoadSliceReply send(
      WorkerGrpc.WorkerStub stub, List<SliceChunk> chunks, UnaryOperator<List<SliceChunk>> tamper)
      throws Exception {
    FutureObserver<LoadSliceReply> reply = new FutureObserver<>();
    StreamObserver<SliceChunk> upload =
        stub.withDeadlineAfter(20, TimeUnit.SECONDS).loadSlice(reply);
    for (SliceChunk chunk : tamper.apply(chunks)) {
      upload.onNext(chunk);
    }
    upload.onCompleted();
    return reply.get();
  }
}
