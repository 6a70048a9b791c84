package dev.adapt.core.slice;

import org.tensorflow.proto.ConfigProto;

/**
 * TensorFlow's thread settings for running a slice.
 *
 * @param intraOpThreads threads inside one operation (e.g. a convolution); 0 lets TensorFlow choose
 *     (one per core)
 * @param interOpThreads operations run in parallel; 0 lets TensorFlow choose
 */
public record ExecutorOptions(int intraOpThreads, int interOpThreads) {
  public static final ExecutorOptions DEFAULT = new ExecutorOptions(0, 0);

  public ExecutorOptions {
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException(
          "thread counts cannot be negative: " + intraOpThreads + ", " + interOpThreads);
    }
  }

  public ConfigProto toConfigProto() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .build();
  }
}
