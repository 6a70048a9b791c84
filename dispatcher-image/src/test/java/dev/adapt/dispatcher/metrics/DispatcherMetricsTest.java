package dev.adapt.dispatcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DispatcherMetricsTest {

  @Test
  void theDispatcherReportsTheRatioOfEveryHop() {
    DispatcherMetrics metrics = new DispatcherMetrics();

    metrics.hop(1, 3.0, 4000, 1000);
    metrics.hop(1, 3.0, 4000, 2000);

    assertThat(metrics.scrape())
        .contains("adapt_dispatcher_hop_compression_ratio_count{stage=\"1\"} 2")
        .contains("adapt_dispatcher_hop_compression_ratio_sum{stage=\"1\"} 6.0")
        .contains("adapt_dispatcher_hop_bytes_total{form=\"wire\",stage=\"1\"} 3000.0");
  }
}
