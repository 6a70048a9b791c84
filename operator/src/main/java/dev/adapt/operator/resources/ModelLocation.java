package dev.adapt.operator.resources;

import java.util.Optional;

/**
 * Where the dispatcher finds the model named by {@code spec.model.uri}: a built-in name, a path in
 * its image, or a path inside a PersistentVolumeClaim that the operator mounts read-only.
 *
 * @param source what the dispatcher is told to load ({@code builtin:resnet50} or a path)
 * @param claim the claim to mount at {@link #MOUNT_PATH}, if any
 */
public record ModelLocation(String source, Optional<String> claim) {

  public static final String MOUNT_PATH = "/mnt/models";
  private static final String PVC = "pvc://";

  public static ModelLocation of(String uri) {
    if (uri.startsWith(PVC)) {
      String rest = uri.substring(PVC.length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new IllegalArgumentException(
            "model uri '" + uri + "' must look like pvc://<claim>/<path inside the claim>");
      }
      return new ModelLocation(
          MOUNT_PATH + "/" + rest.substring(slash + 1), Optional.of(rest.substring(0, slash)));
    }
    if (uri.startsWith("builtin:") || uri.startsWith("/")) {
      return new ModelLocation(uri, Optional.empty());
    }
    throw new IllegalArgumentException(
        "model uri '"
            + uri
            + "' must be builtin:<name>, pvc://<claim>/<path> or an absolute path inside the"
            + " dispatcher image");
  }
}
