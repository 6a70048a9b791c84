package dev.adapt.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the measured requests into rounds and, in each round, sends the same share of them to
 * every contender in turn: load from other processes on the machine changes over seconds, and
 * alternating lets it affect every measurement alike.
 */
final class BenchRounds {
  private BenchRounds() {}

  /** One side of the comparison. */
  @FunctionalInterface
  interface Contender {
    /** Sends requests {@code first} to {@code first + count - 1}. */
    LoadRun.Result run(int first, int count) throws InterruptedException;
  }

  /** The rounds {@link #run} makes: {@code rounds}, but at least one request per round. */
  static int parts(int requests, int rounds) {
    return Math.max(1, Math.min(rounds, requests));
  }

  /**
   * Runs {@code requests} requests on each contender in {@code rounds} rounds, in the order given.
   *
   * @return each contender's rounds as one result, in the order of {@code contenders}
   */
  static List<LoadRun.Result> run(int requests, int rounds, List<Contender> contenders)
      throws InterruptedException {
    int parts = parts(requests, rounds);
    List<LoadRun.Result> totals = new ArrayList<>();
    contenders.forEach(c -> totals.add(null));
    int sent = 0;
    for (int part = 0; part < parts; part++) {
      int count = requests / parts + (part < requests % parts ? 1 : 0);
      for (int i = 0; i < contenders.size(); i++) {
        LoadRun.Result piece = contenders.get(i).run(sent, count);
        totals.set(i, totals.get(i) == null ? piece : totals.get(i).plus(piece));
      }
      sent += count;
    }
    return totals;
  }
}
