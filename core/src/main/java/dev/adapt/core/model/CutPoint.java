package dev.adapt.core.model;

import dev.adapt.core.graph.TensorName;

/**
 * A tensor through which every path from the model's input to its output passes: the model can be
 * cut there into two slices that pass only this tensor between them.
 *
 * @param name the shortest name that resolves to the tensor (a Keras layer name where one does)
 * @param tensor the tensor in the frozen graph
 * @param index position in the chain of cut points, 0 nearest the input
 * @param spec element type and static shape of the tensor
 */
public record CutPoint(String name, TensorName tensor, int index, TensorSpec spec) {

  /** Bytes of the activation per batch item, or -1 if a dimension is unknown. */
  public long bytesPerItem() {
    return spec.bytesPerItem();
  }
}
