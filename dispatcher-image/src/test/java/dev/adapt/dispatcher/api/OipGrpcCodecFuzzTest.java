package dev.adapt.dispatcher.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import dev.adapt.proto.oip.ModelInferRequest;
import java.util.Arrays;

/**
 * Feeds arbitrary gRPC inference requests to the decoder of their input: it returns an input the
 * model takes or refuses the request as INVALID (INVALID_ARGUMENT with the reason); any other
 * exception escaping is a bug.
 *
 * <p>Input layout: one byte picks the model's input type ({@link FuzzedModels#pick}), the rest is a
 * serialized {@code ModelInferRequest} (bytes that are not one never reach the service: gRPC
 * refuses them).
 */
class OipGrpcCodecFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void decodeInputAnswersMalformedRequestsWithInvalid(byte[] input) {
    if (input.length < 1) {
      return;
    }
    ModelInfo model = FuzzedModels.pick(input[0]);
    ModelInferRequest request;
    try {
      request = ModelInferRequest.parseFrom(Arrays.copyOfRange(input, 1, input.length));
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    HostTensor decoded;
    try {
      decoded = OipGrpcCodec.decodeInput(request, model);
    } catch (InferenceException refusal) {
      FuzzedModels.assertInvalid(refusal);
      return;
    }
    FuzzedModels.assertFits(decoded, model);
  }
}
