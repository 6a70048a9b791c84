package dev.adapt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another main class in a child process and ends the process when its parent goes away: the
 * parent holds the child's standard input open, so end of input means the parent has exited (even
 * when it was killed and could not stop its children).
 *
 * <p>Usage: {@code java -cp adapt.jar dev.adapt.cli.ParentWatch <main class> <args...>}
 */
public final class ParentWatch {
  private ParentWatch() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ParentWatch <main class> [args...]");
      System.exit(2);
    }
    Thread watcher =
        new Thread(
            () -> {
              InputStream in = System.in;
              try {
                while (in.read() >= 0) {
                  // Input is ignored; only its end matters.
                }
              } catch (IOException e) {
                // A broken pipe means the same as end of input.
              }
              System.err.println("parent process is gone; exiting");
              Thread deadline =
                  new Thread(
                      () -> {
                        try {
                          Thread.sleep(5000);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        Runtime.getRuntime().halt(3);
                      });
              deadline.setDaemon(true);
              deadline.start();
              System.exit(3);
            },
            "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
