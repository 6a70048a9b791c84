package dev.adapt.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bytes each stage's output took before and after encoding, read off the dispatcher's {@code
 * adapt_dispatcher_hop_bytes_total{stage,form}} counters: taking two readings and dividing their
 * difference by the images answered in between gives bytes per image per hop.
 *
 * @param raw raw bytes by stage
 * @param wire wire bytes by stage
 */
record HopBytes(Map<Integer, Double> raw, Map<Integer, Double> wire) {
  private static final Pattern COUNTER =
      Pattern.compile("(?m)^adapt_dispatcher_hop_bytes_total\\{([^}]*)} ([0-9.eE+-]+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static final HopBytes NONE = new HopBytes(Map.of(), Map.of());

  /** One stage's output per image. */
  record PerImage(int stage, double rawBytes, double wireBytes) {
    double ratio() {
      return wireBytes == 0 ? 1.0 : rawBytes / wireBytes;
    }
  }

  /** The counters in a Prometheus scrape. */
  static HopBytes parse(String scrape) {
    Map<Integer, Double> raw = new TreeMap<>();
    Map<Integer, Double> wire = new TreeMap<>();
    Matcher counter = COUNTER.matcher(scrape);
    while (counter.find()) {
      Integer stage = null;
      String form = null;
      Matcher label = LABEL.matcher(counter.group(1));
      while (label.find()) {
        switch (label.group(1)) {
          case "stage" -> stage = Integer.valueOf(label.group(2));
          case "form" -> form = label.group(2);
          default -> {}
        }
      }
      double value = Double.parseDouble(counter.group(2));
      if (stage != null && "raw".equals(form)) {
        raw.put(stage, value);
      } else if (stage != null && "wire".equals(form)) {
        wire.put(stage, value);
      }
    }
    return new HopBytes(raw, wire);
  }

  /** Per image and stage, what was counted since {@code before}, over {@code images} images. */
  List<PerImage> since(HopBytes before, int images) {
    List<PerImage> hops = new ArrayList<>();
    if (images <= 0) {
      return hops;
    }
    for (var entry : new TreeMap<>(raw).entrySet()) {
      int stage = entry.getKey();
      double rawBytes = entry.getValue() - before.raw.getOrDefault(stage, 0.0);
      double wireBytes = wire.getOrDefault(stage, 0.0) - before.wire.getOrDefault(stage, 0.0);
      hops.add(new PerImage(stage, rawBytes / images, wireBytes / images));
    }
    return hops;
  }
}
