package dev.adapt.core.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Transposes the bytes of fixed-size elements: byte 0 of every element, then byte 1 of every
 * element, and so on. LZ4 finds few repeats in raw floats (their low mantissa bytes are noise) but
 * many in the streams of exponent and sign bytes, and zeros line up into long runs. Bytes after the
 * last whole element stay at the end as they are.
 */
final class ByteShuffle {
  private static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private ByteShuffle() {}

  /** The remaining bytes of {@code source}, shuffled, as a new array; the source is not moved. */
  static byte[] shuffle(ByteBuffer source, int elementSize) {
    ByteBuffer in = source.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = in.position();
    int length = in.remaining();
    int count = length / elementSize;
    byte[] out = new byte[length];
    // Reading whole elements and writing elementSize sequential streams keeps both sides in cache.
    switch (elementSize) {
      case 2 -> {
        for (int i = 0; i < count; i++) {
          short element = in.getShort(base + 2 * i);
          out[i] = (byte) element;
          out[count + i] = (byte) (element >> 8);
        }
      }
      case 4 -> {
        for (int i = 0; i < count; i++) {
          int element = in.getInt(base + 4 * i);
          out[i] = (byte) element;
          out[count + i] = (byte) (element >>> 8);
          out[2 * count + i] = (byte) (element >>> 16);
          out[3 * count + i] = (byte) (element >>> 24);
        }
      }
      default -> {
        for (int i = 0; i < count; i++) {
          for (int b = 0; b < elementSize; b++) {
            out[b * count + i] = in.get(base + i * elementSize + b);
          }
        }
      }
    }
    int whole = count * elementSize;
    in.get(base + whole, out, whole, length - whole);
    return out;
  }

  /** Undoes {@link #shuffle} on a whole array. */
  static byte[] unshuffle(byte[] shuffled, int elementSize) {
    int length = shuffled.length;
    int count = length / elementSize;
    byte[] out = new byte[length];
    switch (elementSize) {
      case 2 -> {
        for (int i = 0; i < count; i++) {
          SHORTS.set(out, 2 * i, (short) ((shuffled[i] & 0xff) | (shuffled[count + i] << 8)));
        }
      }
      case 4 -> {
        for (int i = 0; i < count; i++) {
          INTS.set(
              out,
              4 * i,
              (shuffled[i] & 0xff)
                  | (shuffled[count + i] & 0xff) << 8
                  | (shuffled[2 * count + i] & 0xff) << 16
                  | shuffled[3 * count + i] << 24);
        }
      }
      default -> {
        for (int i = 0; i < count; i++) {
          for (int b = 0; b < elementSize; b++) {
            out[i * elementSize + b] = shuffled[b * count + i];
          }
        }
      }
    }
    int whole = count * elementSize;
    System.arraycopy(shuffled, whole, out, whole, length - whole);
    return out;
  }
}
