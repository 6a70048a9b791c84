package dev.adapt.core.wire;

/** A {@code WireTensor} that is corrupt or inconsistent with itself. */
public final class WireFormatException extends IllegalArgumentException {
  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
