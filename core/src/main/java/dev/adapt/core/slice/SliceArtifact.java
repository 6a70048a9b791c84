package dev.adapt.core.slice;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.security.DisallowedOpException;
import dev.adapt.core.security.OpAllowlist;
import dev.adapt.core.tensor.DType;
import dev.adapt.proto.v1.DataType;
import dev.adapt.proto.v1.SliceDefinition;
import dev.adapt.proto.v1.SliceTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.tensorflow.proto.GraphDef;

/**
 * A self-contained slice of a model, as shipped to a worker: its frozen graph, its input and output
 * tensors and its stage, serialized deterministically, with the SHA-256 of those bytes as its
 * identity.
 */
public final class SliceArtifact {
  static final int FORMAT_VERSION = 1;

  private final ByteString bytes;
  private final String sha256;
  private final SliceDefinition definition;
  private final TensorSpec input;
  private final TensorSpec output;

  private SliceArtifact(ByteString bytes, SliceDefinition definition) {
    this.bytes = bytes;
    this.sha256 = sha256(bytes);
    this.definition = definition;
    this.input = spec(definition.getInput());
    this.output = spec(definition.getOutput());
  }

  /** Serializes a slice; the same arguments always give the same bytes. */
  static SliceArtifact create(
      String model,
      int stage,
      int stageCount,
      SliceTensor input,
      SliceTensor output,
      GraphDef graph) {
    SliceDefinition definition =
        SliceDefinition.newBuilder()
            .setFormatVersion(FORMAT_VERSION)
            .setModel(model)
            .setStage(stage)
            .setStageCount(stageCount)
            .setInput(input)
            .setOutput(output)
            .setGraphDef(UnsafeByteOperations.unsafeWrap(deterministicBytes(graph)))
            .build();
    return new SliceArtifact(
        UnsafeByteOperations.unsafeWrap(deterministicBytes(definition)), definition);
  }

  /**
   * Reads an artifact back and checks that it is one: a known format, a parseable graph of model
   * operations only ({@link OpAllowlist#modelOps()}) that holds its input and output, a stage
   * within its stage count. Workers load nothing that has not passed here, so that a graph able to
   * touch files never reaches a session, whoever sent it.
   *
   * @throws DisallowedOpException if the graph holds an operation outside the allowlist
   * @throws IllegalArgumentException if the bytes are not a valid slice artifact
   */
  public static SliceArtifact parse(byte[] bytes) {
    return parse(ByteString.copyFrom(bytes));
  }

  /** Like {@link #parse(byte[])}, without copying {@code bytes}. */
  public static SliceArtifact parse(ByteString bytes) {
    SliceDefinition definition;
    try {
      definition = SliceDefinition.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a slice artifact: " + e.getMessage(), e);
    }
    if (definition.getFormatVersion() != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "unsupported slice format version " + definition.getFormatVersion());
    }
    if (definition.getStage() < 0 || definition.getStage() >= definition.getStageCount()) {
      throw new IllegalArgumentException(
          "slice stage " + definition.getStage() + " is outside 0.." + definition.getStageCount());
    }
    if (!definition.hasInput() || !definition.hasOutput()) {
      throw new IllegalArgumentException("slice artifact lacks its input or output");
    }
    GraphDef graphDef;
    try {
      graphDef = GraphDef.parseFrom(definition.getGraphDef());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "slice artifact holds no valid graph: " + e.getMessage(), e);
    }
    OpAllowlist.modelOps()
        .check(
            graphDef,
            "the slice of stage " + definition.getStage() + " of " + definition.getModel());
    GraphIndex graph = new GraphIndex(graphDef);
    for (SliceTensor end : new SliceTensor[] {definition.getInput(), definition.getOutput()}) {
      if (!graph.contains(TensorName.parse(end.getName()).op())) {
        throw new IllegalArgumentException("slice graph lacks its tensor " + end.getName());
      }
    }
    return new SliceArtifact(bytes, definition);
  }

  private static TensorSpec spec(SliceTensor tensor) {
    if (tensor.getDtype() == DataType.DATA_TYPE_UNSPECIFIED
        || tensor.getDtype() == DataType.UNRECOGNIZED) {
      throw new IllegalArgumentException("slice tensor " + tensor.getName() + " has no data type");
    }
    long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
    return new TensorSpec(tensor.getName(), DType.fromWire(tensor.getDtype()), shape);
  }

  static byte[] deterministicBytes(MessageLite message) {
    byte[] out = new byte[message.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      message.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stream.checkNoSpaceLeft();
    return out;
  }

  private static String sha256(ByteString bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.asReadOnlyByteBuffer());
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** A copy of the serialized artifact. */
  public byte[] bytes() {
    return bytes.toByteArray();
  }

  /** The serialized artifact, without copying. */
  public ByteString byteString() {
    return bytes;
  }

  public int size() {
    return bytes.size();
  }

  public void writeTo(OutputStream out) throws IOException {
    bytes.writeTo(out);
  }

  /** Lower-case hex SHA-256 of {@link #bytes()}. */
  public String sha256() {
    return sha256;
  }

  public int stage() {
    return definition.getStage();
  }

  public int stageCount() {
    return definition.getStageCount();
  }

  public String model() {
    return definition.getModel();
  }

  /** The tensor the slice reads; its name is the one to feed in {@link #graphDef()}. */
  public TensorSpec input() {
    return input;
  }

  /** The tensor the slice produces; its name is the one to fetch in {@link #graphDef()}. */
  public TensorSpec output() {
    return output;
  }

  /** The plan's name for the input: a cut point, or the model input's signature name. */
  public String inputLabel() {
    return definition.getInput().getLabel();
  }

  /** The plan's name for the output: a cut point, or the model output's signature name. */
  public String outputLabel() {
    return definition.getOutput().getLabel();
  }

  /** The slice's frozen graph (parsed on each call). */
  public GraphDef graphDef() {
    try {
      return GraphDef.parseFrom(definition.getGraphDef());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("validated slice graph no longer parses", e);
    }
  }

  @Override
  public String toString() {
    return "slice "
        + stage()
        + "/"
        + stageCount()
        + " of "
        + model()
        + " ("
        + inputLabel()
        + " → "
        + outputLabel()
        + ", "
        + size()
        + " bytes, sha256 "
        + sha256.substring(0, 12)
        + "…)";
  }
}
