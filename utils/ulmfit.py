"""ULMFiT (Howard & Ruder 2018) in Keras 3: the three techniques as reusable pieces.

* :class:`SlantedTriangular`: the slanted triangular learning rate (a short linear warm-up
  to ``max_lr`` followed by a long linear decay), as a Keras ``LearningRateSchedule``.
* Discriminative learning rates come from :func:`utils.optim.discriminative_optimizer`.
* :class:`ConcatPooling` and :func:`classifier_from_lm`: the LM's encoder reused by a
  classifier that reads ``[last state, max-pool, mean-pool]`` of the LSTM outputs.
* :func:`fit_gradual_unfreezing`: unfreeze one more layer group per stage (top first),
  recompile, fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from . import config
from . import lm as lm_utils
from .optim import discriminative_optimizer


@keras.saving.register_keras_serializable(package="course")
class SlantedTriangular(keras.optimizers.schedules.LearningRateSchedule):
    """Slanted triangular learning rate (ULMFiT, eq. 3).

    The rate grows linearly from ``max_lr / ratio`` to ``max_lr`` during the first
    ``cut_frac`` of the ``total_steps`` and then decays linearly back to ``max_lr / ratio``.
    The paper uses ``cut_frac=0.1`` and ``ratio=32``.
    """

    def __init__(self, max_lr: float, total_steps: int, cut_frac: float = 0.1, ratio: float = 32.0):
        if max_lr <= 0:
            raise ValueError(f"max_lr debe ser > 0 (recibido {max_lr}).")
        if int(total_steps) < 1:
            raise ValueError(f"total_steps debe ser ≥ 1: épocas × pasos por época (recibido {total_steps}).")
        if not 0 < cut_frac < 1:
            raise ValueError(f"cut_frac debe estar entre 0 y 1 (recibido {cut_frac}); el artículo usa 0.1.")
        if ratio < 1:
            raise ValueError(f"ratio debe ser ≥ 1 (recibido {ratio}); el artículo usa 32.")
        self.max_lr = float(max_lr)
        self.total_steps = int(total_steps)
        self.cut_frac = float(cut_frac)
        self.ratio = float(ratio)

    def __call__(self, step):
        t = keras.ops.cast(step, "float32")
        cut = max(1.0, np.floor(self.total_steps * self.cut_frac))
        up = t / cut
        down = 1.0 - (t - cut) / max(1.0, cut * (1.0 / self.cut_frac - 1.0))
        p = keras.ops.clip(keras.ops.where(t < cut, up, down), 0.0, 1.0)
        return self.max_lr * (1.0 + p * (self.ratio - 1.0)) / self.ratio

    def get_config(self):
        return dict(max_lr=self.max_lr, total_steps=self.total_steps, cut_frac=self.cut_frac, ratio=self.ratio)


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
    """Encoder (tokens → sequence of states) + concat pooling + a small head with softmax output.

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
    outputs = layers.Dense(num_classes, activation="softmax", name="output")(x)
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


def freeze_all_but_top(layer_groups: Sequence[Sequence], n_top: int) -> None:
    """Make only the ``n_top`` highest groups trainable (the rest frozen). Recompile afterwards."""
    if not 1 <= n_top <= len(layer_groups):
        raise ValueError(f"n_top debe estar entre 1 y {len(layer_groups)} (recibido {n_top}).")
    for i, group in enumerate(layer_groups):
        for layer in group:
            layer.trainable = i >= len(layer_groups) - n_top


def fit_gradual_unfreezing(model, layer_groups: Sequence[Sequence], x, y=None, validation_data=None,
                           epochs_per_stage: int | Sequence[int] = 1, learning_rate: float = 1e-2,
                           decay: float = 2.6, stage_lr_factor: float = 0.5, batch_size: int = 32,
                           loss="sparse_categorical_crossentropy", metrics=("accuracy",),
                           stages: int | None = None, verbose: int | None = None, **compile_kwargs) -> list:
    """ULMFiT stage 3: gradual unfreezing with discriminative and slanted triangular learning rates.

    Stage ``k`` (1, 2, …) makes the top ``k`` layer groups trainable, recompiles with
    :func:`utils.optim.discriminative_optimizer` (top group ``lr``, each group below ``÷decay``)
    whose rate follows a :class:`SlantedTriangular` schedule, and fits ``epochs_per_stage``
    epochs. The peak rate of each stage is the previous one × ``stage_lr_factor``.
    ``stages`` defaults to one per group (the last stage trains everything). ``x`` is an array
    (with ``y``) or a batched ``tf.data.Dataset`` of known length; ``compile_kwargs`` go to
    ``model.compile`` (e.g. ``run_eagerly=True``). ``verbose`` goes to every stage's ``fit``;
    ``None`` means :func:`utils.config.verbose` (progress bars in full mode, silence in fast mode).

    Returns the list of ``History`` objects, one per stage.
    """
    n_groups = len(layer_groups)
    stages = stages or n_groups
    if not 1 <= stages <= n_groups:
        raise ValueError(f"stages debe estar entre 1 y {n_groups} (número de grupos); recibido {stages}.")
    epochs = [epochs_per_stage] * stages if isinstance(epochs_per_stage, int) else list(epochs_per_stage)
    if len(epochs) != stages or min(epochs) < 1:
        raise ValueError(f"epochs_per_stage debe ser un entero ≥ 1 o una lista de {stages} enteros ≥ 1.")
    n = len(x) if y is not None else None
    steps_per_epoch = int(np.ceil(n / batch_size)) if n is not None else int(x.cardinality())
    if steps_per_epoch < 1:
        raise ValueError("No se sabe cuántos lotes tiene el dataset (la tasa triangular lo necesita): "
                         "añade .apply(tf.data.experimental.assert_cardinality(número_de_lotes)).")
    verbose = config.verbose() if verbose is None else verbose
    histories, lr = [], learning_rate
    for k in range(1, stages + 1):
        freeze_all_but_top(layer_groups, k)
        schedule = SlantedTriangular(lr, total_steps=epochs[k - 1] * steps_per_epoch)
        with model.distribute_strategy.scope():  # the optimizer's variables live with the model's
            model.compile(optimizer=discriminative_optimizer(layer_groups, schedule, decay=decay),
                          loss=loss, metrics=list(metrics), **compile_kwargs)
        histories.append(model.fit(x, y, validation_data=validation_data, epochs=epochs[k - 1],
                                   batch_size=batch_size if y is not None else None,
                                   shuffle=y is not None, verbose=verbose))  # a dataset shuffles itself
        lr *= stage_lr_factor
    return histories


def merge_histories(histories: Sequence) -> dict[str, list[float]]:
    """Concatenate several ``History`` objects (e.g. the stages of gradual unfreezing) into one dict."""
    merged: dict[str, list[float]] = {}
    for h in histories:
        for key, values in getattr(h, "history", h).items():
            merged.setdefault(key, []).extend(float(v) for v in values)
    if not merged:
        raise ValueError("No hay historiales que unir.")
    return merged
