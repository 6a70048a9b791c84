package dev.adapt.core.slice;

import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.SliceTensor;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Slices whose only operation reshapes a float input to rows of four, which TensorFlow refuses at
 * run time for inputs whose size is no multiple of four: what the static shape check lets through.
 */
final class ReshapingSlices {
  private ReshapingSlices() {}

  /** Input {@code [?, ?]}: the slice leaves the row length open. */
  static SliceArtifact openRows() {
    return artifact(-1);
  }

  /** Input {@code [?, 3]}: every input the slice takes is as specified, and still none fits. */
  static SliceArtifact rowsOfThree() {
    return artifact(3);
  }

  private static SliceArtifact artifact(long rowLength) {
    TensorShapeProto.Builder shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(-1))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(rowLength));
    TensorProto rowsOfFour =
        TensorProto.newBuilder()
            .setDtype(org.tensorflow.proto.DataType.DT_INT32)
            .setTensorShape(
                TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
            .addIntVal(-1)
            .addIntVal(4)
            .build();
    GraphDef graph =
        GraphDef.newBuilder()
            .addNode(
                NodeDef.newBuilder()
                    .setName("input")
                    .setOp("Placeholder")
                    .putAttr("dtype", type(org.tensorflow.proto.DataType.DT_FLOAT))
                    .putAttr("shape", AttrValue.newBuilder().setShape(shape).build()))
            .addNode(
                NodeDef.newBuilder()
                    .setName("rows_of_four")
                    .setOp("Const")
                    .putAttr("dtype", type(org.tensorflow.proto.DataType.DT_INT32))
                    .putAttr("value", AttrValue.newBuilder().setTensor(rowsOfFour).build()))
            .addNode(
                NodeDef.newBuilder()
                    .setName("output")
                    .setOp("Reshape")
                    .addInput("input")
                    .addInput("rows_of_four")
                    .putAttr("T", type(org.tensorflow.proto.DataType.DT_FLOAT))
                    .putAttr("Tshape", type(org.tensorflow.proto.DataType.DT_INT32)))
            .build();
    return SliceArtifact.create(
        "reshaping", 0, 1, tensor("input:0", rowLength), tensor("output:0", 4), graph);
  }

  private static SliceTensor tensor(String name, long rowLength) {
    return SliceTensor.newBuilder()
        .setName(name)
        .setLabel(name)
        .setDtype(DataType.FLOAT32)
        .addShape(-1)
        .addShape(rowLength)
        .build();
  }

  private static AttrValue type(org.tensorflow.proto.DataType type) {
    return AttrValue.newBuilder().setType(type).build();
  }
}
