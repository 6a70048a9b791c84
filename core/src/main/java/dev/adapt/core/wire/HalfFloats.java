package dev.adapt.core.wire;

import dev.adapt.proto.v1.FloatEncoding;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float32 to and from the two 16-bit float formats, rounding to nearest with ties to even (what
 * {@code Float.floatToFloat16} does from Java 20 on; this project targets Java 17).
 *
 * <p>NaN stays NaN (quiet, sign and top payload bits kept), infinities stay infinite, float16
 * overflows to infinity above its largest finite value (65504) and underflows through its
 * subnormals to signed zero. bfloat16 keeps float32's exponent, so it only rounds the mantissa.
 */
final class HalfFloats {
  private static final int FLOAT_EXPONENT_BIAS = 127;
  private static final int HALF_EXPONENT_BIAS = 15;
  private static final int HALF_INFINITY = 0x7c00;
  private static final int HALF_QUIET_NAN_BIT = 0x0200;
  private static final int FLOAT_INFINITY = 0x7f800000;
  // Float bits of 65536 (2^16, float16's exponent limit) and 2^-14 (its smallest normal).
  private static final int FLOAT16_OVERFLOW = 0x47800000;
  private static final int FLOAT16_MIN_NORMAL = 0x38800000;

  private static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle FLOATS =
      MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

  // Every float16 value as a float: widening by lookup avoids a branch per element (zeros and
  // normal values alternate at random in post-ReLU activations). 256 KiB, built once.
  private static final float[] FLOAT16_VALUES = new float[1 << 16];

  static {
    for (int bits = 0; bits < FLOAT16_VALUES.length; bits++) {
      FLOAT16_VALUES[bits] = fromFloat16((short) bits);
    }
  }

  private HalfFloats() {}

  /** The remaining little-endian floats of {@code floats} as 16-bit floats, little-endian. */
  static byte[] narrow(ByteBuffer floats, FloatEncoding encoding) {
    ByteBuffer in = floats.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    int count = in.remaining() / Float.BYTES;
    byte[] out = new byte[count * 2];
    boolean bfloat = bfloat(encoding);
    for (int i = 0; i < count; i++) {
      float value = in.getFloat(base + Float.BYTES * i);
      SHORTS.set(out, 2 * i, bfloat ? toBfloat16(value) : toFloat16(value));
    }
    return out;
  }

  /** Little-endian 16-bit floats back to little-endian floats. */
  static byte[] widen(ByteBuffer halves, FloatEncoding encoding) {
    ByteBuffer in = halves.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    int count = in.remaining() / 2;
    byte[] out = new byte[count * Float.BYTES];
    boolean bfloat = bfloat(encoding);
    for (int i = 0; i < count; i++) {
      short value = in.getShort(base + 2 * i);
      FLOATS.set(
          out, Float.BYTES * i, bfloat ? fromBfloat16(value) : FLOAT16_VALUES[value & 0xffff]);
    }
    return out;
  }

  private static boolean bfloat(FloatEncoding encoding) {
    return switch (encoding) {
      case FLOAT_ENCODING_BFLOAT16 -> true;
      case FLOAT_ENCODING_FLOAT16 -> false;
      default -> throw new IllegalArgumentException("not a 16-bit float encoding: " + encoding);
    };
  }

  static short toFloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int magnitude = bits & 0x7fffffff;
    if (magnitude >= FLOAT16_OVERFLOW) {
      // 65536 and more (also infinity) is infinite; NaN stays NaN, quiet.
      return (short)
          (sign
              | HALF_INFINITY
              | (magnitude > FLOAT_INFINITY ? HALF_QUIET_NAN_BIT | ((bits & 0x7fffff) >>> 13) : 0));
    }
    // Normal results: rebase the exponent, then round by adding just under half a unit plus the
    // kept lowest bit (ties to even) before shifting. A carry out of the mantissa moves into the
    // exponent, which is the correct result (up to infinity when rounding from 65520 on).
    int rebased = magnitude - ((FLOAT_EXPONENT_BIAS - HALF_EXPONENT_BIAS) << 23);
    int normal = (rebased + 0xfff + ((rebased >>> 13) & 1)) >>> 13;
    // Below float16's smallest normal (2^-14) the float unit rounds for us: in the sum with 0.5,
    // whose unit is 2^-24 (float16's subnormal step), the value is rounded to nearest even
    // multiple of 2^-24, and the sum's low bits are that multiple (0 for zero, 0x400 when it rounds
    // up to the smallest normal).
    int subnormal = Float.floatToRawIntBits(Float.intBitsToFloat(magnitude) + 0.5f) - 0x3f000000;
    // Both are computed and one is selected, with no branch: activations mix zeros and normal
    // values at random, and a branch on which one is at hand mispredicted half the time.
    return (short) (sign | (magnitude < FLOAT16_MIN_NORMAL ? subnormal : normal));
  }

  static float fromFloat16(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: exact in float32.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(
        sign | ((exponent - HALF_EXPONENT_BIAS + FLOAT_EXPONENT_BIAS) << 23) | (mantissa << 13));
  }

  static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      // NaN: truncating could clear every payload bit left and make it infinite; keep it quiet.
      return (short) ((bits >>> 16) | 0x0040);
    }
    int tieToEven = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + tieToEven) >>> 16);
  }

  static float fromBfloat16(short bfloat) {
    return Float.intBitsToFloat((bfloat & 0xffff) << 16);
  }
}
