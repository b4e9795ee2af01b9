"""Grad-CAM (Selvaraju et al. 2017): which regions of an image raise a class's score (notebook 04).

Notebook 04 explains the recipe (weigh each feature map by the mean of its gradient, add them up,
keep the positive part); this is that recipe for any classifier built by
:func:`utils.transfer.build_classifier`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .backbones import find_backbone


def grad_cam(model, images, class_index: int | None = None, layer_name: str | None = None):
    """Grad-CAM heat maps: which regions raise a class's score.

    ``model`` is a chain of layers with a nested backbone (as :func:`utils.transfer.build_classifier`
    makes). The maps come from ``layer_name`` of the backbone (default: its last layer). For a
    one-unit (binary) output, class 1 uses the logit and class 0 its negative.

    Args:
        images: one image (H, W, 3) or a batch (N, H, W, 3), raw pixels as the model expects.
        class_index: class to explain; None = the predicted class of each image.

    Returns:
        Heat maps in [0, 1] with the feature map's spatial size: (h, w), or (N, h, w).
    """
    images = np.asarray(images, dtype="float32")
    single = images.ndim == 3
    if single:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"Se esperaba una imagen (alto, ancho, 3) o un lote; llegó {images.shape}.")
    base = find_backbone(model)
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
        score = _class_score(tf.convert_to_tensor(x), class_index)
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)       # importance of each channel
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1)).numpy()  # (N, h, w)
    peak = cam.reshape(len(cam), -1).max(axis=1)[:, None, None]
    cam = np.where(peak > 0, cam / np.maximum(peak, 1e-12), 0.0).astype("float32")
    return cam[0] if single else cam


def _class_score(logits, class_index):
    """The logit of the explained class for each image (binary: class 0 is the negative logit)."""
    if logits.shape[-1] == 1:
        if class_index is None:
            sign = tf.where(logits[:, 0] >= 0, 1.0, -1.0)
        elif class_index in (0, 1):
            sign = tf.fill(tf.shape(logits[:, 0]), 1.0 if class_index == 1 else -1.0)
        else:
            raise ValueError(f"Con una salida binaria class_index debe ser 0 o 1 (recibido {class_index}).")
        return logits[:, 0] * sign
    if class_index is not None and not 0 <= class_index < logits.shape[-1]:
        raise ValueError(f"class_index debe estar entre 0 y {logits.shape[-1] - 1}.")
    idx = (tf.argmax(logits, axis=-1) if class_index is None
           else tf.fill(tf.shape(logits)[:1], tf.cast(class_index, tf.int64)))
    return tf.gather(logits, idx, axis=1, batch_dims=1)
