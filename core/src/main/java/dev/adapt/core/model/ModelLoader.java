package dev.adapt.core.model;

import dev.adapt.core.graph.TensorName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/** Loads a {@link ModelSource} into a frozen, analysed {@link LoadedModel}. */
public final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);
  private static final String SERVE_TAG = "serve";

  private ModelLoader() {}

  /** Parses and loads {@code builtin:resnet50} or a SavedModel path with its default signature. */
  public static LoadedModel load(String model) {
    return load(ModelSource.parse(model));
  }

  /**
   * Loads, freezes and analyses a model.
   *
   * @throws ModelLoadException if the model cannot be loaded, lacks the signature, or has more than
   *     one input or output
   */
  public static LoadedModel load(ModelSource source) {
    long started = System.nanoTime();
    Path directory =
        switch (source.kind()) {
          case BUILTIN -> BuiltinModels.savedModel(source.location());
          case SAVED_MODEL -> Path.of(source.location());
        };
    LoadedModel model = loadSavedModel(source, directory);
    log.info(
        "Loaded {} in {} ms: {} cut points, {} MB of weights",
        source,
        (System.nanoTime() - started) / 1_000_000,
        model.cutPoints().size(),
        model.parameterBytes() / 1_000_000);
    return model;
  }

  private static LoadedModel loadSavedModel(ModelSource source, Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new ModelLoadException(
          "cannot load model " + source.uri() + ": no such directory (expected a SavedModel)");
    }
    if (!Files.exists(directory.resolve("saved_model.pb"))
        && !Files.exists(directory.resolve("saved_model.pbtxt"))) {
      throw new ModelLoadException(
          "cannot load model "
              + source.uri()
              + ": the directory holds no saved_model.pb, so it is not a SavedModel");
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(directory.toString(), SERVE_TAG);
    } catch (RuntimeException e) {
      throw new ModelLoadException(
          "cannot load SavedModel " + source.uri() + " (tag 'serve'): " + firstLine(e), e);
    }
    try (bundle) {
      SignatureDef signature = signature(source, bundle);
      Map.Entry<String, TensorInfo> input = single(source, "input", signature.getInputsMap());
      Map.Entry<String, TensorInfo> output = single(source, "output", signature.getOutputsMap());
      SavedModelFreezer.Frozen frozen;
      try {
        frozen =
            SavedModelFreezer.freeze(
                bundle,
                TensorName.parse(input.getValue().getName()),
                TensorName.parse(output.getValue().getName()));
      } catch (ModelLoadException e) {
        throw new ModelLoadException(source + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        throw new ModelLoadException(
            "cannot freeze " + source + ": " + firstLine(e) + freezeAdvice(e), e);
      }
      return LoadedModel.analyse(source, frozen, input.getKey(), output.getKey());
    }
  }

  private static SignatureDef signature(ModelSource source, SavedModelBundle bundle) {
    Map<String, SignatureDef> signatures =
        new TreeMap<>(bundle.metaGraphDef().getSignatureDefMap());
    signatures.remove("__saved_model_init_op");
    SignatureDef signature = signatures.get(source.signature());
    if (signature == null) {
      throw new ModelLoadException(
          "SavedModel "
              + source.uri()
              + " has no signature '"
              + source.signature()
              + "'; its signatures: "
              + (signatures.isEmpty() ? "none" : String.join(", ", signatures.keySet())));
    }
    return signature;
  }

  private static Map.Entry<String, TensorInfo> single(
      ModelSource source, String role, Map<String, TensorInfo> tensors) {
    if (tensors.size() == 1) {
      Map.Entry<String, TensorInfo> only = tensors.entrySet().iterator().next();
      if (only.getValue().getName().isEmpty()) {
        throw new ModelLoadException(
            source
                + ": the signature's "
                + role
                + " '"
                + only.getKey()
                + "' is not a dense tensor");
      }
      return only;
    }
    List<String> names = new TreeMap<>(tensors).keySet().stream().toList();
    throw new ModelLoadException(
        source
            + ": signature '"
            + source.signature()
            + "' has "
            + tensors.size()
            + " "
            + role
            + "s"
            + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")")
            + "; a pipeline passes exactly one tensor from stage to stage, so the model needs"
            + " exactly one input and one output");
  }

  /**
   * A Keras 3 model written with plain {@code tf.saved_model.save} has a serving signature that
   * reads variables its restore op never restores; TensorFlow's own loader fails on it the same
   * way.
   */
  private static String freezeAdvice(RuntimeException e) {
    return String.valueOf(e.getMessage()).contains("Could not find variable")
        ? " (the SavedModel's restore op does not restore the variables its signature reads, as"
            + " happens with a Keras 3 model saved with tf.saved_model.save; export it with"
            + " model.export(path) instead)"
        : "";
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
