package dev.adapt.worker;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The single reply of a gRPC call as a future, for tests. */
final class FutureObserver<T> implements StreamObserver<T> {
  final CompletableFuture<T> future = new CompletableFuture<>();

  @Override
  public void onNext(T value) {
    future.complete(value);
  }

  @Override
  public void onError(Throwable error) {
    future.completeExceptionally(error);
  }

  @Override
  public void onCompleted() {}

  /** Waits for the reply; a failed call throws its own exception (a StatusRuntimeException). */
  T get() throws Exception {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
