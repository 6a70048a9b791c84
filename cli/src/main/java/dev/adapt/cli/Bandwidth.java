package dev.adapt.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A link speed as {@code tc} writes it ({@code 1gbit}, {@code 100mbit}, {@code 500kbit}).
 *
 * @param bitsPerSecond the rate
 */
record Bandwidth(long bitsPerSecond) {
  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)([kmg]?)bit");
  // Bursts below one GSO segment (64 KiB) would make tbf split every large packet.
  private static final long MIN_BURST_BYTES = 128 * 1024;

  Bandwidth {
    if (bitsPerSecond < 8_000) {
      throw new IllegalArgumentException("a link needs at least 8kbit, not " + bitsPerSecond);
    }
  }

  /** Parses {@code 1gbit}, {@code 100mbit}, {@code 2.5gbit}, {@code 64000bit}. */
  static Bandwidth parse(String text) {
    Matcher m = FORM.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "a bandwidth is a number and a unit, such as 1gbit or 100mbit, not '" + text + "'");
    }
    double factor =
        switch (m.group(2)) {
          case "k" -> 1e3;
          case "m" -> 1e6;
          case "g" -> 1e9;
          default -> 1;
        };
    return new Bandwidth(Math.round(Double.parseDouble(m.group(1)) * factor));
  }

  /** The rate argument for {@code tc}. */
  String tcRate() {
    return bitsPerSecond + "bit";
  }

  /**
   * The token bucket's depth: 2 ms at this rate, but at least 128 KiB so that segmentation
   * offload's 64 KiB packets pass whole. A short burst keeps the link's speed close to the rate
   * even over a single activation (hundreds of KiB to a few MiB).
   */
  long burstBytes() {
    return Math.max(MIN_BURST_BYTES, bitsPerSecond / 8 / 500);
  }

  @Override
  public String toString() {
    if (bitsPerSecond % 1_000_000_000 == 0) {
      return bitsPerSecond / 1_000_000_000 + "gbit";
    }
    if (bitsPerSecond % 1_000_000 == 0) {
      return bitsPerSecond / 1_000_000 + "mbit";
    }
    return tcRate();
  }
}
