package dev.adapt.dispatcher.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Feeds arbitrary REST inference bodies, JSON alone or with the binary tensor extension, to the
 * decoder: it returns an input the model takes or refuses the body as INVALID (a 400 with the
 * reason); any other exception escaping is a bug.
 *
 * <p>Input layout: one byte picks the model's input type ({@link FuzzedModels#pick}), four bytes
 * (big-endian) give {@code Inference-Header-Content-Length} (negative: no such header), the rest is
 * the body.
 */
class OipRestCodecFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void decodeInferAnswersMalformedBodiesWithInvalid(byte[] input) {
    if (input.length < 5) {
      return;
    }
    ModelInfo model = FuzzedModels.pick(input[0]);
    int declared = ByteBuffer.wrap(input, 1, 4).getInt();
    Integer headerLength = declared < 0 ? null : declared;
    byte[] body = Arrays.copyOfRange(input, 5, input.length);
    HostTensor decoded;
    try {
      decoded = OipRestCodec.decodeInfer(body, headerLength, model).input();
    } catch (InferenceException refusal) {
      FuzzedModels.assertInvalid(refusal);
      return;
    }
    FuzzedModels.assertFits(decoded, model);
  }
}
