package dev.adapt.core.slice;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Feeds arbitrary bytes to the worker's reading of a slice artifact: anything but an artifact or an
 * {@link IllegalArgumentException} (a {@link dev.adapt.core.security.DisallowedOpException} among
 * them) escaping is a bug, since the worker answers only those as a refused slice.
 */
class SliceArtifactFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void parseRefusesAnythingButASliceWithIllegalArgumentException(byte[] input) {
    SliceArtifact artifact;
    try {
      artifact = SliceArtifact.parse(input);
    } catch (IllegalArgumentException expected) {
      return;
    }
    assertThat(artifact.stage()).isBetween(0, artifact.stageCount() - 1);
    assertThat(artifact.size()).isEqualTo(input.length);
  }
}
