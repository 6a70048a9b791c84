package dev.adapt.core.slice;

import com.google.protobuf.ByteString;
import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.SliceTensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Slice artifacts as an attacker would write them, for tests: well-formed, with a float input and
 * output like any stage, but whose graphs touch the file system when run. They are serialized as
 * they are, past the checks that cutting a model applies.
 */
public final class HostileSlices {
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";

  private HostileSlices() {}

  /** A slice that writes {@code contents} to {@code file} on every run, then passes x through. */
  public static SliceArtifact writingFile(Path file, String contents) {
    GraphDef graph =
        GraphDef.newBuilder()
            .addNode(floatInput())
            .addNode(stringConst("path", file.toString()))
            .addNode(stringConst("contents", contents))
            .addNode(
                NodeDef.newBuilder()
                    .setName("write")
                    .setOp("WriteFile")
                    .addInput("path")
                    .addInput("contents"))
            .addNode(
                NodeDef.newBuilder()
                    .setName(OUTPUT)
                    .setOp("Identity")
                    .addInput(INPUT)
                    .addInput("^write")
                    .putAttr("T", floatType()))
            .build();
    return artifact(graph);
  }

  /** A slice that reads {@code file} on every run and adds its length in bytes to x. */
  public static SliceArtifact readingFile(Path file) {
    GraphDef graph =
        GraphDef.newBuilder()
            .addNode(floatInput())
            .addNode(stringConst("path", file.toString()))
            .addNode(NodeDef.newBuilder().setName("read").setOp("ReadFile").addInput("path"))
            .addNode(
                NodeDef.newBuilder()
                    .setName("length")
                    .setOp("StringLength")
                    .addInput("read")
                    .putAttr("unit", AttrValue.newBuilder().setS(bytes("BYTE")).build()))
            .addNode(
                NodeDef.newBuilder()
                    .setName("length_float")
                    .setOp("Cast")
                    .addInput("length")
                    .putAttr("SrcT", type(org.tensorflow.proto.DataType.DT_INT32))
                    .putAttr("DstT", floatType()))
            .addNode(
                NodeDef.newBuilder()
                    .setName(OUTPUT)
                    .setOp("AddV2")
                    .addInput(INPUT)
                    .addInput("length_float")
                    .putAttr("T", floatType()))
            .build();
    return artifact(graph);
  }

  private static SliceArtifact artifact(GraphDef graph) {
    return SliceArtifact.create(
        "hostile", 0, 1, tensor(INPUT + ":0"), tensor(OUTPUT + ":0"), graph);
  }

  private static SliceTensor tensor(String name) {
    return SliceTensor.newBuilder()
        .setName(name)
        .setLabel(name)
        .setDtype(DataType.FLOAT32)
        .addShape(-1)
        .addShape(2)
        .build();
  }

  private static NodeDef floatInput() {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(-1))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(2))
            .build();
    return NodeDef.newBuilder()
        .setName(INPUT)
        .setOp("Placeholder")
        .putAttr("dtype", floatType())
        .putAttr("shape", AttrValue.newBuilder().setShape(shape).build())
        .build();
  }

  private static NodeDef stringConst(String name, String value) {
    TensorProto tensor =
        TensorProto.newBuilder()
            .setDtype(org.tensorflow.proto.DataType.DT_STRING)
            .setTensorShape(TensorShapeProto.getDefaultInstance())
            .addStringVal(bytes(value))
            .build();
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .putAttr("dtype", type(org.tensorflow.proto.DataType.DT_STRING))
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
        .build();
  }

  private static AttrValue floatType() {
    return type(org.tensorflow.proto.DataType.DT_FLOAT);
  }

  private static AttrValue type(org.tensorflow.proto.DataType type) {
    return AttrValue.newBuilder().setType(type).build();
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }
}
