"""The private Keras parts that utils/keras_internals.py wraps still exist and behave as needed.

If a Keras upgrade breaks one of these, this file fails first, naming the wrapper to mend.
"""

import keras
import numpy as np
import tensorflow as tf

from utils import keras_internals as ki


def test_track_variable_makes_a_layer_own_an_existing_variable():
    layer = keras.layers.Layer()
    storage = tf.Variable(np.ones((2, 3), "float32"))
    ki.track_variable(layer, keras.Variable(initializer=storage, trainable=True, dtype="float32", shape=(2, 3)))
    assert len(layer.trainable_weights) == 1
    storage.assign(np.zeros((2, 3), "float32"))  # the same storage, not a copy
    assert float(np.abs(layer.weights[0].numpy()).sum()) == 0.0


def test_optimizer_key_is_the_same_for_a_variable_and_its_backing_tf_variable():
    opt = keras.optimizers.AdamW(weight_decay=0.1, learning_rate=1e-3)
    opt.exclude_from_weight_decay(var_names=["bias"])
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    opt.build(dense.trainable_variables)
    kernel, bias = dense.kernel, dense.bias
    assert ki.optimizer_key(opt, kernel) == ki.optimizer_key(opt, kernel.value)
    assert ki.optimizer_key(opt, kernel) != ki.optimizer_key(opt, bias)
    assert ki.uses_weight_decay(opt, kernel) and not ki.uses_weight_decay(opt, bias)


def test_auto_jit_resolves_to_xla_as_on_a_gpu_and_back():
    def resolved():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", jit_compile="auto")
        return model.jit_compile

    on_cpu = resolved()
    undo = ki.resolve_auto_jit_as_on_gpu()
    try:
        assert resolved() is True
    finally:
        undo()
    assert resolved() == on_cpu


def test_sublayers_of_a_model_and_of_a_plain_layer():
    inner = keras.layers.Dense(2, name="inner")

    class Holder(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = inner

        def call(self, x):
            return self.dense(x)

    holder = Holder()
    model = keras.Sequential([keras.Input((3,)), holder])
    assert ki.sublayers(holder) == [inner]
    assert holder in ki.sublayers(model) and inner not in ki.sublayers(model)
    assert inner in ki.sublayers(model, recursive=True)
