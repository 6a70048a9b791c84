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
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {
      return (short)
          (sign | HALF_INFINITY | (mantissa == 0 ? 0 : HALF_QUIET_NAN_BIT | (mantissa >>> 13)));
    }
    int halfExponent = exponent - FLOAT_EXPONENT_BIAS + HALF_EXPONENT_BIAS;
    if (halfExponent >= 0x1f) {
      return (short) (sign | HALF_INFINITY);
    }
    if (halfExponent <= 0) {
      // A float16 subnormal is m * 2^-24; with the implicit bit, the float is
      // significand * 2^(halfExponent - 14) in those units. Below 2^-25 everything rounds to zero.
      if (halfExponent < -10) {
        return (short) sign;
      }
      int significand = mantissa | 0x800000;
      int shift = 14 - halfExponent;
      return (short) (sign | roundShift(significand, shift));
    }
    // Rebase the exponent, then round by adding just under half a unit plus the kept lowest bit
    // (ties to even) before shifting: no data-dependent branch, which on activations (rounding
    // up or down at random) made the straightforward comparison several times slower. A carry
    // out of the mantissa moves into the exponent, which is the correct result (up to infinity
    // when rounding past 65504).
    int rebased = (bits & 0x7fffffff) - ((FLOAT_EXPONENT_BIAS - HALF_EXPONENT_BIAS) << 23);
    return (short) (sign | ((rebased + 0xfff + ((rebased >>> 13) & 1)) >>> 13));
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

  /** {@code value >>> shift}, rounded to nearest with ties to even. */
  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int dropped = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    return dropped > half || (dropped == half && (kept & 1) != 0) ? kept + 1 : kept;
  }
}
