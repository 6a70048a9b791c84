package dev.adapt.core.slice;

import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow's thread settings for running a slice. TensorFlow builds its intra-op pool once per
 * process, with the first device it creates (a session's or an eager context's), and its inter-op
 * pool with the first session; later sessions and contexts share them. So every TensorFlow context
 * a process opens before its slices must be given the same settings (see the worker's device
 * probe).
 *
 * @param intraOpThreads threads inside one operation (e.g. a convolution); 0 lets TensorFlow choose
 *     (one per core)
 * @param interOpThreads operations run in parallel; 0 lets TensorFlow choose
 * @param threadSpinning whether idle TensorFlow pool threads spin for a while before they sleep:
 *     quicker to pick up the next operation, but the spinning burns a core that another process on
 *     the same machine could use
 */
public record ExecutorOptions(int intraOpThreads, int interOpThreads, boolean threadSpinning) {
  public static final ExecutorOptions DEFAULT = new ExecutorOptions(0, 0);

  public ExecutorOptions {
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException(
          "thread counts cannot be negative: " + intraOpThreads + ", " + interOpThreads);
    }
  }

  /** Thread counts with TensorFlow's default spinning. */
  public ExecutorOptions(int intraOpThreads, int interOpThreads) {
    this(intraOpThreads, interOpThreads, true);
  }

  public ConfigProto toConfigProto() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .setExperimental(
            ConfigProto.Experimental.newBuilder().setDisableThreadSpinning(!threadSpinning))
        .build();
  }
}
