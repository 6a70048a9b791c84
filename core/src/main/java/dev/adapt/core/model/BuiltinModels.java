package dev.adapt.core.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in models, built on first use and cached as SavedModels under {@code
 * ~/.cache/adapt/models} (or {@code $ADAPT_CACHE_DIR/models}, or the system property {@code
 * adapt.cache.dir}).
 *
 * <p>Each cache entry is keyed by a builder version, written into a temporary directory and moved
 * into place atomically, under a file lock, so that concurrent processes neither build twice nor
 * see a half-written model.
 */
public final class BuiltinModels {
  private static final Logger log = LoggerFactory.getLogger(BuiltinModels.class);

  /** Bump when the builder changes what it builds: the old cache entries are then ignored. */
  static final String RESNET50_KEY = "resnet50-v1-b1";

  private BuiltinModels() {}

  /** The SavedModel directory of a built-in model, building and caching it if needed. */
  public static Path savedModel(String name) {
    if (!name.equals("resnet50")) {
      throw new ModelLoadException("unknown built-in model " + name);
    }
    return cached(cacheDirectory(), RESNET50_KEY, ResNet50Builder::export);
  }

  /** Writes a model into a directory that does not exist yet. */
  @FunctionalInterface
  interface ModelWriter {
    void write(Path directory) throws IOException;
  }

  public static Path cacheDirectory() {
    String configured = System.getProperty("adapt.cache.dir");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("ADAPT_CACHE_DIR");
    }
    Path root =
        configured == null || configured.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache", "adapt")
            : Path.of(configured);
    return root.resolve("models");
  }

  /**
   * The directory {@code root/key}, written by {@code writer} first if it does not hold a complete
   * model yet. Safe against concurrent calls from threads and processes.
   */
  static synchronized Path cached(Path root, String key, ModelWriter writer) {
    Path target = root.resolve(key);
    if (Files.exists(target.resolve("saved_model.pb"))) {
      return target;
    }
    try {
      Files.createDirectories(root);
      try (FileChannel channel =
              FileChannel.open(
                  root.resolve(key + ".lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        if (Files.exists(target.resolve("saved_model.pb"))) {
          return target;
        }
        log.info("Building the built-in model {} into {} (once)", key, target);
        long started = System.nanoTime();
        Path staging = Files.createTempDirectory(root, key + ".tmp-");
        try {
          Path model = staging.resolve("model");
          writer.write(model);
          Files.move(model, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          deleteRecursively(staging);
        }
        log.info("Built {} in {} s", key, (System.nanoTime() - started) / 1_000_000_000);
        return target;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot cache the built-in model " + key + " in " + root, e);
    }
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
