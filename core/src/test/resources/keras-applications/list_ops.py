"""Lists the operation types of the frozen inference graphs of Keras applications into ops.txt.

The allowlist test checks that every type listed is allowed, so that the SavedModels of these
common image classifiers can be served. Run with TensorFlow 2.18 (see ../savedmodels/make_fixtures.py
for the virtual environment); the architectures are built without weights (no download):

    /tmp/tf/bin/python list_ops.py > ops.txt
"""

import os
import tempfile

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"

import keras
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

APPLICATIONS = {
    "ResNet50": keras.applications.ResNet50,
    "MobileNetV2": keras.applications.MobileNetV2,
    "InceptionV3": keras.applications.InceptionV3,
    "DenseNet121": keras.applications.DenseNet121,
    "EfficientNetB0": keras.applications.EfficientNetB0,
}


def frozen_op_types(directory):
    serving = tf.saved_model.load(directory).signatures["serving_default"]
    graph = convert_variables_to_constants_v2(serving).graph.as_graph_def()
    types = {node.op for node in graph.node}
    for function in graph.library.function:
        types |= {node.op for node in function.node_def}
    return sorted(types)


def main():
    with tempfile.TemporaryDirectory() as scratch:
        for name, build in APPLICATIONS.items():
            directory = os.path.join(scratch, name)
            build(weights=None).export(directory)
            print(name, " ".join(frozen_op_types(directory)), flush=True)


if __name__ == "__main__":
    main()
