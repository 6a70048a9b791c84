package dev.adapt.core.slice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

class ExecutorOptionsTest {

  @Test
  void threadCountsAndSpinningGoIntoTheSessionConfig() {
    ConfigProto quiet = new ExecutorOptions(2, 1, false).toConfigProto();
    assertThat(quiet.getIntraOpParallelismThreads()).isEqualTo(2);
    assertThat(quiet.getInterOpParallelismThreads()).isEqualTo(1);
    assertThat(quiet.getExperimental().getDisableThreadSpinning()).isTrue();

    assertThat(new ExecutorOptions(2, 1).threadSpinning()).isTrue();
    assertThat(ExecutorOptions.DEFAULT.toConfigProto().getExperimental().getDisableThreadSpinning())
        .isFalse();
  }
}
