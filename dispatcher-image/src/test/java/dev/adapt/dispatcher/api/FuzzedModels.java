package dev.adapt.dispatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;

/**
 * What the client-API fuzzers share: a served model whose input type the first input byte picks (so
 * every typed decoding path is reachable), and the check of what a decoder returned.
 */
final class FuzzedModels {
  private static final DType[] TYPES = DType.values();

  private FuzzedModels() {}

  /** A model taking {@code x}: a batch of 2×3 values of the type {@code selector} picks. */
  static ModelInfo pick(byte selector) {
    DType type = TYPES[Math.floorMod(selector, TYPES.length)];
    return new ModelInfo(
        "m",
        "1",
        "tensorflow_graphdef",
        new TensorSpec("x", type, new long[] {-1, 2, 3}),
        new TensorSpec("y", DType.FLOAT32, new long[] {-1, 2}));
  }

  /** A decoded input must be one the model takes, with exactly the bytes its shape needs. */
  static void assertFits(HostTensor input, ModelInfo model) {
    assertThat(model.inputMismatch(input.dtype(), input.shape())).isNull();
    assertThat((long) input.data().remaining())
        .isEqualTo(HostTensor.byteSize(input.dtype(), input.shape()));
  }

  /** A refused request must be refused as the client's fault, with a reason. */
  static void assertInvalid(InferenceException refusal) {
    assertThat(refusal.kind()).isEqualTo(InferenceException.Kind.INVALID);
    assertThat(refusal.getMessage()).isNotBlank();
  }
}
