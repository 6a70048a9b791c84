package dev.adapt.dispatcher.slices;

/**
 * Changes slice chunks on their way out. Production sends them untouched; tests corrupt one to
 * check that the worker refuses it and the resend succeeds.
 */
@FunctionalInterface
public interface ChunkTamper {
  ChunkTamper NONE = (attempt, offset, chunk) -> chunk;

  /**
   * The bytes to send for the chunk at {@code offset} of push attempt {@code attempt} (1-based).
   */
  byte[] apply(int attempt, long offset, byte[] chunk);
}
