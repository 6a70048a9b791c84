package dev.adapt.e2e;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits by polling, to generous deadlines: the machine is shared and busy, so a deadline bounds a
 * hang, it does not measure speed. What was last observed goes into the failure message.
 */
final class Poll {
  private static final Logger log = LoggerFactory.getLogger(Poll.class);

  private Poll() {}

  /**
   * Calls {@code probe} every {@code interval} until it returns a value, and returns that value.
   * The probe describes what it saw through {@code seen} (kept for the failure message); an
   * exception thrown by the probe counts as "not yet" and is described too.
   */
  static <T> T until(
      String what,
      Duration timeout,
      Duration interval,
      java.util.function.Function<AtomicReference<String>, Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    AtomicReference<String> seen = new AtomicReference<>("nothing yet");
    long started = System.nanoTime();
    while (true) {
      try {
        Optional<T> value = probe.apply(seen);
        if (value.isPresent()) {
          log.info("{}: after {} s", what, (System.nanoTime() - started) / 1_000_000_000L);
          return value.get();
        }
      } catch (RuntimeException e) {
        seen.set(e.toString());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "gave up waiting after "
                + timeout.toSeconds()
                + " s for "
                + what
                + "; last seen: "
                + seen.get());
      }
      sleep(interval);
    }
  }

  /** Like {@link #until} for a condition without a value. */
  static void untilTrue(
      String what,
      Duration timeout,
      Duration interval,
      Supplier<String> state,
      java.util.function.Predicate<String> done) {
    until(
        what,
        timeout,
        interval,
        seen -> {
          String now = state.get();
          seen.set(now);
          return done.test(now) ? Optional.of(now) : Optional.empty();
        });
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
