"""tf.distribute on CPU: two logical devices stand for two GPUs (Kaggle's 2 × T4, a lab server).

Logical devices must be configured before TensorFlow starts, so each check runs in its own
Python process.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import json, numpy as np, tensorflow as tf, keras
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from utils.device import choose_strategy
mirrored, description = choose_strategy(["/cpu:0", "/cpu:1"])
single = tf.distribute.get_strategy()
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6)).astype("float32")
y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
"""


def run(body: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    code = PRELUDE + textwrap.dedent(body)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_training_with_the_course_optimizer_matches_one_device():
    out = run("""
    from utils.optim import discriminative_optimizer, layerwise_optimizer

    def train(strategy):
        keras.utils.set_random_seed(1)
        with strategy.scope():
            model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh", name="low"),
                                      keras.layers.Dense(8, activation="tanh", name="mid"), keras.layers.Dense(1, name="top")])
            groups = [[model.get_layer("low")], [model.get_layer("mid")], [model.get_layer("top")]]
            frozen = model.get_layer("low").kernel.numpy().copy()
            # first a frozen group (multiplier 0), then discriminative rates with weight decay
            zero = layerwise_optimizer([(model.get_layer("low"), 0.0)], learning_rate=1e-2,
                                       optimizer="adamw", weight_decay=0.01)
            model.compile(optimizer=zero, loss="mse")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        moved_low = float(np.abs(model.get_layer("low").kernel.numpy() - frozen).max())
        with strategy.scope():
            opt = discriminative_optimizer(groups, learning_rate=1e-2, optimizer="adamw", weight_decay=0.01)
            model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        return [w.tolist() for w in model.get_weights()], moved_low

    w1, moved1 = train(single)
    w2, moved2 = train(mirrored)
    diff = max(float(np.abs(np.array(a) - np.array(b)).max()) for a, b in zip(w1, w2))
    print(json.dumps({"replicas": mirrored.num_replicas_in_sync, "description": description,
                      "diff": diff, "moved_single": moved1, "moved_mirrored": moved2}))
    """)
    assert out["replicas"] == 2 and "MirroredStrategy" in out["description"]
    assert out["moved_single"] == 0.0 and out["moved_mirrored"] == 0.0, "multiplicador 0: la capa no se mueve"
    assert out["diff"] < 1e-4, out


def test_gradual_unfreezing_and_the_schedule_under_two_replicas():
    out = run("""
    from utils import ulmfit

    def train(strategy):
        keras.utils.set_random_seed(2)
        with strategy.scope():
            inputs = keras.Input((6,))
            h1 = keras.layers.Dense(8, activation="tanh", name="g1")(inputs)
            h2 = keras.layers.Dense(8, activation="tanh", name="g2")(h1)
            model = keras.Model(inputs, keras.layers.Dense(1, name="g3")(h2))
        groups = [[model.get_layer("g1")], [model.get_layer("g2")], [model.get_layer("g3")]]
        before = model.get_layer("g1").kernel.numpy().copy()
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        histories = ulmfit.fit_gradual_unfreezing(model, groups, ds, epochs_per_stage=1, learning_rate=1e-2,
                                                  loss="mse", metrics=[], stages=3, verbose=0)
        return ([w.tolist() for w in model.get_weights()], len(histories),
                float(np.abs(model.get_layer("g1").kernel.numpy() - before).max()))

    w1, n1, moved1 = train(single)
    w2, n2, moved2 = train(mirrored)
    diff = max(float(np.abs(np.array(a) - np.array(b)).max()) for a, b in zip(w1, w2))
    print(json.dumps({"stages": [n1, n2], "diff": diff, "moved": [moved1, moved2],
                      "replicas": mirrored.num_replicas_in_sync}))
    """)
    assert out["replicas"] == 2 and out["stages"] == [3, 3]
    assert min(out["moved"]) > 0, "la última etapa descongela también el grupo más bajo"
    assert out["diff"] < 1e-4, out


def test_setup_reports_the_strategy_and_the_global_batch():
    out = run("""
    import utils
    from utils.device import summary
    info = utils.setup(verbose=False)
    info.strategy = mirrored  # as setup() chooses with two GPUs
    info.details["strategy"] = description
    print(json.dumps({"replicas": info.replicas, "batch": info.global_batch_size(32), "summary": summary(info)}))
    """)
    assert out["replicas"] == 2 and out["batch"] == 64
    assert "lote global = lote por réplica × 2" in out["summary"]


def test_a_trainable_tf_hub_layer_trains_the_same_under_two_replicas(tmp_path):
    out = run(f"""
    from utils.hub import HubLayer

    class Tiny(tf.Module):  # a SavedModel with one trainable matrix, as TF Hub models are saved
        def __init__(self):
            self.w = tf.Variable(np.random.default_rng(3).normal(size=(6, 4)).astype("float32"), trainable=True)
            self.trainable_variables_list = [self.w]

        @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32)])
        def __call__(self, x):
            return tf.tanh(x @ self.w)

    tf.saved_model.save(Tiny(), {str(tmp_path / "tiny")!r})

    def train(strategy):
        keras.utils.set_random_seed(4)
        with strategy.scope():
            hub_layer = HubLayer({str(tmp_path / "tiny")!r}, trainable=True)
            model = keras.Sequential([keras.Input((6,)), hub_layer, keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        before = hub_layer.weights[0].numpy().copy()
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return hub_layer.weights[0].numpy(), float(np.abs(hub_layer.weights[0].numpy() - before).max())

    (w1, moved1), (w2, moved2) = train(single), train(mirrored)
    print(json.dumps({{"moved": [moved1, moved2], "diff": float(np.abs(w1 - w2).max())}}))
    """)
    assert min(out["moved"]) > 1e-3, "el modelo de TF Hub debe entrenarse también con dos réplicas"
    assert out["diff"] < 1e-4, out


def test_mixed_precision_with_per_layer_rates_under_two_replicas():
    """09 turns on mixed_float16 on a GPU: Keras wraps the optimizer in a LossScaleOptimizer."""
    out = run("""
    from utils.optim import layerwise_optimizer
    keras.mixed_precision.set_global_policy("mixed_float16")
    keras.utils.set_random_seed(5)
    with mirrored.scope():
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh", name="low"),
                                  keras.layers.Dense(1, dtype="float32", name="top")])
        opt = layerwise_optimizer([(model.get_layer("low"), 0.0)], learning_rate=1e-2, optimizer="adamw")
        model.compile(optimizer=opt, loss="mse")
    low = model.get_layer("low").kernel.numpy().copy()
    top = model.get_layer("top").kernel.numpy().copy()
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    print(json.dumps({"wrapped": type(model.optimizer).__name__, "loss": history.history["loss"],
                      "low": float(np.abs(model.get_layer("low").kernel.numpy() - low).max()),
                      "top": float(np.abs(model.get_layer("top").kernel.numpy() - top).max())}))
    """)
    assert out["wrapped"] == "LossScaleOptimizer"
    assert out["low"] == 0.0 and out["top"] > 0 and all(np.isfinite(out["loss"]))
