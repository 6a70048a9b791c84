package dev.adapt.core.plan;

import dev.adapt.core.graph.TensorName;

/**
 * One stage of a plan: the slice from tensor {@code from} to tensor {@code to}.
 *
 * @param index 0 for the stage that reads the model's input
 * @param from name of the stage's input: the model input's signature name, or a cut point name
 * @param to name of the stage's output: a cut point name, or the model output's signature name
 * @param fromTensor the input tensor in the frozen graph
 * @param toTensor the output tensor in the frozen graph
 * @param flops convolution and matrix-product FLOPs per batch item
 * @param paramBytes bytes of the weights the stage holds
 * @param outputBytesPerItem bytes of the stage's output per batch item (-1 if not static)
 */
public record Stage(
    int index,
    String from,
    String to,
    TensorName fromTensor,
    TensorName toTensor,
    long flops,
    long paramBytes,
    long outputBytesPerItem) {}
