"""ImageNet backbones from ``keras.applications`` (notebook 04): the table, loading, blocks, speed.

* :data:`BACKBONES`, :func:`load_backbone`, :func:`get_preprocess`: a pretrained network *and its
  own* ``preprocess_input`` (every family expects its inputs scaled differently).
* :func:`layer_blocks`: the backbone's layers grouped into its architectural blocks, read from the
  layer names that ``keras.applications`` gives each family (the splitter of :mod:`utils.transfer`).
* :func:`find_backbone`: the backbone nested inside a classifier.
* :func:`images_per_second`: inference throughput, for the comparison table of backbones.

Heads, classifiers, features and what is trained live in :mod:`utils.transfer`; Grad-CAM in
:mod:`utils.gradcam`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import keras
import numpy as np

from .data import load_pretrained

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


def _spec(name: str) -> dict:
    if name not in BACKBONES:
        raise ValueError(f"Red base desconocida «{name}». Disponibles: {sorted(BACKBONES)}.")
    return BACKBONES[name]


def get_preprocess(name: str) -> Callable:
    """The ``preprocess_input`` of a backbone family (e.g. MobileNetV2: pixels → [-1, 1])."""
    return getattr(keras.applications, _spec(name)["module"]).preprocess_input


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
    spec = _spec(name)
    if not isinstance(image_size, (int, np.integer)) or image_size < 32:
        raise ValueError(f"image_size debe ser un entero ≥ 32 (recibido {image_size!r}).")
    if weights not in ("imagenet", None):
        raise ValueError(f"weights debe ser 'imagenet' o None (recibido {weights!r}).")
    constructor = getattr(keras.applications, spec["constructor"])
    kwargs = dict(include_top=False, input_shape=(int(image_size), int(image_size), 3), **kwargs)
    base = load_pretrained(constructor, **kwargs) if weights else constructor(weights=None, **kwargs)
    return base, get_preprocess(name)


def layer_blocks(base) -> list[tuple[str, list]]:
    """The backbone's layers grouped into its architectural blocks, bottom → top.

    Blocks come from the layer names of ``keras.applications`` (``block_13_*``,
    ``conv4_block2_*``, ``block6a_*``, ``convnext_tiny_stage_2_block_5_*``...). Layers before the
    first block form "stem"; an unnamed layer after a block (e.g. an ``add`` or the final
    ``Conv_1``) joins the block before it, except in InceptionV3, whose blocks are named by their
    last layer (``mixedN``): there the unnamed layers join the block that they lead into, and the
    stem ends at the last pooling before ``mixed0``. Layers without weights are kept.
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
            if pending:
                add(blocks[-1][0] if blocks else "stem", pending)
            add(key, [layer])
        pending = []
    if pending:
        add(blocks[-1][0] if blocks else "stem", pending)
    return blocks


def find_backbone(model):
    """The convolutional backbone nested in ``model`` (the largest nested model with a Conv2D)."""
    nested = [l for l in model.layers if isinstance(l, keras.Model)]
    convs = [l for l in nested if any(isinstance(s, keras.layers.Conv2D) for s in l.layers)]
    if not convs:
        raise ValueError("El modelo no contiene una red base convolucional anidada "
                         "(constrúyelo con utils.transfer.build_classifier).")
    return max(convs, key=lambda l: l.count_params())


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
