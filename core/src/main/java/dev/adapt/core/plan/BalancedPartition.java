package dev.adapt.core.plan;

import java.util.Arrays;
import java.util.function.IntToLongFunction;

/**
 * Splits a chain of segments into consecutive groups so that the costliest group is as cheap as
 * possible (dynamic programming over the chain), breaking ties by the bytes that cross the chosen
 * cuts, then by the earliest cuts. Every group must cost at least a given minimum, so that no group
 * does next to nothing (such as a last stage that only adds a bias).
 */
final class BalancedPartition {
  private static final double TOLERANCE = 1e-9;

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
          if (prefix[end] - prefix[start] < minGroupCost) {
            continue;
          }
          double value = Math.max(best[g - 1][start], prefix[end] - prefix[start]);
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

    // Among partitions whose groups all cost at most `allowed`: fewest bytes across cuts, then
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
          if (bytes[g - 1][start] == Long.MAX_VALUE || cost > allowed || cost < minGroupCost) {
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
