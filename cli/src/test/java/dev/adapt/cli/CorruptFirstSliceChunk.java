package dev.adapt.cli;

import com.google.protobuf.ByteString;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Flips a byte of the first chunk of the first transfer of each slice to each worker, on the wire
 * between the dispatcher and the worker: the worker must refuse that copy by its checksum and take
 * the one sent again.
 */
final class CorruptFirstSliceChunk implements ClientInterceptor {
  private final Set<String> corruptedTransfers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger corrupted = new AtomicInteger();

  /** How many transfers were corrupted. */
  int corrupted() {
    return corrupted.get();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    ClientCall<Q, A> call = next.newCall(method, options);
    if (!method.getFullMethodName().equals(WorkerGrpc.getLoadSliceMethod().getFullMethodName())) {
      return call;
    }
    String worker = next.authority();
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void sendMessage(Q message) {
        super.sendMessage(corruptIfFirst(worker, message));
      }
    };
  }

  @SuppressWarnings("unchecked")
  private <Q> Q corruptIfFirst(String worker, Q message) {
    if (!(message instanceof SliceChunk chunk)
        || !chunk.hasHeader()
        || chunk.getData().isEmpty()
        || !corruptedTransfers.add(worker + "/" + chunk.getHeader().getSha256())) {
      return message;
    }
    corrupted.incrementAndGet();
    byte[] bad = chunk.getData().toByteArray();
    bad[0] ^= 0x5a;
    return (Q) chunk.toBuilder().setData(ByteString.copyFrom(bad)).build();
  }
}
