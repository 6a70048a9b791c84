package dev.adapt.operator.resources;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * The writable places of the ADAPT containers, whose root file system is read-only: {@code /tmp},
 * and the home of the image's user, where TensorFlow's native library is unpacked and the built-in
 * model is cached.
 */
final class Volumes {

  static final String HOME = "/home/adapt";

  private Volumes() {}

  static List<Volume> writable() {
    return List.of(emptyDir("tmp"), emptyDir("home"));
  }

  static List<VolumeMount> writableMounts() {
    return List.of(mount("tmp", "/tmp"), mount("home", HOME));
  }

  private static Volume emptyDir(String name) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }
}
