import numpy as np
import pytest

import utils
from utils import config, device


@pytest.fixture
def fresh_mode(monkeypatch):
    """Forget the mode fixed by an earlier ``setup()``; restore it afterwards."""
    monkeypatch.setattr(config, "_mode", None)


@pytest.mark.parametrize("value, fast", [("1", True), ("true", True), ("0", False), ("no", False)])
def test_fast_switch_from_the_environment(monkeypatch, fresh_mode, value, fast):
    monkeypatch.setenv("COURSE_FAST", value)
    assert config.is_fast() is fast and utils.FAST is fast and config.FAST is fast
    assert config.pick(fast="rápido", full="completo") == ("rápido" if fast else "completo")
    assert "COURSE_FAST" in config.mode_reason()


@pytest.mark.parametrize("has_gpu, fast", [(True, False), (False, True)])
def test_automatic_mode_follows_the_hardware(monkeypatch, fresh_mode, has_gpu, fast):
    monkeypatch.delenv("COURSE_FAST", raising=False)
    monkeypatch.setattr(config, "_gpu_available", lambda: has_gpu)
    assert config.is_fast() is fast
    assert config.mode_reason() == ("automático: hay una GPU" if has_gpu else "automático: no hay GPU")


def test_form_field_wins_over_the_environment(monkeypatch, fresh_mode):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert config.set_mode("completo") is False and config.is_fast() is False
    assert config.set_mode("rápido") is True and config.pick(1, 2) == 1
    assert config.set_mode("auto") is True  # back to COURSE_FAST
    with pytest.raises(ValueError, match="MODO"):
        config.set_mode("lento")


def test_setup_says_which_mode_and_why(monkeypatch, fresh_mode, capsys):
    monkeypatch.setenv("COURSE_FAST", "1")
    info = utils.setup(seed=1, mode="completo")
    out = capsys.readouterr().out
    assert info.fast is False and info.verbose == 1 and config.is_fast() is False
    assert 'Modo completo (MODO = "completo" en la celda de configuración)' in out and "T4" in out
    info = utils.setup(seed=1)
    assert info.fast is True and info.verbose == 0
    assert "Modo rápido (variable de entorno COURSE_FAST=1)" in capsys.readouterr().out


def test_badges_point_to_the_release():
    url = config.colab_url("notebooks/00_entorno_y_mapa.ipynb")
    assert url == (f"https://colab.research.google.com/github/{config.REPO}/blob/v{config.VERSION}"
                   "/notebooks/00_entorno_y_mapa.ipynb")
    assert config.kaggle_url("notebooks/x.ipynb").endswith(f"github.com/{config.REPO}/blob/v{config.VERSION}/notebooks/x.ipynb")
    assert config.source_url() == f"https://github.com/{config.REPO}/archive/refs/tags/v{config.VERSION}.zip"


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


@pytest.mark.parametrize("fast", [True, False])
def test_progress_yields_every_item_and_verbose_follows_the_mode(monkeypatch, capsys, fast):
    monkeypatch.setattr(config, "_mode", (fast, "x"))
    assert config.verbose() == (0 if fast else 1)
    items = ["a", {"b": 1}, None, 3]
    assert list(config.progress(items, label="paso")) == items
    assert list(config.progress(iter(items))) == items  # no len(): total unknown
    assert list(config.progress(x for x in range(5))) == list(range(5))
    out = capsys.readouterr().out
    assert (out == "") if fast else ("4/4" in out)  # a Keras bar only in full mode
