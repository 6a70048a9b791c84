package dev.adapt.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a test unless this machine can emulate devices (root, ip, tc, cgroup v1): such tests create
 * network namespaces and cgroups for real.
 */
final class DeviceEmulationAvailable implements BeforeEachCallback {
  @Override
  public void beforeEach(ExtensionContext context) {
    List<String> missing = DevicePrerequisites.missing();
    assumeTrue(missing.isEmpty(), () -> "device emulation needs " + missing);
  }
}
