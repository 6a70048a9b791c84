"""Writes the SavedModel fixtures of the slicing tests, with TensorFlow's own reference outputs.

Run from this directory with TensorFlow 2.18 (the version TensorFlow Java 1.1.0 is built on):

    python3 -m venv /tmp/tf && /tmp/tf/bin/pip install 'tensorflow-cpu==2.18.*' 'tf_keras==2.18.*'
    /tmp/tf/bin/python make_fixtures.py

Each fixture directory holds the SavedModel plus `reference/`: `input.bin` and `output.bin`
(little-endian float32, row-major) and `reference.json` (their shapes and the signature used).
The tests compare the Java slices against these outputs; CI does not run Python.
"""

import json
import os
import shutil

import numpy as np
import tensorflow as tf

SEED = 20240521
BATCH = 4


def write_reference(directory, signature, x, y):
    ref = os.path.join(directory, "reference")
    os.makedirs(ref, exist_ok=True)
    x.astype("<f4").tofile(os.path.join(ref, "input.bin"))
    y.astype("<f4").tofile(os.path.join(ref, "output.bin"))
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump(
            {
                "signature": signature,
                "inputShape": list(x.shape),
                "outputShape": list(y.shape),
                "tensorflow": tf.__version__,
            },
            f,
            indent=2,
        )
        f.write("\n")


def randomize_batch_norms(model, rng):
    """Gives every BatchNormalization non-trivial statistics, so that freezing them is tested."""
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                    rng.normal(0.0, 0.2, beta.shape).astype("float32"),
                    rng.normal(0.0, 0.3, mean.shape).astype("float32"),
                    rng.uniform(0.5, 2.0, var.shape).astype("float32"),
                ]
            )


def keras_residual_cnn(path, rng):
    """A small functional Keras CNN: convs, batch norms, one residual skip, dense + softmax."""
    layers = tf.keras.layers
    inputs = tf.keras.Input(shape=(32, 32, 3), name="image")
    x = layers.Conv2D(8, 3, padding="same", name="stem_conv")(inputs)
    x = layers.BatchNormalization(epsilon=1.001e-5, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    shortcut = x
    x = layers.Conv2D(8, 3, padding="same", name="block_1_conv")(x)
    x = layers.BatchNormalization(epsilon=1.001e-5, name="block_1_bn")(x)
    x = layers.Activation("relu", name="block_1_relu")(x)
    x = layers.Conv2D(8, 3, padding="same", name="block_2_conv")(x)
    x = layers.BatchNormalization(epsilon=1.001e-5, name="block_2_bn")(x)
    x = layers.Add(name="block_add")([shortcut, x])
    x = layers.Activation("relu", name="block_out")(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu", name="down_conv")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(32, activation="relu", name="fc")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = tf.keras.Model(inputs, outputs, name="residual_cnn")
    randomize_batch_norms(model, rng)

    shutil.rmtree(path, ignore_errors=True)
    model.export(path, format="tf_saved_model")
    x = rng.uniform(-1.0, 1.0, (BATCH, 32, 32, 3)).astype("float32")
    y = model(x, training=False).numpy()
    # The reference comes from the exported SavedModel itself, run by TensorFlow.
    loaded = tf.saved_model.load(path)
    served = loaded.signatures["serving_default"](tf.constant(x))
    (y_served,) = served.values()
    np.testing.assert_allclose(y, y_served.numpy(), atol=1e-6)
    write_reference(path, "serving_default", x, y_served.numpy())


def keras2_residual_cnn(path, rng):
    """The same kind of CNN built with Keras 2 (tf_keras), whose SavedModels nest a function per
    layer call and name operations model/layer/op."""
    import tf_keras

    layers = tf_keras.layers
    inputs = tf_keras.Input(shape=(24, 24, 3), name="pixels")
    x = layers.Conv2D(8, 3, padding="same", name="conv1")(inputs)
    x = layers.BatchNormalization(epsilon=1.001e-5, name="bn1")(x)
    x = layers.Activation("relu", name="relu1")(x)
    shortcut = layers.Conv2D(12, 1, strides=2, name="shortcut_conv")(x)
    y = layers.Conv2D(12, 3, strides=2, padding="same", name="branch_conv")(x)
    y = layers.BatchNormalization(epsilon=1.001e-5, name="branch_bn")(y)
    x = layers.Add(name="merge")([shortcut, y])
    x = layers.Activation("relu", name="merge_relu")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    outputs = layers.Dense(6, activation="softmax", name="probabilities")(x)
    model = tf_keras.Model(inputs, outputs, name="keras2_cnn")
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                    rng.normal(0.0, 0.2, beta.shape).astype("float32"),
                    rng.normal(0.0, 0.3, mean.shape).astype("float32"),
                    rng.uniform(0.5, 2.0, var.shape).astype("float32"),
                ]
            )

    shutil.rmtree(path, ignore_errors=True)
    model.save(path, save_format="tf")
    x = rng.uniform(-1.0, 1.0, (BATCH, 24, 24, 3)).astype("float32")
    loaded = tf.saved_model.load(path)
    (y,) = loaded.signatures["serving_default"](tf.constant(x)).values()
    np.testing.assert_allclose(model(x, training=False).numpy(), y.numpy(), atol=1e-6)
    write_reference(path, "serving_default", x, y.numpy())


class TwoTowerMlp(tf.Module):
    """A tf.Module with plain tf.Variables and tf.functions: an MLP with a skip connection."""

    def __init__(self, rng):
        super().__init__(name="mlp")

        def var(shape, name, scale):
            return tf.Variable(rng.normal(0.0, scale, shape).astype("float32"), name=name)

        self.w1 = var((16, 24), "w1", 0.3)
        self.b1 = var((24,), "b1", 0.1)
        self.w2 = var((24, 24), "w2", 0.3)
        self.b2 = var((24,), "b2", 0.1)
        self.w3 = var((24, 5), "w3", 0.3)
        self.b3 = var((5,), "b3", 0.1)

    @tf.function(input_signature=[tf.TensorSpec([None, 16], tf.float32, name="features")])
    def scores(self, features):
        with tf.name_scope("hidden1"):
            h1 = tf.nn.relu(tf.matmul(features, self.w1) + self.b1)
        with tf.name_scope("hidden2"):
            h2 = tf.nn.tanh(tf.matmul(h1, self.w2) + self.b2)
        with tf.name_scope("skip"):
            h = h1 + h2
        with tf.name_scope("logits"):
            logits = tf.matmul(h, self.w3) + self.b3
        return {"scores": tf.nn.softmax(logits, name="scores")}

    @tf.function(input_signature=[tf.TensorSpec([None, 16], tf.float32, name="features")])
    def hidden(self, features):
        return {"hidden": tf.nn.relu(tf.matmul(features, self.w1) + self.b1)}

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 16], tf.float32, name="left"),
            tf.TensorSpec([None, 16], tf.float32, name="right"),
        ]
    )
    def pair(self, left, right):
        return {"sum": tf.matmul(left + right, self.w1)}

    @tf.function(input_signature=[tf.TensorSpec([None, 16], tf.float32, name="features")])
    def looped(self, features):
        # Control flow: a graph with a While loop cannot be sliced and must be refused.
        i = tf.constant(0)
        h = tf.matmul(features, self.w1)
        _, h = tf.while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, tf.nn.relu(h) * 0.5), [i, h])
        return {"looped": h}

    @tf.function(input_signature=[tf.TensorSpec([None, 16], tf.float32, name="features")])
    def split(self, features):
        h = tf.matmul(features, self.w1)
        return {"first": h[:, :12], "second": h[:, 12:]}


def module_mlp(path, rng):
    module = TwoTowerMlp(rng)
    shutil.rmtree(path, ignore_errors=True)
    tf.saved_model.save(
        module,
        path,
        signatures={
            "serving_default": module.scores,
            "hidden": module.hidden,
            "pair": module.pair,
            "split": module.split,
            "looped": module.looped,
        },
    )
    x = rng.uniform(-1.0, 1.0, (BATCH, 16)).astype("float32")
    loaded = tf.saved_model.load(path)
    y = loaded.signatures["serving_default"](features=tf.constant(x))["scores"].numpy()
    write_reference(path, "serving_default", x, y)


def keras3_numbered_cnn(path, plain_path, rng):
    """A Keras 3 CNN whose layers keep Keras' numbered default names (conv2d, conv2d_1, …).

    Its exported graph names each layer's scope with one more suffix (layer `activation` in scope
    `activation_1`, layer `activation_1` in `activation_1_2`), which is what the name resolution
    must see through. The same model saved with plain `tf.saved_model.save` goes to `plain_path`:
    its restore op does not restore the variables its signature reads, so it must be refused with
    advice to use `model.export`.
    """
    layers = tf.keras.layers
    inputs = tf.keras.Input(shape=(20, 20, 3))
    x = layers.ZeroPadding2D(1)(inputs)
    x = layers.Conv2D(6, 3)(x)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.Conv2D(10, 3)(x)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(8, 3)(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(4, activation="softmax")(x)
    model = tf.keras.Model(inputs, outputs)
    randomize_batch_norms(model, rng)

    shutil.rmtree(path, ignore_errors=True)
    model.export(path, format="tf_saved_model")
    x = rng.uniform(-1.0, 1.0, (BATCH, 20, 20, 3)).astype("float32")
    loaded = tf.saved_model.load(path)
    (y,) = loaded.signatures["serving_default"](tf.constant(x)).values()
    np.testing.assert_allclose(model(x, training=False).numpy(), y.numpy(), atol=1e-6)
    write_reference(path, "serving_default", x, y.numpy())
    # Shapes of the layers (numbered pairs differ), so that a cut in the wrong place shows.
    shapes = {
        layer.name: list(layer.output.shape[1:])
        for layer in model.layers
        if layer.name != "input_layer"
    }
    with open(os.path.join(path, "reference", "layers.json"), "w") as f:
        json.dump(shapes, f, indent=2)
        f.write("\n")

    shutil.rmtree(plain_path, ignore_errors=True)
    tf.saved_model.save(model, plain_path)


class FileReadingModule(tf.Module):
    """A model that reads a file in its inference graph: what no worker may run."""

    def __init__(self, rng):
        super().__init__()
        self.w = tf.Variable(rng.normal(0.0, 0.5, (4, 4)).astype("float32"), name="w")

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="features")])
    def scores(self, features):
        leaked = tf.cast(tf.strings.length(tf.io.read_file("/etc/hostname")), tf.float32)
        return {"scores": tf.matmul(features, self.w) + leaked}


def module_reads_file(path, rng):
    module = FileReadingModule(rng)
    shutil.rmtree(path, ignore_errors=True)
    tf.saved_model.save(module, path, signatures={"serving_default": module.scores})


FIXTURES = {
    "keras_residual_cnn": lambda here, rng: keras_residual_cnn(
        os.path.join(here, "keras_residual_cnn"), rng
    ),
    "module_mlp": lambda here, rng: module_mlp(os.path.join(here, "module_mlp"), rng),
    "keras2_residual_cnn": lambda here, rng: keras2_residual_cnn(
        os.path.join(here, "keras2_residual_cnn"), rng
    ),
    "keras3_numbered_cnn": lambda here, rng: keras3_numbered_cnn(
        os.path.join(here, "keras3_numbered_cnn"), os.path.join(here, "keras3_plain_saved"), rng
    ),
    "module_reads_file": lambda here, rng: module_reads_file(
        os.path.join(here, "module_reads_file"), rng
    ),
}


def main(names):
    """Writes the named fixtures (all without arguments); each has a seed of its own."""
    here = os.path.dirname(os.path.abspath(__file__))
    for index, name in enumerate(FIXTURES):
        if names and name not in names:
            continue
        rng = np.random.default_rng(SEED + (index if name == "keras3_numbered_cnn" else 0))
        tf.keras.utils.set_random_seed(SEED)
        FIXTURES[name](here, rng)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
