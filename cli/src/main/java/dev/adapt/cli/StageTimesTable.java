package dev.adapt.cli;

import dev.adapt.core.plan.LinkModel;
import dev.adapt.core.plan.StageTime;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** {@code adapt plan --plan-for-link}: each stage's estimated time, and what bounds it. */
final class StageTimesTable {
  private StageTimesTable() {}

  static void print(PrintWriter out, LinkModel link, List<StageTime> times) {
    out.printf(
        Locale.ROOT,
        "%nEstimated per item on devices of %.1f GFLOP/s behind %.1f Mbit/s links (%s on the"
            + " wire; compute and transfer overlap, a link sends and receives at once):%n",
        link.deviceWorkPerSecond() / 1e9,
        link.linkBytesPerSecond() * 8 / 1e6,
        link.encoding());
    String row = "%-5s  %10s  %13s  %14s  %11s  %9s  %-8s%n";
    out.printf(
        row,
        "stage",
        "compute ms",
        "input KB wire",
        "output KB wire",
        "transfer ms",
        "stage ms",
        "bound by");
    StageTime slowest = times.get(0);
    for (StageTime time : times) {
      out.printf(
          Locale.ROOT,
          row,
          time.stage(),
          String.format(Locale.ROOT, "%.1f", time.computeSeconds() * 1e3),
          String.format(Locale.ROOT, "%.1f", time.inWireBytes() / 1024.0),
          String.format(Locale.ROOT, "%.1f", time.outWireBytes() / 1024.0),
          String.format(Locale.ROOT, "%.1f", time.transferSeconds() * 1e3),
          String.format(Locale.ROOT, "%.1f", time.seconds() * 1e3),
          time.linkBound() ? "link" : "compute");
      if (time.seconds() > slowest.seconds()) {
        slowest = time;
      }
    }
    out.printf(
        Locale.ROOT,
        "Slowest: stage %d, %.1f ms per item: at most %.1f items/s%n",
        slowest.stage(),
        slowest.seconds() * 1e3,
        1 / slowest.seconds());
  }
}
