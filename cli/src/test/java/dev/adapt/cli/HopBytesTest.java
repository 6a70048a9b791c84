package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HopBytesTest {

  private static String scrape(double raw0, double wire0, double raw1, double wire1) {
    return String.join(
        "\n",
        "# HELP adapt_dispatcher_hop_bytes_total Bytes a stage's output took on the wire",
        "# TYPE adapt_dispatcher_hop_bytes_total counter",
        "adapt_dispatcher_hop_bytes_total{form=\"raw\",stage=\"0\"} " + raw0,
        "adapt_dispatcher_hop_bytes_total{form=\"wire\",stage=\"0\"} " + wire0,
        "adapt_dispatcher_hop_bytes_total{form=\"raw\",stage=\"1\"} " + raw1,
        "adapt_dispatcher_hop_bytes_total{form=\"wire\",stage=\"1\"} " + wire1,
        "adapt_dispatcher_replays_total 0.0",
        "");
  }

  @Test
  void bytesPerImageAndHopAreTheCountersGrowthOverTheImages() {
    HopBytes before = HopBytes.parse(scrape(1000, 1000, 40, 40));
    HopBytes after = HopBytes.parse(scrape(9000, 3000, 120, 100));

    List<HopBytes.PerImage> hops = after.since(before, 4);

    assertThat(hops)
        .containsExactly(new HopBytes.PerImage(0, 2000, 500), new HopBytes.PerImage(1, 20, 15));
    assertThat(hops.get(0).ratio()).isEqualTo(4.0);
    assertThat(after.since(HopBytes.NONE, 0)).isEmpty();
  }
}
