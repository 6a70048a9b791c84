package dev.adapt.core.plan;

import java.util.Arrays;
import java.util.function.IntToLongFunction;

/**
 * Splits a chain of segments into consecutive groups so that the costliest group is as cheap as
 * possible (dynamic programming over the chain), breaking ties by the bytes that cross the chosen
 * cuts, then by the earliest cuts. Every group must cost at least a given minimum, so that no group
 * does next to nothing (such as a last stage that only adds a bias).
 *
 * <p>A group's time is its cost by default; {@link GroupTime} lets a link model weigh what crosses
 * the group's ends as well, while the minimum stays a minimum of cost (work done).
 */
final class BalancedPartition {
  private static final double TOLERANCE = 1e-9;

  /** The time of the group of segments {@code [start, end)}, whose summed cost is {@code cost}. */
  @FunctionalInterface
  interface GroupTime {
    double of(int start, int end, double cost);
  }

  private BalancedPartition() {}

  /**
   * @param costs cost of each segment; cut i lies between segment i and segment i + 1
   * @param groups how many groups to make (1 to costs.length)
   * @param cutBytes bytes that cross cut i
   * @param minGroupCost the least cost of any group
   * @return the chosen cut indexes, ascending, or null when no partition gives every group its
   *     minimum
   */
  static int[] partition(
      double[] costs, int groups, IntToLongFunction cutBytes, double minGroupCost) {
    return partition(costs, groups, cutBytes, minGroupCost, (start, end, cost) -> cost);
  }

  /**
   * Groups for devices behind links: a group's time is {@link LinkModel#stageSeconds} of its cost
   * and of the wire bytes it reads and writes, and ties go to the fewest wire bytes across cuts.
   *
   * @param wireBytes {@code costs.length + 1} entries: the model input's expected wire bytes, those
   *     of each cut, and the model output's
   */
  static int[] partition(
      double[] costs, int groups, long[] wireBytes, double minGroupCost, LinkModel link) {
    if (wireBytes.length != costs.length + 1) {
      throw new IllegalArgumentException(
          "expected " + (costs.length + 1) + " wire sizes, got " + wireBytes.length);
    }
    // Group [start, end) reads cut start - 1 (wireBytes[start]) and writes cut end - 1
    // (wireBytes[end]).
    return partition(
        costs,
        groups,
        i -> wireBytes[i + 1],
        minGroupCost,
        (start, end, cost) -> link.stageSeconds(cost, wireBytes[start], wireBytes[end]));
  }

  /**
   * As {@link #partition(double[], int, IntToLongFunction, double)}, minimising the longest {@code
   * time} of any group instead of its cost.
   */
  static int[] partition(
      double[] costs, int groups, IntToLongFunction cutBytes, double minGroupCost, GroupTime time) {
    int segments = costs.length;
    double[] prefix = new double[segments + 1];
    for (int i = 0; i < segments; i++) {
      prefix[i + 1] = prefix[i] + costs[i];
    }
    // best[g][e]: the least possible maximum over g groups covering segments [0, e).
    double[][] best = new double[groups + 1][segments + 1];
    for (double[] row : best) {
      Arrays.fill(row, Double.POSITIVE_INFINITY);
    }
    best[0][0] = 0;
    for (int g = 1; g <= groups; g++) {
      for (int end = g; end <= segments; end++) {
        for (int start = g - 1; start < end; start++) {
          double cost = prefix[end] - prefix[start];
          if (cost < minGroupCost) {
            continue;
          }
          double value = Math.max(best[g - 1][start], time.of(start, end, cost));
          if (value < best[g][end]) {
            best[g][end] = value;
          }
        }
      }
    }
    double limit = best[groups][segments];
    if (limit == Double.POSITIVE_INFINITY) {
      return null;
    }
    double allowed = limit + Math.abs(limit) * TOLERANCE;

    // Among partitions whose groups all take at most `allowed`: fewest bytes across cuts, then
    // earliest cuts. bytes[g][e] and from[g][e] describe the best such g groups over [0, e).
    long[][] bytes = new long[groups + 1][segments + 1];
    int[][] from = new int[groups + 1][segments + 1];
    for (long[] row : bytes) {
      Arrays.fill(row, Long.MAX_VALUE);
    }
    bytes[0][0] = 0;
    for (int g = 1; g <= groups; g++) {
      for (int end = g; end <= segments; end++) {
        for (int start = g - 1; start < end; start++) {
          double cost = prefix[end] - prefix[start];
          if (bytes[g - 1][start] == Long.MAX_VALUE
              || cost < minGroupCost
              || time.of(start, end, cost) > allowed) {
            continue;
          }
          long crossing = start == 0 ? 0 : Math.max(0, cutBytes.applyAsLong(start - 1));
          long total = bytes[g - 1][start] + crossing;
          if (total < bytes[g][end]) {
            bytes[g][end] = total;
            from[g][end] = start;
          }
        }
      }
    }
    int[] cuts = new int[groups - 1];
    int end = segments;
    for (int g = groups; g > 1; g--) {
      int start = from[g][end];
      cuts[g - 2] = start - 1;
      end = start;
    }
    return cuts;
  }
}
