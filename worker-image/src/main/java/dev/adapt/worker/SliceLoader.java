package dev.adapt.worker;

import dev.adapt.core.slice.SliceExecutor;

/** Turns the verified bytes of a slice artifact into something that runs it. */
@FunctionalInterface
public interface SliceLoader {

  /**
   * Parses and prepares a slice. Throws {@link IllegalArgumentException} when the bytes are not a
   * valid slice artifact.
   */
  SliceExecutor load(byte[] artifact);
}
