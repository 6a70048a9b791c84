package dev.adapt.dispatcher.requests;

import dev.adapt.core.tensor.HostTensor;
import java.time.Duration;

/**
 * A decoded inference request, from either client protocol.
 *
 * @param id the client's request id (may be empty)
 * @param input the one input tensor, validated against the model
 * @param binaryOutput whether the client wants the output as binary data (REST extension)
 * @param timeout the client's deadline, or null for the server's default
 */
public record InferCall(String id, HostTensor input, boolean binaryOutput, Duration timeout) {}
