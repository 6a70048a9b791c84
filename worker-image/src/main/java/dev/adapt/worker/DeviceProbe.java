package dev.adapt.worker;

import static org.tensorflow.internal.c_api.global.tensorflow.TFE_ContextListDevices;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_ContextOptionsSetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_DeleteContextOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TFE_NewContextOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListType;

import dev.adapt.core.slice.ExecutorOptions;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.internal.c_api.TFE_Context;
import org.tensorflow.internal.c_api.TFE_ContextOptions;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * Asks TensorFlow which devices it sees. TensorFlow Java has no device listing of its own, so this
 * opens a short-lived eager context through the C API (with GPU memory growth on, so that probing
 * reserves no GPU memory) and lists its devices.
 *
 * <p>The context is opened with the worker's thread settings: TensorFlow creates its process-wide
 * intra-op pool with the first device it creates, which is this probe's, so a probe with default
 * settings would leave every slice session of the worker with one spinning thread per core whatever
 * the worker was told.
 */
final class DeviceProbe {
  private DeviceProbe() {}

  /** A device as TensorFlow names it, e.g. type {@code GPU}, name {@code /device:GPU:0}. */
  record Device(String type, String name) {}

  /** {@code CPU}, or {@code GPU:<name of the first GPU>} when TensorFlow sees one. */
  static String describe(ExecutorOptions threads) {
    return describe(listDevices(threads));
  }

  static String describe(List<Device> devices) {
    return devices.stream()
        .filter(d -> d.type().equals("GPU"))
        .findFirst()
        .map(gpu -> "GPU:" + shortName(gpu.name()))
        .orElse("CPU");
  }

  static List<Device> listDevices(ExecutorOptions threads) {
    ConfigProto config =
        threads.toConfigProto().toBuilder()
            .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true))
            .build();
    byte[] serialized = config.toByteArray();
    TF_Status status = TF_Status.newStatus();
    TFE_ContextOptions options = TFE_NewContextOptions();
    try (BytePointer configBytes = new BytePointer(serialized)) {
      TFE_ContextOptionsSetConfig(options, configBytes, serialized.length, status);
      status.throwExceptionIfNotOK();
      TFE_Context context = TFE_Context.newContext(options, status);
      status.throwExceptionIfNotOK();
      try {
        TF_DeviceList list = TFE_ContextListDevices(context, status);
        status.throwExceptionIfNotOK();
        try {
          List<Device> devices = new ArrayList<>();
          for (int i = 0; i < TF_DeviceListCount(list); i++) {
            String type = TF_DeviceListType(list, i, status).getString();
            String name = TF_DeviceListName(list, i, status).getString();
            status.throwExceptionIfNotOK();
            devices.add(new Device(type, name));
          }
          return devices;
        } finally {
          TF_DeleteDeviceList(list);
        }
      } finally {
        context.delete();
      }
    } finally {
      TFE_DeleteContextOptions(options);
      status.delete();
    }
  }

  /** {@code /job:localhost/replica:0/task:0/device:GPU:0} → {@code /device:GPU:0}. */
  private static String shortName(String name) {
    int device = name.indexOf("/device:");
    return device >= 0 ? name.substring(device) : name;
  }
}
