package dev.adapt.cli;

import dev.adapt.core.tensor.HostTensor;

/** A client of the Open Inference Protocol, as the benchmark drives it. */
interface OipClient extends AutoCloseable {

  /** The answer to one request: the id the server echoed and the output tensor. */
  record Reply(String id, HostTensor output) {}

  /** Sends one request and waits for its answer; throws with the server's message on failure. */
  Reply infer(String id, HostTensor input) throws Exception;

  @Override
  void close();
}
