package dev.adapt.core.slice;

import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.HostTensor;
import java.util.Arrays;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * Runs a slice with TensorFlow: imports its graph into a session once, then runs batches through
 * it. Thread-safe: batches may run concurrently; {@link #close()} waits for running batches.
 */
public final class TensorFlowSliceExecutor implements SliceExecutor {
  private static final Logger log = LoggerFactory.getLogger(TensorFlowSliceExecutor.class);

  private final SliceArtifact artifact;
  private final Graph graph;
  private final Session session;
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  private TensorFlowSliceExecutor(SliceArtifact artifact, Graph graph, Session session) {
    this.artifact = artifact;
    this.graph = graph;
    this.session = session;
  }

  /** Loads a slice into a new TensorFlow session with the given thread settings. */
  public static TensorFlowSliceExecutor load(SliceArtifact artifact, ExecutorOptions options) {
    Graph graph = new Graph();
    try {
      graph.importGraphDef(artifact.graphDef());
      Session session = new Session(graph, options.toConfigProto());
      log.debug("Loaded {} with {}", artifact, options);
      return new TensorFlowSliceExecutor(artifact, graph, session);
    } catch (RuntimeException e) {
      graph.close();
      throw new IllegalArgumentException("cannot load " + artifact + ": " + e.getMessage(), e);
    }
  }

  public static TensorFlowSliceExecutor load(SliceArtifact artifact) {
    return load(artifact, ExecutorOptions.DEFAULT);
  }

  public SliceArtifact artifact() {
    return artifact;
  }

  @Override
  public String sha256() {
    return artifact.sha256();
  }

  @Override
  public HostTensor run(HostTensor input) {
    checkInput(input);
    try (Tensor fed = TensorConversion.toTensor(input);
        Result result = runTensor(fed)) {
      return TensorConversion.toHost(result.get(0));
    }
  }

  @Override
  public SliceOutput runHeld(HostTensor input) {
    checkInput(input);
    try (Tensor fed = TensorConversion.toTensor(input)) {
      Result result = runTensor(fed);
      boolean handedOver = false;
      try {
        HostTensor view = TensorConversion.view(result.get(0));
        if (view == null) {
          return SliceOutput.of(TensorConversion.toHost(result.get(0)));
        }
        handedOver = true;
        return new SliceOutput(view, result::close);
      } finally {
        if (!handedOver) {
          result.close();
        }
      }
    }
  }

  @Override
  public boolean warmUp(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("a warm-up batch needs at least one item: " + batchSize);
    }
    TensorSpec spec = artifact.input();
    if (spec.shape().length == 0 || spec.bytesPerItem() < 0) {
      return false;
    }
    long[] shape = spec.batchShape(batchSize);
    run(
        HostTensor.of(
            spec.dtype(), shape, new byte[Math.toIntExact(spec.bytesPerItem() * batchSize)]));
    return true;
  }

  /**
   * Runs the slice on a TensorFlow tensor; the output is the result's only tensor. The caller
   * closes the result (and with it the output), and keeps {@code input} open until this returns.
   *
   * @throws InputRejectedException when TensorFlow refuses an input whose shape the slice leaves
   *     partly open
   */
  Result runTensor(Tensor input) {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the executor of " + artifact + " is closed");
      }
      var runner =
          session.runner().feed(artifact.input().name(), input).fetch(artifact.output().name());
      try {
        return runner.run();
      } catch (TFInvalidArgumentException e) {
        throw rejectedOrNot(input, e);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /**
   * The input passed {@link #checkInput}, so TensorFlow's objection concerns what that check cannot
   * see: dimensions the slice leaves open (an image too small for the convolutions). Where the
   * slice fixes every dimension but the batch, the input was as specified and the slice is at
   * fault: that stays an error of the system, not of the input.
   */
  private RuntimeException rejectedOrNot(Tensor input, TFInvalidArgumentException e) {
    if (artifact.input().bytesPerItem() >= 0) {
      return e;
    }
    return new InputRejectedException(
        "slice "
            + artifact.stage()
            + " rejected an input of shape "
            + input.shape()
            + ": "
            + firstLine(e.getMessage()),
        e);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  /** Runs the slice once on {@code input} with a full trace, and returns the trace. */
  RunMetadata trace(HostTensor input) {
    checkInput(input);
    RunOptions fullTrace =
        RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
    lifecycle.readLock().lock();
    try (Tensor fed = TensorConversion.toTensor(input);
        Result result =
            session
                .runner()
                .feed(artifact.input().name(), fed)
                .fetch(artifact.output().name())
                .setOptions(fullTrace)
                .runAndFetchMetadata()) {
      return result
          .getMetadata()
          .orElseThrow(() -> new IllegalStateException("TensorFlow returned no trace"));
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /**
   * @throws InputRejectedException for a dtype or shape the slice does not take
   */
  void checkInput(HostTensor input) {
    TensorSpec expected = artifact.input();
    if (!expected.accepts(input.dtype(), input.shape())) {
      throw new InputRejectedException(
          "slice "
              + artifact.stage()
              + " expects "
              + expected.dtype()
              + Arrays.toString(expected.shape()).replace("-1", "?")
              + ", got "
              + input.dtype()
              + Arrays.toString(input.shape()));
    }
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        session.close();
        graph.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
