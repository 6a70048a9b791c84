package dev.adapt.dispatcher.planning;

import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipUnavailableException;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.model.ModelLoadException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a spec this dispatcher could not resolve under the {@code loadFailure} key, for the
 * operator to show: a model that cannot be loaded ({@link ModelLoadException}), or an internal
 * error while planning or slicing, which is marked as such so that it does not read as the model's
 * fault. Not as a failed plan: the failure may be this pod's alone (a claim it does not mount), and
 * a failed plan would replace a plan that another dispatcher pod published and read as an invalid
 * spec.
 */
public final class LoadFailures {
  private static final Logger log = LoggerFactory.getLogger(LoadFailures.class);

  private LoadFailures() {}

  /** Publishes the failure; when etcd cannot take it, the log is all that is left. */
  public static void report(Membership membership, SpecRecord spec, RuntimeException failure) {
    LoadFailureRecord record =
        failure instanceof ModelLoadException
            ? new LoadFailureRecord(spec.generation(), spec.model(), hostName(), message(failure))
            : LoadFailureRecord.internal(
                spec.generation(), spec.model(), hostName(), failure.toString());
    try {
      membership.publishLoadFailure(record);
    } catch (MembershipUnavailableException e) {
      log.warn(
          "cannot report the load failure of spec generation {}: {}",
          spec.generation(),
          e.getMessage());
    }
  }

  private static String message(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }

  /** The pod name in Kubernetes. */
  private static String hostName() {
    String fromEnvironment = System.getenv("HOSTNAME");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return fromEnvironment;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}
