package dev.adapt.core.membership;

import java.time.Duration;
import java.util.List;

/**
 * A process that registers one worker in etcd, prints {@code registered <id>} once the record is
 * stored, and then idles, so that tests can kill it. Arguments: endpoint, pipeline, worker id,
 * lease TTL in seconds.
 */
public final class RegisteredWorkerMain {
  private RegisteredWorkerMain() {}

  public static void main(String[] args) throws Exception {
    EtcdSettings settings =
        EtcdSettings.of(args[0]).withLeaseTtl(Duration.ofSeconds(Long.parseLong(args[3])));
    EtcdMembership membership = EtcdMembership.connect(settings, args[1]);
    membership.register(
        new WorkerRecord(
            args[2],
            "127.0.0.1:1",
            "CPU",
            WorkerState.READY,
            List.of(),
            0,
            System.currentTimeMillis()));
    // Registration writes in the background; announce it only once etcd holds the record.
    membership.await(s -> s.workers().containsKey(args[2]), Duration.ofMinutes(5));
    System.out.println("registered " + args[2]);
    Thread.sleep(Long.MAX_VALUE);
  }
}
