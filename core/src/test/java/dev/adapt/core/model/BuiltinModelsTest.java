package dev.adapt.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.testing.JavaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinModelsTest {

  @Test
  void concurrentProcessesBuildACacheEntryOnceAndNeverSeeItHalfWritten(@TempDir Path temp)
      throws Exception {
    Path root = temp.resolve("models");
    Path writes = temp.resolve("writes.log");
    List<String> args = List.of(root.toString(), "slow-v1", writes.toString());
    try (JavaProcess first =
            JavaProcess.start("first", temp, List.of(), CacheWriterMain.class.getName(), args);
        JavaProcess second =
            JavaProcess.start("second", temp, List.of(), CacheWriterMain.class.getName(), args)) {
      assertThat(first.awaitExit(Duration.ofSeconds(60))).as(first.logTail(20)).isTrue();
      assertThat(second.awaitExit(Duration.ofSeconds(60))).as(second.logTail(20)).isTrue();
      assertThat(first.stop(Duration.ofSeconds(1))).isZero();
      assertThat(second.stop(Duration.ofSeconds(1))).isZero();
      assertThat(first.logTail(5)).contains("parts 20");
      assertThat(second.logTail(5)).contains("parts 20");
    }
    assertThat(Files.readAllLines(writes)).hasSize(1);
    assertThat(root.resolve("slow-v1/saved_model.pb")).hasContent("complete");
    try (var entries = Files.list(root)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .as("no staging directory is left behind")
          .containsExactlyInAnyOrder("slow-v1", "slow-v1.lock");
    }
  }

  @Test
  void aWriterThatFailsLeavesNoEntry(@TempDir Path root) {
    try {
      BuiltinModels.cached(
          root,
          "broken-v1",
          directory -> {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("saved_model.pb"), "partial");
            throw new java.io.IOException("disk full");
          });
    } catch (java.io.UncheckedIOException expected) {
      assertThat(expected).hasMessageContaining("broken-v1");
    }
    assertThat(root.resolve("broken-v1")).doesNotExist();
  }

  @Test
  void modelSourcesParse() {
    assertThat(ModelSource.parse("builtin:resnet50").uri()).isEqualTo("builtin:resnet50");
    assertThat(ModelSource.parse("builtin:resnet50").signature()).isEqualTo("serving_default");
    ModelSource path = ModelSource.parse("file:/models/../models/cnn", "other");
    assertThat(path.kind()).isEqualTo(ModelSource.Kind.SAVED_MODEL);
    assertThat(path.uri()).isEqualTo("/models/cnn");
    assertThat(path.signature()).isEqualTo("other");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ModelSource.parse(" "))
        .hasMessageContaining("no model given");
  }
}
