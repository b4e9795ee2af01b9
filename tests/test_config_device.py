import importlib

import numpy as np
import pytest

import utils
from utils import config, device


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), ("0", False), ("", False), ("no", False)])
def test_fast_switch(monkeypatch, value, fast):
    monkeypatch.setenv("COURSE_FAST", value)
    assert config.is_fast() is fast
    assert config.pick(fast="rápido", full="completo") == ("rápido" if fast else "completo")


def test_fast_flag_read_at_import(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    assert importlib.reload(config).FAST is False
    monkeypatch.setenv("COURSE_FAST", "1")
    assert importlib.reload(config).FAST is True


def test_colab_url_points_to_the_notebook():
    url = config.colab_url("notebooks/00_entorno_y_mapa.ipynb")
    assert url.startswith("https://colab.research.google.com/github/")
    assert url.endswith(f"{config.REPO}/blob/{config.REPO_REF}/notebooks/00_entorno_y_mapa.ipynb")


def test_setup_on_cpu_prints_spanish_summary_and_warning(capsys):
    info = utils.setup(seed=7)
    out = capsys.readouterr().out
    assert info.device in ("CPU", "GPU", "TPU")
    assert "TensorFlow" in out and "Keras" in out and "semilla 7" in out
    if not info.has_gpu:
        assert "No se ha encontrado ninguna GPU" in out and "Cambiar tipo" in out
    assert info.keras.startswith("3.")


def test_setup_makes_runs_reproducible():
    import keras

    utils.setup(seed=3, verbose=False)
    a = (np.random.rand(3), keras.random.normal((3,)).numpy())
    utils.setup(seed=3, verbose=False)
    b = (np.random.rand(3), keras.random.normal((3,)).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_setup_require_gpu_and_bad_seed():
    info = utils.setup(verbose=False)
    if not info.has_gpu:
        with pytest.raises(device.DeviceError, match="GPU"):
            utils.setup(require_gpu=True, verbose=False)
    with pytest.raises(ValueError, match="semilla"):
        utils.setup(seed=-1)


def test_mixed_precision_only_on_gpu(capsys):
    import keras

    info = utils.setup(mixed_precision=True)
    expected = "mixed_float16" if info.has_gpu else "float32"
    assert keras.mixed_precision.global_policy().name == expected
    utils.setup(verbose=False)
    assert keras.mixed_precision.global_policy().name == "float32"


def test_setup_silences_keras_shuffle_warning_for_datasets():
    import warnings

    import keras
    import tensorflow as tf

    device.setup(verbose=False)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    dataset = tf.data.Dataset.from_tensor_slices((np.ones((4, 2)), np.ones(4))).batch(2)
    with warnings.catch_warnings(record=True) as caught:  # keeps setup's filters, forgets earlier warnings
        model.fit(dataset, epochs=1, verbose=0)
    assert not [w for w in caught if "shuffle" in str(w.message)]
