package dev.adapt.cli;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network of an emulated cluster: a Linux bridge in this (the host's) network namespace with an
 * address of its own, and per device a network namespace joined to it by a veth pair. Both ends of
 * each pair are shaped with a token bucket ({@code tc … tbf}) to the device's bandwidth, so that
 * traffic leaving and traffic reaching a device each cross a link of that speed, as with a real
 * full-duplex NIC. The dispatcher and load generator stay in the host namespace and reach the
 * devices through the bridge.
 */
final class DeviceNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeviceNetwork.class);
  private static final int PREFIX_LENGTH = 24;

  /** The bridge has .1; devices get .2 upwards. */
  private static final int MAX_DEVICES = 253;

  /** One device's end of the network. */
  record DeviceLink(String namespace, String hostInterface, String address, Bandwidth bandwidth) {}

  private final DeviceNames names;
  private final String subnet;
  private final List<DeviceLink> links = new ArrayList<>();
  private boolean closed;

  private DeviceNetwork(DeviceNames names, String subnet) {
    this.names = names;
    this.subnet = subnet;
  }

  /** Creates the bridge on a free /24 of 10.0.0.0/8 chosen from the names' tag. */
  static DeviceNetwork create(DeviceNames names) {
    DeviceNetwork network = new DeviceNetwork(names, freeSubnet(names.seed()));
    try {
      HostCommand.run("ip", "link", "add", names.bridge(), "type", "bridge");
      HostCommand.run(
          "ip", "addr", "add", network.hostAddress() + "/" + PREFIX_LENGTH, "dev", names.bridge());
      HostCommand.run("ip", "link", "set", names.bridge(), "up");
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
    log.info("bridge {} on {}.0/{}", names.bridge(), network.subnet, PREFIX_LENGTH);
    return network;
  }

  /** The bridge's address: where the devices reach the host. */
  String hostAddress() {
    return subnet + ".1";
  }

  String bridge() {
    return names.bridge();
  }

  /**
   * Creates device {@code index}'s namespace with interface {@code eth0} at its own address on the
   * bridge, both directions shaped to {@code bandwidth}.
   */
  synchronized DeviceLink connect(int index, Bandwidth bandwidth) {
    if (index < 0 || index >= MAX_DEVICES) {
      throw new IllegalArgumentException("device index must be in 0.." + (MAX_DEVICES - 1));
    }
    String namespace = names.namespace(index);
    String hostSide = names.hostInterface(index);
    DeviceLink link = new DeviceLink(namespace, hostSide, subnet + "." + (index + 2), bandwidth);
    HostCommand.run("ip", "netns", "add", namespace);
    links.add(link);
    String peer = hostSide + "p";
    HostCommand.run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", peer);
    HostCommand.run("ip", "link", "set", peer, "netns", namespace);
    HostCommand.run("ip", "-n", namespace, "link", "set", peer, "name", "eth0");
    HostCommand.run(
        "ip", "-n", namespace, "addr", "add", link.address() + "/" + PREFIX_LENGTH, "dev", "eth0");
    HostCommand.run("ip", "-n", namespace, "link", "set", "eth0", "up");
    HostCommand.run("ip", "-n", namespace, "link", "set", "lo", "up");
    HostCommand.run("ip", "link", "set", hostSide, "master", names.bridge());
    HostCommand.run("ip", "link", "set", hostSide, "up");
    // Towards the device (the bridge's side sends on the host end) ...
    HostCommand.run(tbf(List.of(), hostSide, bandwidth));
    // ... and from the device.
    HostCommand.run(tbf(List.of("-n", namespace), "eth0", bandwidth));
    log.debug("device namespace {} at {} ({})", namespace, link.address(), bandwidth);
    return link;
  }

  private static List<String> tbf(List<String> where, String device, Bandwidth bandwidth) {
    List<String> command = new ArrayList<>(List.of("tc"));
    command.addAll(where);
    command.addAll(
        List.of(
            "qdisc",
            "add",
            "dev",
            device,
            "root",
            "tbf",
            "rate",
            bandwidth.tcRate(),
            "burst",
            Long.toString(bandwidth.burstBytes()),
            // How long a packet may wait in the bucket's queue before it is dropped; TCP's own
            // window keeps the queue short, so this only matters for bursts.
            "latency",
            "100ms"));
    return command;
  }

  /** The command prefix that runs a program inside device {@code link}'s namespace. */
  static List<String> enter(DeviceLink link) {
    return List.of("ip", "netns", "exec", link.namespace());
  }

  /**
   * Removes every namespace (with its veth pair and queueing disciplines) and then the bridge.
   * Processes must have left the namespaces before; safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (DeviceLink link : links) {
      quietly("ip", "netns", "del", link.namespace());
      // Gone with the namespace unless a process still holds it open; the kernel may also be
      // removing it right now, so only a pair that outlives a delete is worth a warning.
      if (exists(link.hostInterface())) {
        HostCommand.attempt(List.of("ip", "link", "del", link.hostInterface()));
        if (exists(link.hostInterface())) {
          log.warn(
              "cannot remove {} (device namespace {})", link.hostInterface(), link.namespace());
        }
      }
    }
    if (exists(names.bridge())) {
      quietly("ip", "link", "del", names.bridge());
    }
    log.info("removed bridge {} and {} device namespaces", names.bridge(), links.size());
  }

  static boolean exists(String linkName) {
    return HostCommand.attempt(List.of("ip", "link", "show", "dev", linkName)).exitCode() == 0;
  }

  private static void quietly(String... command) {
    HostCommand.Result result = HostCommand.attempt(List.of(command));
    if (result.exitCode() != 0) {
      log.warn("`{}` failed: {}", String.join(" ", command), result.output().strip());
    }
  }

  /** A /24 in 10.0.0.0/8 that no interface of this host uses, derived from {@code seed}. */
  private static String freeSubnet(long seed) {
    String addresses = HostCommand.run("ip", "-o", "-4", "addr", "show");
    for (int attempt = 0; attempt < 64; attempt++) {
      long n = seed + attempt * 7919L;
      String subnet = "10." + (200 + Math.floorMod(n >> 8, 50)) + "." + Math.floorMod(n, 256);
      if (!addresses.contains(" " + subnet + ".")) {
        return subnet;
      }
    }
    throw new IllegalStateException("no free /24 under 10.200.0.0/14 for the emulated devices");
  }
}
