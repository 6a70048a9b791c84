package dev.adapt.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutputAgreementTest {

  @Test
  void countsTopOneAgreementAndTheLargestDifference() {
    OutputAgreement same =
        OutputAgreement.of(new float[] {0.1f, 0.7f, 0.2f}, new float[] {0.1f, 0.6f, 0.3f});
    OutputAgreement flipped =
        OutputAgreement.of(new float[] {0.1f, 0.5f, 0.4f}, new float[] {0.1f, 0.4f, 0.5f});

    OutputAgreement both = same.plus(flipped).plus(OutputAgreement.NONE);

    assertThat(same.top1Agreed()).isEqualTo(1);
    assertThat(flipped.top1Agreed()).isZero();
    assertThat(both.compared()).isEqualTo(2);
    assertThat(both.top1Agreement()).isEqualTo(0.5);
    assertThat(both.maxAbsDiff()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(OutputAgreement.NONE.top1Agreement()).isEqualTo(1.0);
  }

  @Test
  void aNanAnswerIsNeverClose() {
    OutputAgreement nan = OutputAgreement.of(new float[] {1f, 2f}, new float[] {Float.NaN, 2f});

    assertThat(nan.maxAbsDiff()).isNaN();
    assertThat(nan.plus(OutputAgreement.of(new float[] {1f}, new float[] {1f})).maxAbsDiff())
        .isNaN();
  }
}
