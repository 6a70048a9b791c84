package dev.adapt.core.membership;

/** The membership store could not be read or written in time; callers may retry. */
public class MembershipUnavailableException extends RuntimeException {
  public MembershipUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
