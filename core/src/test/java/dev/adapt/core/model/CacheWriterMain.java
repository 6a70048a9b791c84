package dev.adapt.core.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A process that asks the built-in model cache for an entry whose writer is slow and records each
 * time it runs. Arguments: cache root, key, log of writer runs.
 */
public final class CacheWriterMain {
  private CacheWriterMain() {}

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]);
    Path writes = Path.of(args[2]);
    Path model =
        BuiltinModels.cached(
            root,
            args[1],
            directory -> {
              Files.writeString(
                  writes,
                  ProcessHandle.current().pid() + "\n",
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND);
              Files.createDirectories(directory.resolve("variables"));
              for (int i = 0; i < 20; i++) {
                Files.write(directory.resolve("variables/part-" + i), new byte[100_000]);
                sleep(50);
              }
              Files.writeString(directory.resolve("saved_model.pb"), "complete");
            });
    long parts;
    try (var files = Files.list(model.resolve("variables"))) {
      parts = files.count();
    }
    System.out.println("model " + model + " parts " + parts);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
