package dev.adapt.core.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.tensorflow.exceptions.TFInvalidArgumentException;

class TensorFlowSliceExecutorTest {
  private static SliceArtifact firstStage() {
    LoadedModel model = TestModels.fixture(TestModels.MODULE_MLP);
    return Slicer.slice(model, Planner.balanced(model, 2), 0);
  }

  @Test
  void runsConcurrentBatchesLikeOneAtATime() throws Exception {
    SliceArtifact slice = firstStage();
    List<HostTensor> inputs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      inputs.add(TestModels.randomFloats(i, 1 + i % 5, 16));
    }
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(slice, new ExecutorOptions(1, 1))) {
      List<HostTensor> sequential = inputs.stream().map(executor::run).toList();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<HostTensor>> concurrent = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
          for (HostTensor input : inputs) {
            concurrent.add(pool.submit(() -> executor.run(input)));
          }
        }
        for (int i = 0; i < concurrent.size(); i++) {
          HostTensor expected = sequential.get(i % inputs.size());
          assertThat(concurrent.get(i).get().toByteArray()).isEqualTo(expected.toByteArray());
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(executor.sha256()).isEqualTo(slice.sha256());
      assertThat(sequential.get(2).shape()[0]).isEqualTo(3);
    }
  }

  @Test
  void aHeldOutputViewsTheSameValuesAsACopiedOne() {
    SliceArtifact slice = firstStage();
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(slice, new ExecutorOptions(1, 1))) {
      HostTensor input = TestModels.randomFloats(3, 4, 16);
      HostTensor copied = executor.run(input);
      SliceOutput held = executor.runHeld(input);

      assertThat(held.tensor().data().isDirect()).as("a view of TensorFlow's memory").isTrue();
      assertThat(held.tensor().shape()).containsExactly(copied.shape());
      assertThat(held.tensor().dtype()).isEqualTo(copied.dtype());
      assertThat(held.tensor().toByteArray()).isEqualTo(copied.toByteArray());
      held.close();
      held.close();
    }
  }

  @Test
  void warmsUpOnZerosOfTheRequestedBatchSize() {
    SliceArtifact slice = firstStage();
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(slice, new ExecutorOptions(1, 1, false))) {
      assertThat(executor.warmUp(3)).isTrue();
      assertThat(executor.warmUp(1)).isTrue();
      HostTensor input = TestModels.randomFloats(5, 2, 16);
      assertThat(executor.run(input).shape()).containsExactly(2, slice.output().shape()[1]);
      assertThatThrownBy(() -> executor.warmUp(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one item");
    }
  }

  @Test
  void refusesInputsOfTheWrongShapeOrTypeAndRunsAfterClose() {
    SliceArtifact slice = firstStage();
    TensorFlowSliceExecutor executor = TensorFlowSliceExecutor.load(slice);

    assertThatThrownBy(() -> executor.run(TestModels.randomFloats(1, 2, 17)))
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("expects FLOAT32[?, 16], got FLOAT32[2, 17]");
    assertThatThrownBy(
            () -> executor.run(HostTensor.of(DType.INT32, new long[] {1, 16}, new byte[64])))
        .isInstanceOf(InputRejectedException.class)
        .hasMessageContaining("got INT32");
    executor.close();
    executor.close();
    assertThatThrownBy(() -> executor.run(TestModels.randomFloats(1, 1, 16)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void tensorFlowRefusingWhatTheSliceLeavesOpenRejectsTheInput() {
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(ReshapingSlices.openRows(), new ExecutorOptions(1, 1))) {
      assertThat(executor.run(HostTensor.ofFloats(new long[] {2, 2}, new float[4])).shape())
          .containsExactly(1, 4);

      assertThatThrownBy(
              () -> executor.runHeld(HostTensor.ofFloats(new long[] {1, 3}, new float[3])))
          .isInstanceOf(InputRejectedException.class)
          .hasMessageContaining("slice 0 rejected an input of shape [1, 3]")
          .hasMessageContaining("Input to reshape");
    }
  }

  @Test
  void tensorFlowRefusingAnInputAsSpecifiedIsTheSlicesFault() {
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(ReshapingSlices.rowsOfThree(), new ExecutorOptions(1, 1))) {
      assertThat(executor.run(HostTensor.ofFloats(new long[] {4, 3}, new float[12])).shape())
          .containsExactly(3, 4);

      assertThatThrownBy(() -> executor.run(HostTensor.ofFloats(new long[] {1, 3}, new float[3])))
          .isInstanceOf(TFInvalidArgumentException.class)
          .isNotInstanceOf(InputRejectedException.class);
    }
  }

  @Test
  void aChainPassesTensorsFromSliceToSliceAndEqualsHopByHop() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    Plan plan = Planner.named(model, List.of("stem_relu", "block_out", "avg_pool"));
    List<SliceArtifact> slices = Slicer.slice(model, plan);
    HostTensor input = TestModels.randomFloats(7, 3, 32, 32, 3);

    List<HostTensor> hopByHop = Chains.run(model, plan, List.of(input));
    try (SliceChain chain = SliceChain.load(slices, ExecutorOptions.DEFAULT)) {
      assertThat(chain.size()).isEqualTo(4);
      assertThat(chain.run(input).toByteArray()).isEqualTo(hopByHop.get(0).toByteArray());
    }
    assertThatThrownBy(
            () -> SliceChain.load(List.of(slices.get(0), slices.get(2)), ExecutorOptions.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not feed");
  }

  @Test
  void measuredSegmentCostsBalanceAPlanThatStillComputesTheModel() {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);

    double[] micros = SegmentProfiler.measure(model, 2, 3, ExecutorOptions.DEFAULT);

    assertThat(micros).hasSize(model.cutPoints().size() + 1);
    assertThat(java.util.Arrays.stream(micros).min().orElseThrow()).isGreaterThanOrEqualTo(0);
    assertThat(java.util.Arrays.stream(micros).sum()).isPositive();
    var plan = Planner.balanced(model, 3, micros);
    HostTensor input = TestModels.randomFloats(8, 2, 32, 32, 3);
    HostTensor whole = Chains.run(model, Planner.balanced(model, 1), List.of(input)).get(0);
    assertThat(TestModels.maxAbsDiff(Chains.run(model, plan, List.of(input)).get(0), whole))
        .isLessThanOrEqualTo(1e-5);
  }

  @Test
  void artifactsThatAreNotSlicesAreRefused() {
    byte[] bytes = firstStage().bytes();
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);

    assertThatThrownBy(() -> SliceArtifact.parse(truncated))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SliceArtifact.parse(new byte[] {8, 7}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slice");
  }
}
