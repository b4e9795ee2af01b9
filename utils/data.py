"""The one place that loads the course's datasets and pretrained assets.

Everything goes through the real sources (``keras.utils.get_file``, ``keras.datasets``,
``keras.applications``) and the Keras cache (``$KERAS_HOME``, by default ``~/.keras``):
the first call downloads, later calls read the cache. When a file is missing and cannot
be downloaded, :class:`CourseDataError` says, in Spanish, which file and how to get it.
In fast mode (``COURSE_FAST=1``) the loaders subsample what they loaded.
"""

from __future__ import annotations

import json
import os
import re
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
    "glove": dict(
        fname="glove.6B.zip", extract=True, inner="",
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


def _missing_message(what: str, target: Path, origin: str, error: Exception | None = None) -> str:
    cause = f"\nCausa: {type(error).__name__}: {error}" if error else ""
    return (
        f"No se ha podido obtener {what}.\n"
        f"Se esperaba en la caché de Keras: {target}\n"
        f"y no se ha podido descargar de: {origin}{cause}\n"
        "Qué hacer: conéctate a internet y vuelve a ejecutar la celda (se descarga una sola vez), "
        f"o descarga el fichero a mano y cópialo en {target.parent}."
    )


def _check_name(name: str) -> dict:
    if name not in ASSETS:
        raise ValueError(f"Conjunto de datos desconocido «{name}». Disponibles: {sorted(ASSETS)}.")
    return ASSETS[name]


def asset_path(name: str) -> Path:
    """Where the downloaded file of asset ``name`` lives in the Keras cache."""
    spec = _check_name(name)
    return keras_home() / spec.get("cache_subdir", "datasets") / spec["fname"]


def is_cached(name: str) -> bool:
    """True when asset ``name`` is already in the Keras cache (no download needed)."""
    return asset_path(name).exists()


def fetch(name: str) -> Path:
    """Download (or find in the cache) asset ``name``; return the file, or the extracted folder."""
    import keras

    spec = _check_name(name)
    target = asset_path(name)
    if spec.get("extract"):
        stem = spec["fname"][: spec["fname"].find(".")]
        extracted = target.parent / f"{stem}_extracted"
        inner = extracted / spec["inner"]
        if inner.is_dir() and any(inner.iterdir()):  # get_file would extract it all again
            return inner
    try:
        path = keras.utils.get_file(
            spec["fname"], origin=spec["origin"], extract=spec.get("extract", False),
            cache_subdir=spec.get("cache_subdir", "datasets"),
        )
    except Exception as error:  # no internet, DNS failure, HTTP error...
        raise CourseDataError(_missing_message(f"«{name}»", target, spec["origin"], error)) from error
    path = Path(path)
    return path / spec["inner"] if spec.get("extract") else path


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
    classes, counts = np.unique(y, return_counts=True)
    per_class = np.floor(counts / counts.sum() * n).astype(int)
    per_class[np.argsort(-counts)[: n - per_class.sum()]] += 1
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
                      n_val: int | None = None, seed: int = SEED):
    """The filtered Kaggle cats-vs-dogs set of TensorFlow's transfer-learning tutorial.

    2,000 training and 1,000 validation JPEGs (fast mode: 400 + 200, same balance).
    Returns ``train_ds, val_ds, class_names`` (``tf.data``, images float32 in [0, 255];
    ``train_ds`` is reshuffled every epoch, ``val_ds`` keeps its order).
    """
    root = fetch("cats_and_dogs")
    train_files, train_labels, class_names = _image_files(root / "train")
    val_files, val_labels, _ = _image_files(root / "validation")
    train_files, train_labels = subsample(train_files, train_labels, n_train or pick(400, None), seed)
    val_files, val_labels = subsample(val_files, val_labels, n_val or pick(200, None), seed)
    train_ds = images_dataset(train_files, train_labels, image_size, batch_size, shuffle=True, seed=seed)
    val_ds = images_dataset(val_files, val_labels, image_size, batch_size)
    return train_ds, val_ds, class_names


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


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet class names in index order (short names, e.g. 'tabby')."""
    import keras

    try:
        path = keras.utils.get_file("imagenet_class_index.json", IMAGENET_INDEX_URL,
                                    cache_subdir="models", file_hash="c2c37ea517e94d9795004a39431a14cb")
        index = json.loads(Path(path).read_text())
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
    """Build a ``keras.applications`` model with ImageNet weights, with a clear error offline.

    >>> base = load_pretrained(keras.applications.MobileNetV2, include_top=False, alpha=0.35)
    """
    try:
        return constructor(weights="imagenet", **kwargs)
    except Exception as error:
        if "Downloading" in str(error) or "URL fetch failure" in str(error) or isinstance(error, OSError):
            name = getattr(constructor, "__name__", str(constructor))
            raise CourseDataError(
                f"No se han podido obtener los pesos de ImageNet de {name} ({kwargs}).\n"
                f"Causa: {type(error).__name__}: {error}\n"
                f"Qué hacer: conéctate a internet (se descargan una vez a {keras_home() / 'models'}) "
                "o copia allí el fichero .h5 de los pesos."
            ) from error
        raise


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


def load_glove(dim: int = 50, max_words: int | None = None) -> tuple[list[str], np.ndarray]:
    """Pretrained GloVe 6B vectors (Pennington et al. 2014): ``(words, vectors)``.

    Words are in frequency order; ``max_words`` keeps the most frequent ones.
    """
    if dim not in (50, 100, 200, 300):
        raise ValueError(f"GloVe 6B tiene dimensiones 50, 100, 200 o 300 (recibido {dim}).")
    path = fetch("glove") / f"glove.6B.{dim}d.txt"
    if not path.exists():
        raise CourseDataError(
            f"No está el fichero {path.name} dentro de {path.parent}. Esta copia de GloVe solo tiene "
            f"{sorted(p.name for p in path.parent.glob('*.txt'))}: usa dim=50 o borra la caché y "
            "descarga el zip completo con internet."
        )
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
    import keras

    base = ASSETS["spanish_tweets"]["origin"]
    out = {}
    for split in ("train", "val", "test"):
        columns = []
        for kind in ("text", "labels"):
            fname = f"{split}_{kind}.txt"
            try:
                path = keras.utils.get_file(fname, origin=base + fname, cache_subdir="datasets/xlm_t_spanish")
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
