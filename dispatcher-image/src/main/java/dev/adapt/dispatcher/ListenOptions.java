package dev.adapt.dispatcher;

import picocli.CommandLine.Option;

/** Where the dispatcher's client API listens: {@code --host} and the OIP ports. */
public final class ListenOptions {

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description = "Address the client API binds to (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description = "OIP HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int httpPort = 8000;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      description = "OIP gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int grpcPort = 8001;

  /** Binding {@code defaultHost} unless {@code --host} is given. */
  public ListenOptions(String defaultHost) {
    this.host = defaultHost;
  }

  /** The address to bind. */
  public String host() {
    return host;
  }

  /** {@code builder} listening where these options say. */
  public DispatcherSettings.Builder apply(DispatcherSettings.Builder builder) {
    return builder.ports(host, httpPort, grpcPort);
  }
}
