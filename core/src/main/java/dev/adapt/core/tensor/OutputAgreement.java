package dev.adapt.core.tensor;

/**
 * How close a model's outputs came to reference outputs (the unsplit model's): the largest absolute
 * difference of any element and how many answers chose the same class (top-1). Exact encodings
 * should show 0 and all; lossy float encodings show what they cost.
 *
 * @param compared answers compared with an expected output
 * @param top1Agreed answers whose largest element is where the expected output's is
 * @param maxAbsDiff the largest absolute difference over every element compared (NaN wins)
 */
public record OutputAgreement(int compared, int top1Agreed, double maxAbsDiff) {
  public static final OutputAgreement NONE = new OutputAgreement(0, 0, 0);

  public static OutputAgreement of(float[] expected, float[] actual) {
    double max = 0;
    for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
      double diff = Math.abs((double) expected[i] - actual[i]);
      max = Double.isNaN(diff) || Double.isNaN(max) ? Double.NaN : Math.max(max, diff);
    }
    boolean agrees = expected.length == actual.length && argmax(expected) == argmax(actual);
    return new OutputAgreement(1, agrees ? 1 : 0, max);
  }

  public OutputAgreement plus(OutputAgreement other) {
    double max =
        Double.isNaN(maxAbsDiff) || Double.isNaN(other.maxAbsDiff)
            ? Double.NaN
            : Math.max(maxAbsDiff, other.maxAbsDiff);
    return new OutputAgreement(compared + other.compared, top1Agreed + other.top1Agreed, max);
  }

  /** Share of compared answers that agree on the top class; 1 when nothing was compared. */
  public double top1Agreement() {
    return compared == 0 ? 1.0 : (double) top1Agreed / compared;
  }

  private static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
