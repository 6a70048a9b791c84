package dev.adapt.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {
  private static final int HALF_INFINITY = 0x7c00;

  @Test
  void everyFloat16SurvivesTheTripThroughFloat32() {
    for (int bits = 0; bits <= 0xffff; bits++) {
      float widened = HalfFloats.fromFloat16((short) bits);
      short back = HalfFloats.toFloat16(widened);
      if (isHalfNaN(bits)) {
        assertThat(widened).isNaN();
        assertThat(isHalfNaN(back & 0xffff)).as("NaN %04x", bits).isTrue();
      } else {
        assertThat(back & 0xffff).as("float16 %04x", bits).isEqualTo(bits);
      }
    }
  }

  @Test
  void float16WidensToTheValuesOfTheFormat() {
    assertThat(HalfFloats.fromFloat16((short) 0x3c00)).isEqualTo(1.0f);
    assertThat(HalfFloats.fromFloat16((short) 0xc000)).isEqualTo(-2.0f);
    assertThat(HalfFloats.fromFloat16((short) 0x7bff)).isEqualTo(65504f);
    assertThat(HalfFloats.fromFloat16((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(HalfFloats.fromFloat16((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
    assertThat(HalfFloats.fromFloat16((short) 0x0400)).isEqualTo(0x1p-14f);
    assertThat(HalfFloats.fromFloat16((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(HalfFloats.fromFloat16((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(Float.floatToRawIntBits(HalfFloats.fromFloat16((short) 0x8000)))
        .isEqualTo(0x80000000);
  }

  @Test
  void float16RoundsToNearestWithTiesToEven() {
    // Between every two neighbouring positive float16 values (infinity standing in for 65536,
    // where rounding overflows): the midpoint and the floats next to it.
    for (int low = 0; low < HALF_INFINITY; low++) {
      float a = HalfFloats.fromFloat16((short) low);
      float b = low + 1 == HALF_INFINITY ? 65536f : HalfFloats.fromFloat16((short) (low + 1));
      float mid = (float) (((double) a + b) / 2);
      assertThat((double) mid).isEqualTo(((double) a + b) / 2);
      int even = (low & 1) == 0 ? low : low + 1;
      assertThat(HalfFloats.toFloat16(mid) & 0xffff).as("midpoint above %04x", low).isEqualTo(even);
      assertThat(HalfFloats.toFloat16(Math.nextDown(mid)) & 0xffff).isEqualTo(low);
      assertThat(HalfFloats.toFloat16(Math.nextUp(mid)) & 0xffff).isEqualTo(low + 1);
      assertThat(HalfFloats.toFloat16(-Math.nextUp(mid)) & 0xffff).isEqualTo(0x8000 | (low + 1));
    }
  }

  @Test
  void float16AgreesWithExactRoundingOnRandomFloats() {
    Random random = new Random(12);
    for (int i = 0; i < 200_000; i++) {
      // Exponents spread over float16's range and a little beyond it on both sides.
      float value = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(50) - 30));
      if (Math.abs(value) >= 65520f) {
        assertThat(HalfFloats.toFloat16(value) & 0x7fff).isEqualTo(HALF_INFINITY);
        continue;
      }
      assertThat(HalfFloats.fromFloat16(HalfFloats.toFloat16(value)))
          .as("float %s", value)
          .isEqualTo(nearestFloat16(value));
    }
  }

  @Test
  void float16EdgeCases() {
    assertThat(HalfFloats.toFloat16(65504f)).isEqualTo((short) 0x7bff);
    assertThat(HalfFloats.toFloat16(65519.99f)).isEqualTo((short) 0x7bff);
    assertThat(HalfFloats.toFloat16(65520f)).isEqualTo((short) HALF_INFINITY);
    assertThat(HalfFloats.toFloat16(1e10f)).isEqualTo((short) HALF_INFINITY);
    assertThat(HalfFloats.toFloat16(-1e10f)).isEqualTo((short) 0xfc00);
    assertThat(HalfFloats.toFloat16(Float.POSITIVE_INFINITY)).isEqualTo((short) HALF_INFINITY);
    assertThat(HalfFloats.toFloat16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
    assertThat(isHalfNaN(HalfFloats.toFloat16(Float.NaN) & 0xffff)).isTrue();
    // A NaN whose payload lies only in the bits float16 drops must not become infinity.
    assertThat(isHalfNaN(HalfFloats.toFloat16(Float.intBitsToFloat(0x7f800001)) & 0xffff)).isTrue();
    assertThat(HalfFloats.toFloat16(0x1p-25f)).isEqualTo((short) 0); // tie between 0 and 2^-24
    assertThat(HalfFloats.toFloat16(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
    assertThat(HalfFloats.toFloat16(0x1p-26f)).isEqualTo((short) 0);
    assertThat(HalfFloats.toFloat16(-0x1p-30f)).isEqualTo((short) 0x8000);
    assertThat(HalfFloats.toFloat16(Float.MIN_VALUE)).isEqualTo((short) 0);
    assertThat(HalfFloats.toFloat16(-0f)).isEqualTo((short) 0x8000);
    // The largest subnormal rounds up into the smallest normal.
    assertThat(HalfFloats.toFloat16(Math.nextDown(0x1p-14f))).isEqualTo((short) 0x0400);
    assertThat(HalfFloats.toFloat16(1.0f + 0x1p-11f)).isEqualTo((short) 0x3c00); // tie, to even
    assertThat(HalfFloats.toFloat16(1.0f + 0x3p-11f)).isEqualTo((short) 0x3c02); // tie, to even
  }

  @Test
  void everyBfloat16SurvivesTheTripThroughFloat32() {
    for (int bits = 0; bits <= 0xffff; bits++) {
      float widened = HalfFloats.fromBfloat16((short) bits);
      assertThat(Float.floatToRawIntBits(widened)).isEqualTo(bits << 16);
      short back = HalfFloats.toBfloat16(widened);
      if (Float.isNaN(widened)) {
        assertThat(Float.isNaN(HalfFloats.fromBfloat16(back))).isTrue();
      } else {
        assertThat(back & 0xffff).as("bfloat16 %04x", bits).isEqualTo(bits);
      }
    }
  }

  @Test
  void bfloat16RoundsToNearestWithTiesToEven() {
    Random random = new Random(16);
    for (int i = 0; i < 200_000; i++) {
      int bits = random.nextInt();
      float value = Float.intBitsToFloat(bits);
      if (Float.isNaN(value)) {
        assertThat(Float.isNaN(HalfFloats.fromBfloat16(HalfFloats.toBfloat16(value)))).isTrue();
        continue;
      }
      if (Float.isInfinite(value)) {
        continue;
      }
      int truncated = bits >>> 16;
      double down = HalfFloats.fromBfloat16((short) truncated);
      double up = nextBfloat16(truncated);
      double exact = value;
      double chosen = HalfFloats.fromBfloat16(HalfFloats.toBfloat16(value));
      if (Double.isInfinite(chosen)) {
        // Only past the midpoint between the largest finite bfloat16 and the next step.
        assertThat(truncated & 0x7fff).isEqualTo(0x7f7f);
        assertThat(Math.abs(exact)).isGreaterThanOrEqualTo((Math.abs(down) + Math.abs(up)) / 2);
        continue;
      }
      double error = Math.abs(chosen - exact);
      assertThat(error).isLessThanOrEqualTo(Math.min(Math.abs(down - exact), Math.abs(up - exact)));
      if (Math.abs(down - exact) == Math.abs(up - exact)) {
        assertThat(HalfFloats.toBfloat16(value) & 1).as("tie to even at %08x", bits).isZero();
      }
    }
    assertThat(HalfFloats.toBfloat16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80); // overflows
    assertThat(HalfFloats.toBfloat16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xff80);
    assertThat(HalfFloats.toBfloat16(Float.intBitsToFloat(0x7f800001)) & 0x7f).isNotZero();
    assertThat(HalfFloats.toBfloat16(Float.intBitsToFloat(0x3f808000)))
        .isEqualTo((short) 0x3f80); // tie, to even
    assertThat(HalfFloats.toBfloat16(Float.intBitsToFloat(0x3f818000)))
        .isEqualTo((short) 0x3f82); // tie, to even
    assertThat(HalfFloats.toBfloat16(Float.MIN_VALUE)).isEqualTo((short) 0);
  }

  /** The magnitude next to {@code truncated}'s, away from zero (infinity past the largest). */
  private static double nextBfloat16(int truncated) {
    int magnitude = truncated & 0x7fff;
    if (magnitude == 0x7f7f) {
      // Past the largest finite bfloat16 the next step is as large as the one before it.
      double largest = HalfFloats.fromBfloat16((short) truncated);
      return largest + (largest - HalfFloats.fromBfloat16((short) (truncated - 1)));
    }
    return HalfFloats.fromBfloat16((short) (truncated + 1));
  }

  /** The float16 value nearest to {@code value}, ties to the even one, by exact arithmetic. */
  private static float nearestFloat16(float value) {
    BigDecimal target = new BigDecimal(Math.abs(value));
    int low = 0;
    int high = 0x7bff;
    while (low < high) {
      int middle = (low + high + 1) >>> 1;
      if (new BigDecimal(HalfFloats.fromFloat16((short) middle)).compareTo(target) <= 0) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    int best = low;
    if (low < 0x7bff) {
      BigDecimal below = target.subtract(new BigDecimal(HalfFloats.fromFloat16((short) low)));
      BigDecimal above = new BigDecimal(HalfFloats.fromFloat16((short) (low + 1))).subtract(target);
      int order = above.compareTo(below);
      if (order < 0 || (order == 0 && (low & 1) == 1)) {
        best = low + 1;
      }
    }
    float magnitude = HalfFloats.fromFloat16((short) best);
    return value < 0 || (value == 0 && 1 / value < 0) ? -magnitude : magnitude;
  }

  private static boolean isHalfNaN(int bits) {
    return (bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0;
  }
}
