"""Transfer learning with ``keras.applications`` backbones (notebook 04).

Plumbing that the lesson relies on but does not teach line by line:

* :data:`BACKBONES` and :func:`load_backbone`: a pretrained network *and its own*
  ``preprocess_input`` (every family expects its inputs scaled differently).
* :func:`build_classifier`: ``images → [augmentation] → preprocess → backbone(training=False)
  → global pooling → head``, a plain chain of layers.
* :func:`feature_model` / :func:`extract_features`: pooled features of one or several
  layers, labels kept aligned (one pass over the dataset).
* :func:`layer_blocks`, :func:`layer_groups`, :func:`freeze_up_to`, :func:`unfreeze_top_blocks`:
  what is trained (the training loop itself is :func:`utils.finetune.gradual_unfreezing`).
* :func:`grad_cam`: where the network "looks" (Selvaraju et al. 2017).
* :func:`trainable_counts`, :func:`images_per_second`: numbers for the comparison tables.
* :func:`binomial_interval`: how much an accuracy measured on a few images can move.

Per-layer learning rates live in :mod:`utils.optim`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import numpy as np

from . import config

#: ``keras.applications`` families: constructor name, module with ``preprocess_input`` and the
#: image size the ImageNet weights were trained at.
BACKBONES: dict[str, dict] = {
    "MobileNet": dict(constructor="MobileNet", module="mobilenet", size=224),
    "MobileNetV2": dict(constructor="MobileNetV2", module="mobilenet_v2", size=224),
    "EfficientNetB0": dict(constructor="EfficientNetB0", module="efficientnet", size=224),
    "EfficientNetV2B0": dict(constructor="EfficientNetV2B0", module="efficientnet_v2", size=224),
    "EfficientNetV2S": dict(constructor="EfficientNetV2S", module="efficientnet_v2", size=384),
    "ResNet50": dict(constructor="ResNet50", module="resnet50", size=224),
    "Xception": dict(constructor="Xception", module="xception", size=299),
    "VGG19": dict(constructor="VGG19", module="vgg19", size=224),
    "InceptionV3": dict(constructor="InceptionV3", module="inception_v3", size=299),
    "ConvNeXtTiny": dict(constructor="ConvNeXtTiny", module="convnext", size=224),
}

# How keras.applications names the layers of a block (first match wins).
_BLOCK_PATTERNS = [
    re.compile(r"^(block_\d+)_"),           # MobileNetV2: block_13_expand
    re.compile(r"^(expanded_conv)_"),       # MobileNetV2: first block
    re.compile(r"^(conv\d+_block\d+)_"),    # ResNet: conv4_block2_1_conv
    re.compile(r"^conv_(?:dw|pw|pad)_(\d+)"),  # MobileNet v1: conv_dw_5 / conv_pw_5
    re.compile(r"^(block\d+[a-z]?)_"),      # EfficientNet block2a_, Xception/VGG block3_
    re.compile(r"^(mixed\d+)"),             # InceptionV3 (the block's last layer: see _CLOSING)
    re.compile(r"^convnext_[a-z]+_(stage_\d+_block_\d+)_"),  # ConvNeXt: convnext_tiny_stage_0_block_0_…
]
# InceptionV3 names a block by its LAST layer (the concatenation mixedN): the unnamed layers before
# it belong to it, not to the block before.
_CLOSING = re.compile(r"^mixed\d+")


def _keras():
    import keras

    return keras


def _check_backbone_name(name: str) -> dict:
    if name not in BACKBONES:
        raise ValueError(f"Red base desconocida «{name}». Disponibles: {sorted(BACKBONES)}.")
    return BACKBONES[name]


def get_preprocess(name: str) -> Callable:
    """The ``preprocess_input`` of a backbone family (e.g. MobileNetV2: pixels → [-1, 1])."""
    spec = _check_backbone_name(name)
    return getattr(_keras().applications, spec["module"]).preprocess_input


def load_backbone(name: str, image_size: int = 224, weights: str | None = "imagenet", **kwargs):
    """A ``keras.applications`` backbone without its classifier, and its ``preprocess_input``.

    Args:
        name: a key of :data:`BACKBONES` ("MobileNetV2", "Xception", ...).
        image_size: side of the square input images.
        weights: "imagenet" (downloaded once to the Keras cache; raises
            :class:`utils.data.CourseDataError` when that is impossible) or None (random).
        **kwargs: other arguments of the constructor (e.g. ``alpha=0.35``).

    Returns:
        ``(base, preprocess)``.
    """
    from .data import load_pretrained

    spec = _check_backbone_name(name)
    if not isinstance(image_size, (int, np.integer)) or image_size < 32:
        raise ValueError(f"image_size debe ser un entero ≥ 32 (recibido {image_size!r}).")
    if weights not in ("imagenet", None):
        raise ValueError(f"weights debe ser 'imagenet' o None (recibido {weights!r}).")
    constructor = getattr(_keras().applications, spec["constructor"])
    kwargs = dict(include_top=False, input_shape=(int(image_size), int(image_size), 3), **kwargs)
    base = load_pretrained(constructor, **kwargs) if weights else constructor(weights=None, **kwargs)
    return base, get_preprocess(name)


def make_head(num_classes: int = 2, dropout: float = 0.2, name: str = "head"):
    """Linear classifier on pooled features: ``Dropout → Dense`` (logits; 1 unit for 2 classes)."""
    keras = _keras()
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
        base: a backbone (e.g. from :func:`load_backbone`) with a fixed input shape.
        preprocess: its ``preprocess_input`` (None if the images are already preprocessed).
        num_classes: number of classes (ignored when ``head`` is given).
        dropout: dropout before the linear layer (ignored when ``head`` is given).
        augmentation: optional layer/model applied to the raw images (only in training).
        head: optional head model on pooled features (e.g. one already trained on extracted
            features, see :func:`extract_features`); by default :func:`make_head`.
        bn_inference: call the backbone with ``training=False`` (pretrained backbones).
    """
    keras = _keras()
    shape = getattr(base, "input_shape", None)
    if not isinstance(base, keras.Model) or shape is None or None in tuple(shape)[1:]:
        raise ValueError(
            "base debe ser un modelo de keras.applications con input_shape fijo, p. ej. "
            "load_backbone('MobileNetV2', image_size=160)."
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
    keras = _keras()
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
        bar = _keras().utils.Progbar(batches if batches >= 0 else None, verbose=verbose, unit_name="lote")
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


# --------------------------------------------------------------------------- freezing


def layer_blocks(base) -> list[tuple[str, list]]:
    """The backbone's layers grouped into its architectural blocks, bottom → top.

    Blocks come from the layer names of ``keras.applications`` (``block_13_*``,
    ``conv4_block2_*``, ``block6a_*``, ``convnext_tiny_stage_2_block_5_*``...). Layers before the
    first block form "stem"; an unnamed layer after a block (e.g. an ``add`` or the final
    ``Conv_1``) joins the block before it, except in InceptionV3, whose blocks are named by their
    last layer (``mixedN``): there the unnamed layers join the block that they lead into, and the
    stem ends at the last pooling before ``mixed0``. Layers without weights are kept (they are
    harmless to unfreeze).
    """
    blocks: list[tuple[str, list]] = []
    pending: list = []  # unnamed layers not yet placed

    def add(key, layers):
        if blocks and blocks[-1][0] == key:
            blocks[-1][1].extend(layers)
        else:
            blocks.append((key, list(layers)))

    for layer in base.layers:
        key = None
        for pattern in _BLOCK_PATTERNS:
            match = pattern.match(layer.name)
            if match:
                key = match.group(1)
                if key.isdigit():
                    key = f"conv_{key}"
                break
        if key is None:
            pending.append(layer)
            continue
        sub = re.match(r"^mixed(\d+)_(\d+)$", layer.name)  # InceptionV3: mixed9_0 ∈ mixed9, mixed9_1 ∈ mixed10
        if sub:
            key = f"mixed{int(sub.group(1)) + int(sub.group(2))}"
        if _CLOSING.match(layer.name):  # the pending layers lead into this block
            if not blocks:
                pools = [i for i, l in enumerate(pending) if "pool" in type(l).__name__.lower()]
                cut = pools[-1] + 1 if pools else 0
                if cut:
                    add("stem", pending[:cut])
                pending = pending[cut:]
            add(key, pending + [layer])
        else:
            add(blocks[-1][0] if blocks else "stem", pending) if pending else None
            add(key, [layer])
        pending = []
    if pending:
        add(blocks[-1][0] if blocks else "stem", pending)
    return blocks


def layer_groups(model) -> list[list]:
    """Layer groups of a :func:`build_classifier` model for :mod:`utils.finetune` (bottom → top).

    One group per block of the backbone (see :func:`layer_blocks`; only layers with weights),
    then the head: the layers with weights after the backbone.
    """
    base = _find_backbone(model)
    groups = [[l for l in layers if l.weights] for _, layers in layer_blocks(base)]
    chain = list(model.layers)
    head = [l for l in chain[chain.index(base) + 1:] if l.weights]
    if not head:
        raise ValueError(f"«{model.name}» no tiene capas con pesos después de la red base (la cabeza).")
    return [g for g in groups if g] + [head]


def _is_batchnorm(layer) -> bool:
    return isinstance(layer, _keras().layers.BatchNormalization)


def freeze_up_to(base, layer: str | int | None, train_bn: bool = False) -> int:
    """Freeze the backbone up to ``layer`` (name or index, included); train the layers above.

    ``layer=None`` freezes nothing. BatchNormalization layers stay frozen unless ``train_bn``
    (their statistics were estimated on 1.2 M ImageNet images; a few small batches would
    ruin them). Remember to ``compile`` again after changing what is trainable.

    Returns the number of trainable layers with weights.
    """
    names = [l.name for l in base.layers]
    if layer is None:
        cut = -1
    elif isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"La capa «{layer}» no está en {base.name}. Ejemplos: {names[-5:]}.")
        cut = names.index(layer)
    elif isinstance(layer, (int, np.integer)):
        if not -len(names) <= layer < len(names):
            raise ValueError(f"Índice de capa {layer} fuera de rango (la red tiene {len(names)} capas).")
        cut = int(layer) % len(names)
    else:
        raise TypeError(f"layer debe ser un nombre, un índice o None (recibido {layer!r}).")
    base.trainable = True
    count = 0
    for i, l in enumerate(base.layers):
        l.trainable = i > cut and (train_bn or not _is_batchnorm(l))
        count += bool(l.trainable and l.weights)
    return count


def unfreeze_top_blocks(base, n: int, train_bn: bool = False) -> list[str]:
    """Train only the top ``n`` blocks of the backbone (see :func:`layer_blocks`); freeze the rest.

    ``n=0`` freezes the whole backbone. Returns the names of the unfrozen blocks (bottom → top).
    Compile the model again afterwards.
    """
    blocks = layer_blocks(base)
    if not isinstance(n, (int, np.integer)) or not 0 <= n <= len(blocks):
        raise ValueError(f"n debe ser un entero entre 0 y {len(blocks)} (bloques de {base.name}); "
                         f"recibido {n!r}.")
    if n == 0:
        base.trainable = False
        return []
    first = blocks[len(blocks) - n][1][0]
    freeze_up_to(base, base.layers.index(first) - 1 if base.layers.index(first) > 0 else None,
                 train_bn=train_bn)
    return [name for name, _ in blocks[len(blocks) - n:]]


def trainable_counts(model) -> dict[str, int]:
    """``{"entrenables": ..., "congelados": ...}``: number of trainable / frozen parameters."""
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    frozen = int(sum(np.prod(v.shape) for v in model.non_trainable_weights))
    return {"entrenables": trainable, "congelados": frozen}


# --------------------------------------------------------------------------- inspection


def _find_backbone(model):
    keras = _keras()
    nested = [l for l in model.layers if isinstance(l, keras.Model)]
    convs = [l for l in nested if any(isinstance(s, keras.layers.Conv2D) for s in l.layers)]
    if not convs:
        raise ValueError("El modelo no contiene una red base convolucional anidada "
                         "(constrúyelo con build_classifier).")
    return max(convs, key=lambda l: l.count_params())


def grad_cam(model, images, class_index: int | None = None, layer_name: str | None = None):
    """Grad-CAM heat maps (Selvaraju et al. 2017): which regions raise a class's score.

    ``model`` is a chain of layers with a nested backbone (as :func:`build_classifier` makes).
    The maps come from ``layer_name`` of the backbone (default: its last layer). For a
    one-unit (binary) output, class 1 uses the logit and class 0 its negative.

    Args:
        images: one image (H, W, 3) or a batch (N, H, W, 3), raw pixels as the model expects.
        class_index: class to explain; None = the predicted class of each image.

    Returns:
        Heat maps in [0, 1] with the feature map's spatial size: (h, w), or (N, h, w).
    """
    import tensorflow as tf

    keras = _keras()
    images = np.asarray(images, dtype="float32")
    single = images.ndim == 3
    if single:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"Se esperaba una imagen (alto, ancho, 3) o un lote; llegó {images.shape}.")
    base = _find_backbone(model)
    target = base.get_layer(layer_name) if layer_name else base.layers[-1]
    inner = keras.Model(base.input, [target.output, base.output])
    chain = [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]
    x = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        for layer in chain:
            if layer is base:
                maps, x = inner(x, training=False)
                tape.watch(maps)
                if target is base.layers[-1]:
                    x = maps
            else:
                x = layer(x, training=False)
        logits = tf.convert_to_tensor(x)
        if logits.shape[-1] == 1:
            if class_index is None:
                sign = tf.where(logits[:, 0] >= 0, 1.0, -1.0)
            elif class_index in (0, 1):
                sign = tf.fill(tf.shape(logits[:, 0]), 1.0 if class_index == 1 else -1.0)
            else:
                raise ValueError(f"Con una salida binaria class_index debe ser 0 o 1 (recibido {class_index}).")
            score = logits[:, 0] * sign
        else:
            if class_index is not None and not 0 <= class_index < logits.shape[-1]:
                raise ValueError(f"class_index debe estar entre 0 y {logits.shape[-1] - 1}.")
            idx = (tf.argmax(logits, axis=-1) if class_index is None
                   else tf.fill(tf.shape(logits)[:1], tf.cast(class_index, tf.int64)))
            score = tf.gather(logits, idx, axis=1, batch_dims=1)
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)       # importance of each channel
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy()  # (N, h, w)
    peak = cam.reshape(len(cam), -1).max(axis=1)[:, None, None]
    cam = np.where(peak > 0, cam / np.maximum(peak, 1e-12), 0.0).astype("float32")
    return cam[0] if single else cam


def images_per_second(model, image_size: int, batch_size: int = 32, repeats: int = 3) -> float:
    """Inference throughput of ``model`` on random images (after one warm-up batch)."""
    if repeats < 1 or batch_size < 1:
        raise ValueError("batch_size y repeats deben ser ≥ 1.")
    x = np.random.default_rng(0).uniform(0, 255, (batch_size, image_size, image_size, 3)).astype("float32")
    model.predict_on_batch(x)
    start = time.perf_counter()
    for _ in range(repeats):
        model.predict_on_batch(x)
    return batch_size * repeats / (time.perf_counter() - start)
