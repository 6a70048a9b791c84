package dev.adapt.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteShuffleTest {

  @Test
  void groupsTheBytesOfEachPosition() {
    byte[] elements = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};

    byte[] shuffled = ByteShuffle.shuffle(ByteBuffer.wrap(elements), 4);

    assertThat(shuffled).containsExactly(0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 8})
  void unshuffleRestoresAnyLengthIncludingATrailingPartialElement(int elementSize) {
    Random random = new Random(elementSize);
    for (int length : new int[] {0, 1, 2, 3, 5, 7, 8, 33, 1001, 4096}) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);

      byte[] shuffled = ByteShuffle.shuffle(ByteBuffer.wrap(bytes), elementSize);

      assertThat(shuffled).hasSize(length);
      assertThat(ByteShuffle.unshuffle(shuffled, elementSize)).isEqualTo(bytes);
      int whole = length / elementSize * elementSize;
      for (int tail = whole; tail < length; tail++) {
        assertThat(shuffled[tail]).isEqualTo(bytes[tail]);
      }
    }
  }

  @Test
  void readsFromTheBuffersPositionWithoutMovingIt() {
    ByteBuffer direct = ByteBuffer.allocateDirect(10);
    direct.put(new byte[] {9, 9, 1, 2, 3, 4, 5, 6, 7, 8}).position(2);

    byte[] shuffled = ByteShuffle.shuffle(direct.asReadOnlyBuffer(), 2);

    assertThat(shuffled).containsExactly(1, 3, 5, 7, 2, 4, 6, 8);
    assertThat(direct.position()).isEqualTo(2);
  }
}
