package dev.adapt.core.slice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.security.DisallowedOpException;
import dev.adapt.core.security.DisallowedOpException.DisallowedOp;
import dev.adapt.core.security.OpAllowlist;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only model arithmetic is cut into slices or accepted as one. */
class ModelOpAllowlistTest {
  @TempDir Path scratch;

  @Test
  void aSliceThatWritesAFileDoesSoWhenRunAndIsRefusedWhenParsed() throws Exception {
    // Run unchecked, the graph really writes: this is the attack the allowlist stops.
    Path written = scratch.resolve("written-by-run");
    try (var executor = TensorFlowSliceExecutor.load(HostileSlices.writingFile(written, "x"))) {
      executor.run(twoFloats());
    }
    assertThat(written).hasContent("x");

    Path target = scratch.resolve("never-written");
    byte[] bytes = HostileSlices.writingFile(target, "x").bytes();

    assertThatThrownBy(() -> SliceArtifact.parse(bytes))
        .isInstanceOf(DisallowedOpException.class)
        .hasMessageContaining("write (WriteFile)")
        .satisfies(
            e ->
                assertThat(((DisallowedOpException) e).ops())
                    .containsExactly(new DisallowedOp("write", "WriteFile")));
    assertThat(target).doesNotExist();
  }

  @Test
  void aSliceThatReadsAFileLeaksItWhenRunAndIsRefusedWhenParsed() throws Exception {
    Path secret = Files.writeString(scratch.resolve("secret"), "twelve bytes");
    try (var executor = TensorFlowSliceExecutor.load(HostileSlices.readingFile(secret))) {
      HostTensor out = executor.run(twoFloats());
      assertThat(out.toFloatArray()).containsExactly(13f, 14f);
    }

    byte[] bytes = HostileSlices.readingFile(secret).bytes();

    assertThatThrownBy(() -> SliceArtifact.parse(bytes))
        .isInstanceOf(DisallowedOpException.class)
        .hasMessageContaining("read (ReadFile)")
        .hasMessageContaining("length (StringLength)");
  }

  @Test
  void theModelsOwnSlicesPass() {
    var model = TestModels.fixture("keras_residual_cnn");
    var plan = Planner.plan(model, new Partitioning.Balanced(3));
    for (SliceArtifact slice : Slicer.slice(model, plan)) {
      assertThat(SliceArtifact.parse(slice.byteString()).sha256()).isEqualTo(slice.sha256());
    }
  }

  @Test
  void aModelThatReadsFilesIsRefusedByThePlannerNamingTheNodes() {
    var model = TestModels.fixture("module_reads_file");

    assertThatThrownBy(() -> Planner.plan(model, new Partitioning.Balanced(1)))
        .isInstanceOf(DisallowedOpException.class)
        .hasMessageContaining("the inference graph of ")
        .hasMessageContaining("(ReadFile)")
        .hasMessageContaining("(StringLength)");
  }

  @Test
  void theKerasApplicationsNeedOnlyAllowedOperations() throws IOException {
    Map<String, List<String>> byApplication = kerasApplicationOps();
    assertThat(byApplication)
        .containsOnlyKeys(
            "ResNet50", "MobileNetV2", "InceptionV3", "DenseNet121", "EfficientNetB0");
    byApplication.forEach(
        (application, types) ->
            assertThat(types)
                .as(application)
                .isNotEmpty()
                .allSatisfy(type -> assertThat(OpAllowlist.modelOps().allows(type)).isTrue()));
  }

  @Test
  void fileAndRuntimeOperationsAreNotAllowed() {
    for (String type :
        List.of(
            "ReadFile",
            "WriteFile",
            "MatchingFiles",
            "Save",
            "SaveV2",
            "Restore",
            "RestoreV2",
            "ImmutableConst",
            "PrintV2",
            "PyFunc",
            "VarHandleOp",
            "StatefulPartitionedCall",
            "TFRecordDataset")) {
      assertThat(OpAllowlist.modelOps().allows(type)).as(type).isFalse();
    }
  }

  /** ops.txt, written by list_ops.py beside it: one application per line, then its types. */
  private static Map<String, List<String>> kerasApplicationOps() throws IOException {
    Map<String, List<String>> result = new TreeMap<>();
    try (InputStream in =
        ModelOpAllowlistTest.class.getResourceAsStream("/keras-applications/ops.txt")) {
      assertThat(in).as("keras-applications/ops.txt").isNotNull();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          String[] words = line.strip().split(" ");
          result.put(words[0], Arrays.asList(words).subList(1, words.length));
        }
      }
    }
    return result;
  }

  private static HostTensor twoFloats() {
    return HostTensor.ofFloats(new long[] {1, 2}, new float[] {1f, 2f});
  }
}
