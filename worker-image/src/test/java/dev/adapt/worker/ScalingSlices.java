package dev.adapt.worker;

import dev.adapt.core.slice.InputRejectedException;
import dev.adapt.core.slice.SliceExecutor;
import dev.adapt.core.tensor.HostTensor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Slices for tests of the worker's plumbing, where TensorFlow is not the point: an artifact is the
 * text {@code scale:<factor>} (optionally {@code :gate=<name>}, which makes every batch wait until
 * the test opens that gate, or {@code :fault=bug} / {@code :fault=reject}, which makes every batch
 * fail as a faulty slice or as one refusing the input would), and running it multiplies float32
 * input by the factor.
 */
final class ScalingSlices implements SliceLoader {
  final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  final Map<String, CountDownLatch> entered = new ConcurrentHashMap<>();
  final Map<String, Boolean> closed = new ConcurrentHashMap<>();

  /** Batch sizes each slice was warmed with, by hash, in order. */
  final Map<String, List<Integer>> warmUps = new ConcurrentHashMap<>();

  /** While set, warm-ups wait for it (the test opens it); counted down on entry: warmUpEntered. */
  volatile CountDownLatch warmUpGate;

  final CountDownLatch warmUpEntered = new CountDownLatch(1);

  static byte[] artifact(float factor) {
    return ("scale:" + factor).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gatedArtifact(float factor, String gate) {
    return ("scale:" + factor + ":gate=" + gate).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A slice that fails every batch: with a plain {@link IllegalArgumentException} ({@code bug}, a
   * fault of the worker), or rejecting the input ({@code reject}).
   */
  static byte[] faultyArtifact(float factor, String fault) {
    return ("scale:" + factor + ":fault=" + fault).getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  CountDownLatch gate(String name) {
    return gates.computeIfAbsent(name, n -> new CountDownLatch(1));
  }

  CountDownLatch entered(String name) {
    return entered.computeIfAbsent(name, n -> new CountDownLatch(1));
  }

  @Override
  public SliceExecutor load(byte[] artifact) {
    String text = new String(artifact, StandardCharsets.UTF_8);
    String[] parts = text.split(":");
    if (parts.length < 2 || !parts[0].equals("scale")) {
      throw new IllegalArgumentException("not a scaling slice: " + text);
    }
    float factor = Float.parseFloat(parts[1]);
    String gate = parts.length > 2 && parts[2].startsWith("gate=") ? parts[2].substring(5) : null;
    String fault = parts.length > 2 && parts[2].startsWith("fault=") ? parts[2].substring(6) : null;
    String sha = sha256(artifact);
    return new SliceExecutor() {
      @Override
      public String sha256() {
        return sha;
      }

      @Override
      public HostTensor run(HostTensor input) {
        if (gate != null) {
          entered(gate).countDown();
          try {
            if (!gate(gate).await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("gate " + gate + " never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        if (closed.containsKey(sha)) {
          throw new IllegalStateException("slice " + sha + " ran after it was closed");
        }
        if ("bug".equals(fault)) {
          throw new IllegalArgumentException("index 3 out of range (a bug in the slice)");
        }
        if ("reject".equals(fault)) {
          throw new InputRejectedException("slice expects FLOAT32[?, 3]");
        }
        float[] values = input.toFloatArray();
        for (int i = 0; i < values.length; i++) {
          values[i] *= factor;
        }
        return HostTensor.ofFloats(input.shape(), values);
      }

      @Override
      public boolean warmUp(int batchSize) {
        warmUpEntered.countDown();
        CountDownLatch gate = warmUpGate;
        try {
          if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the warm-up gate never opened");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        warmUps.computeIfAbsent(sha, k -> new CopyOnWriteArrayList<>()).add(batchSize);
        return true;
      }

      @Override
      public void close() {
        closed.put(sha, true);
      }
    };
  }
}
