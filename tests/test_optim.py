import keras
import numpy as np
import pytest

from utils.optim import discriminative_optimizer, layerwise_optimizer


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="tanh", name="low"),
        keras.layers.Dense(8, activation="tanh", name="mid"),
        keras.layers.Dense(1, name="top"),
    ])


def _moves(model, opt, steps=3):
    x = np.random.default_rng(0).random((32, 4), dtype="float32")
    y = np.random.default_rng(1).random((32, 1), dtype="float32")
    before = {l.name: l.kernel.numpy().copy() for l in model.layers}
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, epochs=steps, batch_size=32, verbose=0)
    return {l.name: float(np.abs(l.kernel.numpy() - before[l.name]).mean()) for l in model.layers}


@pytest.mark.parametrize("name", ["adam", "sgd", "adamw"])
def test_zero_multiplier_freezes_a_layer(name):
    model = _model()
    opt = layerwise_optimizer([(model.get_layer("low"), 0.0)], learning_rate=1e-2, optimizer=name)
    moves = _moves(model, opt)
    assert moves["low"] == 0.0
    assert moves["mid"] > 0 and moves["top"] > 0


def test_discriminative_lower_layers_move_less_with_adam():
    model = _model()
    opt = discriminative_optimizer([model.get_layer(n) for n in ("low", "mid", "top")],
                                   learning_rate=1e-3, decay=10.0)
    moves = _moves(model, opt, steps=1)
    # Adam's first step moves each weight by ~lr: the ratios follow the multipliers.
    assert moves["low"] < moves["mid"] < moves["top"]
    assert moves["top"] / moves["low"] == pytest.approx(100, rel=0.2)
    assert opt.lr_multipliers()[model.get_layer("low").kernel.path] == pytest.approx(0.01)


def test_works_with_a_schedule():
    model = _model()
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=10, decay_rate=0.5)
    opt = layerwise_optimizer([(model.get_layer("top"), 0.0)], learning_rate=schedule)
    moves = _moves(model, opt)
    assert moves["top"] == 0.0 and moves["low"] > 0


def test_bad_input_in_spanish():
    model = _model()
    with pytest.raises(ValueError, match="multiplicador"):
        layerwise_optimizer([(model.get_layer("low"), -1)])
    with pytest.raises(TypeError, match="capa"):
        layerwise_optimizer([("low", 0.5)])
    with pytest.raises(TypeError, match="optimizer"):
        layerwise_optimizer([], optimizer=3)
    with pytest.raises(ValueError, match="decay"):
        discriminative_optimizer([model.layers[0]], decay=0.5)


def test_a_model_compiled_with_it_saves_and_loads(tmp_path):
    model = _model()
    opt = discriminative_optimizer([model.get_layer(n) for n in ("low", "mid", "top")], learning_rate=1e-3)
    _moves(model, opt, steps=1)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer).__name__ == "LayerwiseAdam"
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_weight_decay_follows_each_groups_rate():
    """Decoupled weight decay is lr × multiplier × wd × w, group by group."""
    model = _model()
    opt = layerwise_optimizer([(model.get_layer("low"), 0.5), (model.get_layer("mid"), 0.0)],
                              learning_rate=1.0, optimizer="sgd", weight_decay=0.1)
    before = {l.name: l.kernel.numpy().copy() for l in model.layers}
    model.compile(optimizer=opt, loss=lambda y, p: 0.0 * keras.ops.mean(p))  # zero gradients: decay alone
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), epochs=1, batch_size=8, verbose=0)
    for name, factor in (("low", 1 - 0.1 * 0.5), ("mid", 1.0), ("top", 1 - 0.1)):
        np.testing.assert_allclose(model.get_layer(name).kernel.numpy(), before[name] * factor, rtol=1e-5)
