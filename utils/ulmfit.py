"""ULMFiT (Howard & Ruder 2018) in Keras 3: the three techniques as reusable pieces.

* :class:`SlantedTriangular` (from :mod:`utils.finetune`): the slanted triangular learning
  rate (a short linear warm-up to ``max_lr`` followed by a long linear decay).
* Discriminative learning rates come from :func:`utils.optim.discriminative_optimizer`.
* :class:`ConcatPooling` and :func:`classifier_from_lm`: the LM's encoder reused by a
  classifier that reads ``[last state, max-pool, mean-pool]`` of the LSTM outputs.
* :func:`layer_groups` (the LM's and the classifier's groups) and :func:`fit_gradual_unfreezing`:
  ULMFiT's settings for the course's one fine-tuning loop, :func:`utils.finetune.gradual_unfreezing`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from types import SimpleNamespace

from . import finetune
from . import lm as lm_utils
from .finetune import SlantedTriangular, merge_histories  # noqa: F401 (ULMFiT's own names)


@keras.saving.register_keras_serializable(package="course")
class ConcatPooling(layers.Layer):
    """``[h_T, maxpool(H), meanpool(H)]`` of a sequence ``H`` (batch, time, dim), ignoring padding.

    ``h_T`` is the output at the last real (unmasked) position. Output shape: (batch, 3·dim).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        ops = keras.ops
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        m = ops.cast(mask, inputs.dtype)[..., None]
        lengths = ops.maximum(ops.sum(m, axis=1), 1.0)
        mean = ops.sum(inputs * m, axis=1) / lengths
        maxp = ops.max(ops.where(m > 0, inputs, ops.full_like(inputs, -1e9)), axis=1)
        maxp = ops.where(lengths > 0, maxp, ops.zeros_like(maxp))
        last_index = ops.cast(lengths[:, 0] - 1, "int32")
        last = ops.take_along_axis(inputs, last_index[:, None, None] * ops.ones_like(inputs[:, :1, :], dtype="int32"),
                                   axis=1)[:, 0]
        return ops.concatenate([last, maxp, mean], axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 3 * input_shape[-1])


def build_classifier(encoder, num_classes: int = 2, hidden_dim: int = 50, dropout: float = 0.4,
                     name: str = "classifier"):
    """Encoder (tokens → sequence of states) + concat pooling + a small head that returns logits.

    The head follows ULMFiT: ``Dropout → Dense(hidden_dim, relu) → Dropout → Dense(num_classes)``.
    Its layers are named ``concat_pooling``, ``head_dropout_1``, ``head_dense``, ``head_dropout_2``, ``output``.
    """
    if num_classes < 2:
        raise ValueError(f"num_classes debe ser ≥ 2 (recibido {num_classes}).")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = encoder(tokens)
    x = ConcatPooling(name="concat_pooling")(x)
    x = layers.Dropout(dropout, name="head_dropout_1")(x)
    x = layers.Dense(hidden_dim, activation="relu", name="head_dense")(x)
    x = layers.Dropout(dropout / 2, name="head_dropout_2")(x)
    outputs = layers.Dense(num_classes, name="output")(x)  # logits, as every classifier of the course
    return keras.Model(tokens, outputs, name=name)


def classifier_from_lm(lm, num_classes: int = 2, copy: bool = True, **kwargs):
    """ULMFiT's transfer: a classifier whose encoder starts from the LM's embedding and LSTMs.

    With ``copy=True`` (default) the LM is cloned first, so training the classifier leaves
    the language model untouched. The LM's output layer (``lm_head``) is dropped.
    """
    if copy:
        clone = keras.Model.from_config(lm.get_config())  # clone_model would also clone the compile state
        clone.set_weights(lm.get_weights())
        lm = clone
    return build_classifier(lm_utils.lm_encoder(lm), num_classes=num_classes, **kwargs)


def lm_layer_groups(lm) -> list[list]:
    """Layer groups of an LM for discriminative learning rates (bottom → top): embedding, each LSTM, head."""
    return [[layer] for layer in lm_utils.encoder_layers(lm)] + [[lm.get_layer("lm_head")]]


def classifier_layer_groups(classifier) -> list[list]:
    """Layer groups of a classifier from :func:`build_classifier` (bottom → top): embedding, LSTMs, head."""
    try:
        encoder = classifier.get_layer("encoder")
    except ValueError as error:
        raise ValueError("Este clasificador no tiene una capa 'encoder': créalo con build_classifier().") from error
    head = [classifier.get_layer(n) for n in ("head_dense", "output")]
    return [[layer] for layer in lm_utils.encoder_layers(encoder)] + [head]


def layer_groups(model) -> list[list]:
    """Layer groups (bottom → top) of a language model or of a :func:`build_classifier` model:
    the embedding, each LSTM, then the head (``lm_head``, or ``head_dense`` + ``output``)."""
    names = [layer.name for layer in model.layers]
    if "lm_head" in names:
        return lm_layer_groups(model)
    if "encoder" in names:
        return classifier_layer_groups(model)
    raise ValueError("Este modelo no es un modelo de lenguaje (falta 'lm_head') ni un clasificador de "
                     "build_classifier() (falta 'encoder').")


def fit_gradual_unfreezing(model, layer_groups: Sequence[Sequence], x, y=None, validation_data=None,
                           epochs_per_stage: int | Sequence[int] = 1, learning_rate: float = 1e-2,
                           decay: float = 2.6, stage_lr_factor: float = 0.5, batch_size: int = 32,
                           loss=None, metrics=None, stages: int | None = None, verbose: int | None = None,
                           **compile_kwargs) -> list:
    """ULMFiT stage 3 with the paper's settings, on :func:`utils.finetune.gradual_unfreezing`.

    ``stages`` stages (default: one per group): stage ``k`` trains the top ``k`` groups, with
    discriminative rates (÷``decay`` per group down), a slanted triangular schedule and a peak
    rate ``stage_lr_factor`` times the previous stage's. The classifier returns logits (the
    default loss and metric follow). Returns one ``History``-like object per stage (``.history``).
    """
    n_stages = stages or len(layer_groups)
    if not isinstance(n_stages, (int, np.integer)) or not 1 <= n_stages <= len(layer_groups):
        raise ValueError(f"stages debe estar entre 1 y {len(layer_groups)} (número de grupos); recibido {stages}.")
    merged = finetune.gradual_unfreezing(
        model, layer_groups, x, y, stages=list(range(1, n_stages + 1)), epochs_per_stage=epochs_per_stage,
        learning_rate=learning_rate, decay=decay, stage_lr_factor=stage_lr_factor, batch_size=batch_size,
        loss=loss, metrics=metrics, validation_data=validation_data, verbose=verbose, **compile_kwargs)
    return [SimpleNamespace(history={key: [v for v, s in zip(values, merged["stage"]) if s == k]
                                     for key, values in merged.items() if key not in ("stage", "groups")})
            for k in range(n_stages)]
