package dev.adapt.cli;

import java.io.PrintStream;

/** A one-line progress bar on a terminal; silent when output goes elsewhere. */
final class ProgressBar {
  private static final int WIDTH = 40;
  private final PrintStream out;
  private final int total;
  private final boolean enabled;
  private int lastDrawn = -1;

  ProgressBar(PrintStream out, int total, boolean enabled) {
    this.out = out;
    this.total = Math.max(1, total);
    this.enabled = enabled;
  }

  /** A bar that draws nothing: for runs nobody watches. */
  static ProgressBar silent() {
    return new ProgressBar(new PrintStream(PrintStream.nullOutputStream()), 1, false);
  }

  static boolean onTerminal() {
    return System.console() != null;
  }

  synchronized void update(int done, int failed) {
    if (!enabled) {
      return;
    }
    int filled = (int) ((long) done * WIDTH / total);
    if (filled == lastDrawn && done != total) {
      return;
    }
    lastDrawn = filled;
    out.print(
        "\r["
            + "=".repeat(filled)
            + " ".repeat(WIDTH - filled)
            + "] "
            + done
            + "/"
            + total
            + (failed > 0 ? " (" + failed + " failed)" : ""));
    out.flush();
  }

  synchronized void finish() {
    if (enabled) {
      out.println();
    }
  }
}
