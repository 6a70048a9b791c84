package dev.adapt.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.DispatcherMain;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.TransportSpec;
import dev.adapt.operator.testing.Samples;
import dev.adapt.worker.WorkerMain;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The command lines the operator gives its containers must parse with the real entry points of the
 * worker and the dispatcher: an option renamed there fails here.
 */
class CommandLinesContractTest {

  /** What the kubelet substitutes for {@code $(VAR)} from the downward API. */
  private static List<String> expand(List<String> args, Map<String, String> env) {
    return args.stream()
        .map(
            arg -> {
              String expanded = arg;
              for (var entry : env.entrySet()) {
                expanded = expanded.replace("$(" + entry.getKey() + ")", entry.getValue());
              }
              return expanded;
            })
        .toList();
  }

  @Test
  void theWorkerCommandLineParses() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");
    List<String> args =
        expand(
            CommandLines.worker(pipeline),
            Map.of(
                CommandLines.POD_NAME, "resnet50-split-worker-7", CommandLines.POD_IP, "10.1.2.3"));

    ParseResult parsed = new CommandLine(new WorkerMain()).parseArgs(args.toArray(String[]::new));

    assertThat(parsed.unmatched()).isEmpty();
    assertThat(parsed.<String>matchedOptionValue("--pipeline", null))
        .isEqualTo("ml.resnet50-split");
    assertThat(parsed.<String>matchedOptionValue("--worker-id", null))
        .isEqualTo("resnet50-split-worker-7");
    assertThat(parsed.<String>matchedOptionValue("--advertise-address", null))
        .isEqualTo("10.1.2.3:9000");
    assertThat(parsed.<String>matchedOptionValue("--etcd", null))
        .isEqualTo("https://resnet50-split-etcd.ml.svc:2379");
    assertThat(parsed.<Integer>matchedOptionValue("--port", 0)).isEqualTo(WorkerPods.GRPC_PORT);
    assertThat(parsed.<Integer>matchedOptionValue("--health-port", 0))
        .isEqualTo(WorkerPods.HEALTH_PORT);
    assertThat(parsed.matchedOptionValue("--peer-tls-dir", null).toString())
        .isEqualTo(PeerTlsSecrets.DIRECTORY);
    assertThat(parsed.<Integer>matchedOptionValue("--metrics-port", 0))
        .isEqualTo(WorkerPods.METRICS_PORT);
  }

  @Test
  void theDispatcherCommandLineParses() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");

    ParseResult parsed =
        new CommandLine(new DispatcherMain())
            .parseArgs(CommandLines.dispatcher(pipeline).toArray(String[]::new));

    assertThat(parsed.unmatched()).isEmpty();
    assertThat(parsed.hasMatchedOption("--model"))
        .as("without --model the dispatcher follows the spec key in etcd")
        .isFalse();
    assertThat(parsed.<String>matchedOptionValue("--pipeline", null))
        .isEqualTo("ml.resnet50-split");
    assertThat(parsed.<Integer>matchedOptionValue("--http-port", 0)).isEqualTo(8000);
    assertThat(parsed.<Integer>matchedOptionValue("--max-batch-size", 0)).isEqualTo(16);
    assertThat(parsed.<Long>matchedOptionValue("--max-queue-delay-ms", 0L)).isEqualTo(10L);
    assertThat(parsed.<String>matchedOptionValue("--compression", null)).isEqualTo("lz4");
    assertThat(parsed.<String>matchedOptionValue("--float-encoding", null)).isEqualTo("exact");
  }

  @Test
  void everyTransportChoiceReachesTheDispatcherAsAnEncodingItKnows() {
    InferencePipeline pipeline = Samples.load(Samples.SPLIT_POINTS, "ml");
    for (TransportSpec.Compression compression : TransportSpec.Compression.values()) {
      for (TransportSpec.FloatEncoding floats : TransportSpec.FloatEncoding.values()) {
        pipeline.getSpec().getTransport().setCompression(compression);
        pipeline.getSpec().getTransport().setFloatEncoding(floats);

        ParseResult parsed =
            new CommandLine(new DispatcherMain())
                .parseArgs(CommandLines.dispatcher(pipeline).toArray(String[]::new));
        WireEncoding encoding =
            new WireEncoding(
                WireEncoding.parseCompression(parsed.matchedOptionValue("--compression", "")),
                WireEncoding.parseFloats(parsed.matchedOptionValue("--float-encoding", "")));

        assertThat(encoding.toString())
            .isEqualTo(
                floats == TransportSpec.FloatEncoding.EXACT
                    ? compression.wireName()
                    : floats.wireName() + "+" + compression.wireName());
      }
    }
  }

  @Test
  void theSecuredDispatcherCommandLineParsesIntoTheClientApiFiles() {
    InferencePipeline pipeline = Samples.load(Samples.SECURED, "ml");

    DispatcherMain main = new DispatcherMain();
    ParseResult parsed =
        new CommandLine(main).parseArgs(CommandLines.dispatcher(pipeline).toArray(String[]::new));

    assertThat(parsed.unmatched()).isEmpty();
    assertThat(parsed.<java.nio.file.Path>matchedOptionValue("--client-tls-cert", null))
        .hasToString("/etc/adapt/client-tls/tls.crt");
    assertThat(parsed.<java.nio.file.Path>matchedOptionValue("--client-tls-key", null))
        .hasToString("/etc/adapt/client-tls/tls.key");
    assertThat(parsed.<java.nio.file.Path>matchedOptionValue("--client-auth-tokens", null))
        .hasToString("/etc/adapt/client-auth/tokens");
  }
}
