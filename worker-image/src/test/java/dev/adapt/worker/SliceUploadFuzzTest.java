package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.proto.v1.LoadSliceReply;
import dev.adapt.proto.v1.SliceChunk;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

/**
 * Feeds arbitrary streams of slice chunks (length-delimited {@link SliceChunk}s) to the worker's
 * slice assembly, with the TensorFlow loader behind it: every transfer ends in exactly one answer,
 * a loaded slice or a refusal with its specific status, and no exception escapes.
 */
class SliceUploadFuzzTest {
  private static final long MAX_SLICE_BYTES = 1 << 20;
  private static final List<Status.Code> REFUSALS =
      List.of(Status.Code.INVALID_ARGUMENT, Status.Code.DATA_LOSS, Status.Code.PERMISSION_DENIED);

  private static final Logger UPLOAD_LOG = (Logger) LoggerFactory.getLogger(SliceUpload.class);
  private static Level uploadLogLevel;

  // A warning per refused input would cost the fuzzer most of its executions.
  @BeforeAll
  static void quietRefusals() {
    uploadLogLevel = UPLOAD_LOG.getLevel();
    UPLOAD_LOG.setLevel(Level.ERROR);
  }

  @AfterAll
  static void restoreLogging() {
    UPLOAD_LOG.setLevel(uploadLogLevel);
  }

  @FuzzTest(maxDuration = "20s")
  void everyTransferEndsInOneLoadOrOneSpecificRefusal(byte[] input) {
    List<SliceChunk> chunks = chunks(input);
    if (chunks == null) {
      return;
    }
    WorkerLifecycle lifecycle = new WorkerLifecycle("fuzz", null, "CPU", 0);
    SliceStore store = new SliceStore(2, hashes -> {});
    SliceInstaller installer =
        new SliceInstaller(
            new TensorFlowSliceLoader(ExecutorOptions.DEFAULT),
            store,
            lifecycle,
            Runnable::run,
            List.of());
    Answers answers = new Answers();
    SliceUpload upload =
        new SliceUpload(
            answers,
            store,
            installer,
            new WorkerMetrics(new SimpleMeterRegistry(), lifecycle),
            MAX_SLICE_BYTES);
    try {
      chunks.forEach(upload::onNext);
      upload.onCompleted();

      assertThat(answers.completed + answers.errors.size()).isEqualTo(1);
      if (answers.completed == 1) {
        assertThat(answers.replies).hasSize(1);
        assertThat(store.holds(answers.replies.get(0).getSha256())).isTrue();
      } else {
        assertThat(Status.fromThrowable(answers.errors.get(0)).getCode()).isIn(REFUSALS);
      }
    } finally {
      store.close();
    }
  }

  /** The chunks the bytes hold, or null when they are not a stream of chunks (gRPC refuses it). */
  private static List<SliceChunk> chunks(byte[] input) {
    List<SliceChunk> chunks = new ArrayList<>();
    InputStream in = new ByteArrayInputStream(input);
    try {
      for (SliceChunk chunk; (chunk = SliceChunk.parseDelimitedFrom(in)) != null; ) {
        chunks.add(chunk);
      }
    } catch (IOException e) {
      return null;
    }
    return chunks;
  }

  private static final class Answers implements StreamObserver<LoadSliceReply> {
    final List<LoadSliceReply> replies = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();
    int completed;

    @Override
    public void onNext(LoadSliceReply reply) {
      replies.add(reply);
    }

    @Override
    public void onError(Throwable error) {
      errors.add(error);
    }

    @Override
    public void onCompleted() {
      completed++;
    }
  }
}
