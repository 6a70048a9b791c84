package dev.adapt.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.routing.RouterConfig;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.FloatEncoding;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ServingOptionsTest {

  @Command
  static final class Holder {
    @Mixin ServingOptions serving = new ServingOptions();
  }

  private static ServingOptions parse(String... args) {
    Holder holder = new Holder();
    new CommandLine(holder).parseArgs(args);
    return holder.serving;
  }

  @Test
  void activationsTravelLz4CompressedAndExactByDefault() {
    assertThat(parse().wireEncoding()).isEqualTo(WireEncoding.LZ4);
  }

  @Test
  void theWireEncodingReachesTheRouter() {
    ServingOptions options = parse("--compression=shuffle-lz4", "--float-encoding=float16");

    RouterConfig router = options.apply(DispatcherSettings.builder(4), 4).router();

    assertThat(router.encoding())
        .isEqualTo(
            new WireEncoding(
                Compression.COMPRESSION_SHUFFLE_LZ4, FloatEncoding.FLOAT_ENCODING_FLOAT16));
    assertThat(router.encoding().lossy()).isTrue();
  }

  @Test
  void unknownNamesAreRefusedWithTheChoices() {
    assertThatThrownBy(() -> parse("--float-encoding=fp8").wireEncoding())
        .hasMessageContaining("use exact, float16 or bfloat16");
  }
}
