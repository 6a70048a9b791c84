package dev.adapt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One {@code adapt} command run in this JVM as a user would run it, with what it printed on
 * standard output.
 */
record AdaptRun(int exit, String output) {

  static AdaptRun of(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      int exit = AdaptCommand.commandLine().execute(args);
      return new AdaptRun(exit, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
    }
  }

  /** The JSON report (what follows any progress lines). */
  JsonNode json() throws IOException {
    return new ObjectMapper().readTree(output.substring(output.indexOf('{')));
  }
}
