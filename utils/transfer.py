"""Transfer learning in vision (notebook 04): heads, classifiers, features and what is trained.

* :func:`make_head`, :func:`build_classifier`: ``images → [augmentation] → preprocess →
  backbone(training=False) → global pooling → head``, a plain chain of layers that returns logits.
* :func:`feature_model` / :func:`extract_features`: pooled features of one or several layers,
  labels kept aligned (one pass over the dataset).
* :func:`layer_groups`: the classifier's splitter for :mod:`utils.finetune` (one group per block of
  the backbone, then the head). What is trained is chosen there, with ``finetune.freeze_to``;
  the loop is ``finetune.gradual_unfreezing``.
* :func:`trainable_counts`, :func:`binomial_interval`: numbers for the comparison tables.

The backbones themselves (table, loading, blocks, speed) are :mod:`utils.backbones`; Grad-CAM is
:mod:`utils.gradcam`; per-layer learning rates, :mod:`utils.optim`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np

from . import config
from .backbones import find_backbone, layer_blocks


def make_head(num_classes: int = 2, dropout: float = 0.2, name: str = "head"):
    """Linear classifier on pooled features: ``Dropout → Dense`` (logits; 1 unit for 2 classes)."""
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes debe ser un entero ≥ 2 (recibido {num_classes!r}).")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout debe estar en [0, 1) (recibido {dropout}).")
    units = 1 if num_classes == 2 else int(num_classes)
    return keras.Sequential([keras.layers.Dropout(dropout), keras.layers.Dense(units)], name=name)


def build_classifier(base, preprocess: Callable | None = None, num_classes: int = 2,
                     dropout: float = 0.2, augmentation=None, head=None, bn_inference: bool = True,
                     name: str = "clasificador"):
    """``images → [augmentation] → preprocess → base(training=False) → GlobalAveragePooling → head``.

    The backbone is called with ``training=False`` (``bn_inference=True``): its
    BatchNormalization layers keep using the ImageNet statistics even when some of its layers
    are unfrozen for fine-tuning. Use ``bn_inference=False`` only to train from scratch.
    The output is logits (one unit for two classes: use ``from_logits=True`` losses).

    Args:
        base: a backbone (e.g. from :func:`utils.backbones.load_backbone`) with a fixed input shape.
        preprocess: its ``preprocess_input`` (None if the images are already preprocessed).
        num_classes: number of classes (ignored when ``head`` is given).
        dropout: dropout before the linear layer (ignored when ``head`` is given).
        augmentation: optional layer/model applied to the raw images (only in training).
        head: optional head model on pooled features (e.g. one already trained on extracted
            features, see :func:`extract_features`); by default :func:`make_head`.
        bn_inference: call the backbone with ``training=False`` (pretrained backbones).
    """
    shape = getattr(base, "input_shape", None)
    if not isinstance(base, keras.Model) or shape is None or None in tuple(shape)[1:]:
        raise ValueError(
            "base debe ser un modelo de keras.applications con input_shape fijo, p. ej. "
            "backbones.load_backbone('MobileNetV2', image_size=160)."
        )
    inputs = keras.Input(shape=tuple(shape)[1:], name="imagenes")
    x = augmentation(inputs) if augmentation is not None else inputs
    if preprocess is not None:
        x = keras.layers.Lambda(preprocess, name="preprocess")(x)
    x = base(x, training=False) if bn_inference else base(x)
    x = keras.layers.GlobalAveragePooling2D(name="pooling")(x)
    outputs = (head or make_head(num_classes, dropout))(x)
    return keras.Model(inputs, outputs, name=name)


def feature_model(base, preprocess: Callable | None = None, layer_names: Sequence[str] | None = None,
                  pooling: str = "avg"):
    """A model from raw images to pooled features of the last layer or of ``layer_names``.

    ``pooling``: "avg" (global average), "max", or "avgmax" (both, concatenated).
    With several ``layer_names`` the model returns a list, one array per layer.
    """
    if pooling not in ("avg", "max", "avgmax"):
        raise ValueError(f"pooling debe ser 'avg', 'max' o 'avgmax' (recibido {pooling!r}).")
    names = [l.name for l in base.layers]
    layer_names = list(layer_names) if layer_names else [base.layers[-1].name]
    unknown = [n for n in layer_names if n not in names]
    if unknown:
        raise ValueError(f"Capas no encontradas en {base.name}: {unknown}. Ejemplos: {names[-5:]}.")
    outputs = [base.get_layer(n).output for n in layer_names]
    inner = keras.Model(base.input, outputs, name=f"{base.name}_features")
    inputs = keras.Input(shape=tuple(base.input_shape)[1:])
    x = keras.layers.Lambda(preprocess, name="preprocess")(inputs) if preprocess else inputs
    maps = inner(x, training=False)
    maps = maps if isinstance(maps, (list, tuple)) else [maps]
    pooled = []
    for m in maps:
        parts = []
        if pooling in ("avg", "avgmax"):
            parts.append(keras.layers.GlobalAveragePooling2D()(m))
        if pooling in ("max", "avgmax"):
            parts.append(keras.layers.GlobalMaxPooling2D()(m))
        pooled.append(parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts))
    return keras.Model(inputs, pooled if len(pooled) > 1 else pooled[0], name="features")


def extract_features(model, data, batch_size: int = 64, verbose: int | None = None):
    """Run a (feature) model over ``data`` ONCE and return ``(features, labels)``.

    ``data``: a ``tf.data`` dataset of ``(images, labels)`` batches, or an array of images
    (then ``labels`` is None). With a multi-output model, ``features`` is a list of arrays.
    ``verbose``: Keras verbosity, a progress bar over the batches; ``None`` means
    :func:`utils.config.verbose` (a bar in full mode, silence in fast mode).
    """
    verbose = config.verbose() if verbose is None else verbose
    if hasattr(data, "element_spec"):
        batches = int(data.cardinality()) if hasattr(data, "cardinality") else -1
        bar = keras.utils.Progbar(batches if batches >= 0 else None, verbose=verbose, unit_name="lote")
        feats, labels = [], []
        for i, (x, y) in enumerate(data, 1):  # one pass: images and labels stay aligned
            out = model.predict_on_batch(x)
            feats.append(out if isinstance(out, (list, tuple)) else [out])
            labels.append(np.asarray(y))
            bar.update(i)
        if not feats:
            raise ValueError("El dataset está vacío.")
        if bar.target is None:  # length unknown beforehand: close the bar now
            bar.target = len(feats)
            bar.update(len(feats))
        columns = [np.concatenate([np.asarray(f[i]) for f in feats]) for i in range(len(feats[0]))]
        return (columns if len(columns) > 1 else columns[0]), np.concatenate(labels)
    x = np.asarray(data)
    if x.ndim != 4:
        raise ValueError(f"Se esperaban imágenes (N, alto, ancho, canales) o un tf.data; llegó {x.shape}.")
    out = model.predict(x, batch_size=batch_size, verbose=verbose)
    return out, None


def binomial_interval(accuracy: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson interval (95 % by default) of an accuracy measured on ``n`` examples."""
    if n < 1 or not 0 <= accuracy <= 1:
        raise ValueError(f"Se necesita n ≥ 1 y una exactitud en [0, 1] (recibido {accuracy}, {n}).")
    center = (accuracy + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(accuracy * (1 - accuracy) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(center - half), float(center + half)


def layer_groups(model) -> list[list]:
    """Layer groups of a :func:`build_classifier` model for :mod:`utils.finetune` (bottom → top).

    One group per block of the backbone (see :func:`utils.backbones.layer_blocks`; only layers with weights),
    then the head: the layers with weights after the backbone.
    """
    base = find_backbone(model)
    groups = [[l for l in layers if l.weights] for _, layers in layer_blocks(base)]
    chain = list(model.layers)
    head = [l for l in chain[chain.index(base) + 1:] if l.weights]
    if not head:
        raise ValueError(f"«{model.name}» no tiene capas con pesos después de la red base (la cabeza).")
    return [g for g in groups if g] + [head]


def trainable_counts(model) -> dict[str, int]:
    """``{"entrenables": ..., "congelados": ...}``: number of trainable / frozen parameters."""
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    frozen = int(sum(np.prod(v.shape) for v in model.non_trainable_weights))
    return {"entrenables": trainable, "congelados": frozen}
