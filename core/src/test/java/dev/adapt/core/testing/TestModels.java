package dev.adapt.core.testing;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.tensor.HostTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Models shared by the tests of one JVM: ResNet-50 is heavy on two cores, so it is loaded once and
 * reused by every test class (also from other modules, through the core test-jar).
 */
public final class TestModels {
  private static final Map<String, LoadedModel> loaded = new HashMap<>();
  private static final Map<String, Path> fixtures = new HashMap<>();

  /** The Keras functional CNN with a residual skip, exported by TensorFlow 2.18 (Keras 3). */
  public static final String KERAS_RESIDUAL_CNN = "keras_residual_cnn";

  /**
   * A Keras 3 CNN exported with {@code model.export} whose layers keep Keras' numbered default
   * names ({@code conv2d}, {@code conv2d_1}, …), with {@code reference/layers.json} giving each
   * layer's output shape.
   */
  public static final String KERAS3_NUMBERED_CNN = "keras3_numbered_cnn";

  /** The same model saved with plain {@code tf.saved_model.save}, which cannot be frozen. */
  public static final String KERAS3_PLAIN_SAVED = "keras3_plain_saved";

  /** A Keras 2 (tf_keras) CNN with a projection shortcut, saved with {@code model.save}. */
  public static final String KERAS2_RESIDUAL_CNN = "keras2_residual_cnn";

  /**
   * A tf.Module MLP with a skip connection and several signatures (one input, two, two outputs).
   */
  public static final String MODULE_MLP = "module_mlp";

  /** The 8-stage ResNet-50 split of the Python prototype; every name is a valid cut point. */
  public static final List<String> RESNET50_PROTOTYPE_SPLIT =
      List.of(
          "conv2_block1_add",
          "conv2_block3_add",
          "conv3_block2_add",
          "conv3_block4_add",
          "conv4_block2_add",
          "conv4_block4_add",
          "conv5_block1_add");

  private TestModels() {}

  public static synchronized LoadedModel resnet50() {
    return loaded.computeIfAbsent("builtin:resnet50", ModelLoader::load);
  }

  /** A SavedModel fixture of core's test resources, loaded with its default signature. */
  public static synchronized LoadedModel fixture(String name) {
    Path directory = fixtureDirectory(name);
    return loaded.computeIfAbsent(
        name, n -> ModelLoader.load(ModelSource.parse(directory.toString())));
  }

  /**
   * The directory of a SavedModel fixture (see {@code savedmodels/make_fixtures.py}); copied out of
   * the test-jar when the resources are packed in one.
   */
  public static synchronized Path fixtureDirectory(String name) {
    return fixtures.computeIfAbsent(name, TestModels::locate);
  }

  private static Path locate(String name) {
    String resource = "savedmodels/" + name;
    URL url = TestModels.class.getClassLoader().getResource(resource + "/saved_model.pb");
    if (url == null) {
      throw new IllegalStateException("no test fixture " + resource);
    }
    try {
      if (url.getProtocol().equals("file")) {
        return Path.of(url.toURI()).getParent();
      }
      Path target = Files.createTempDirectory("adapt-fixture-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(target)));
      JarURLConnection connection = (JarURLConnection) url.openConnection();
      try (JarFile jar = connection.getJarFile()) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          JarEntry entry = entries.nextElement();
          if (entry.isDirectory() || !entry.getName().startsWith(resource + "/")) {
            continue;
          }
          Path file = target.resolve(entry.getName().substring("savedmodels/".length()));
          Files.createDirectories(file.getParent());
          try (InputStream in = jar.getInputStream(entry)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return target.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path directory) {
    try (var paths = Files.walk(directory)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }

  /** Reads a fixture's reference tensor ({@code input} or {@code output}) written by Python. */
  public static HostTensor reference(String fixture, String which, long[] shape) {
    try {
      byte[] bytes =
          Files.readAllBytes(fixtureDirectory(fixture).resolve("reference/" + which + ".bin"));
      return HostTensor.of(dev.adapt.core.tensor.DType.FLOAT32, shape, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Uniform values in [-1, 1) of the given shape, from a seed. */
  public static HostTensor randomFloats(long seed, long... shape) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(HostTensor.elementCount(shape))];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return HostTensor.ofFloats(shape, values);
  }

  /** The largest absolute difference between two float tensors of one shape. */
  public static double maxAbsDiff(HostTensor a, HostTensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new AssertionError(
          "shapes differ: "
              + java.util.Arrays.toString(a.shape())
              + " vs "
              + java.util.Arrays.toString(b.shape()));
    }
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      double diff = Math.abs((double) x[i] - y[i]);
      if (Double.isNaN(diff)) {
        return Double.NaN;
      }
      max = Math.max(max, diff);
    }
    return max;
  }
}
