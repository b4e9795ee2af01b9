"""The course's central technique, written once: fine-tuning a pretrained model in stages.

layer groups → freeze all but the top *n* → per-group (discriminative) learning rates →
slanted triangular schedule → gradual unfreezing → one merged history.

Every model family only says how it splits into groups, bottom → top, the head last (fastai's
*splitter*): :func:`utils.transfer.layer_groups` (an ImageNet backbone's blocks + the head),
:func:`utils.ulmfit.layer_groups` (embedding, each LSTM, the head) and
:func:`utils.bert.layer_groups` (embeddings + transformer blocks, the head). :func:`layer_groups`
picks the right one. Every classifier builder of the course returns **logits**; the default
loss and metric here match that.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from . import config
from .keras_internals import sublayers
from .optim import discriminative_optimizer


def _check_schedule(rate, total_steps, min_steps: int, fraction, usual: str) -> None:
    """Spanish errors for a schedule's peak rate ``(name, value)``, length and ramp ``(name, value)``."""
    (rate_name, rate_value), (frac_name, frac_value) = rate, fraction
    if rate_value <= 0:
        raise ValueError(f"{rate_name} debe ser > 0 (recibido {rate_value}).")
    if int(total_steps) < min_steps:
        raise ValueError(f"total_steps debe ser ≥ {min_steps}: épocas × pasos por época (recibido {total_steps}).")
    if not 0 < frac_value < 1:
        raise ValueError(f"{frac_name} debe estar entre 0 y 1 (recibido {frac_value}); {usual}.")


@keras.saving.register_keras_serializable(package="course")
class SlantedTriangular(keras.optimizers.schedules.LearningRateSchedule):
    """Slanted triangular learning rate (ULMFiT, Howard & Ruder 2018, eq. 3).

    The rate grows linearly from ``max_lr / ratio`` to ``max_lr`` during the first
    ``cut_frac`` of the ``total_steps`` and then decays linearly back to ``max_lr / ratio``.
    The paper uses ``cut_frac=0.1`` and ``ratio=32``.
    """

    def __init__(self, max_lr: float, total_steps: int, cut_frac: float = 0.1, ratio: float = 32.0):
        _check_schedule(("max_lr", max_lr), total_steps, 1, ("cut_frac", cut_frac), "el artículo usa 0.1")
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
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """BERT's fine-tuning rate (Devlin et al. 2018; optimization.py of google-research/bert).

    Linear warm-up from 0 to ``peak_lr`` during the first ``warmup_frac`` of ``total_steps``
    (BERT: 10 %), then linear decay to 0 at ``total_steps``. The same shape as
    :class:`SlantedTriangular`, but it starts and ends at 0 instead of ``max_lr / ratio``.
    """

    def __init__(self, peak_lr: float, total_steps: int, warmup_frac: float = 0.1):
        _check_schedule(("peak_lr", peak_lr), total_steps, 2, ("warmup_frac", warmup_frac), "BERT usa 0.1")
        self.peak_lr = float(peak_lr)
        self.total_steps = int(total_steps)
        self.warmup_frac = float(warmup_frac)

    def __call__(self, step):
        t = keras.ops.cast(step, "float32")
        warmup = max(1.0, np.floor(self.total_steps * self.warmup_frac))
        up = (t + 1.0) / warmup  # the first step already learns, the last one still does
        down = (self.total_steps - t) / max(1.0, self.total_steps - warmup)
        return self.peak_lr * keras.ops.clip(keras.ops.minimum(up, down), 0.0, 1.0)

    def get_config(self):
        return dict(peak_lr=self.peak_lr, total_steps=self.total_steps, warmup_frac=self.warmup_frac)


def layer_groups(model, **kwargs) -> list[list]:
    """The layer groups of any classifier or language model of the course (bottom → top)."""
    from . import bert, transfer, ulmfit

    names = {layer.name for layer in model.layers}
    if any(hasattr(layer, "token_embedding") for layer in model.layers):
        return bert.layer_groups(model, **kwargs)
    if "encoder" in names or "lm_head" in names:
        return ulmfit.layer_groups(model)
    return transfer.layer_groups(model)


def freeze_to(model, groups: Sequence[Sequence], n_top: int, train_bn: bool = False) -> int:
    """Train only the top ``n_top`` groups of ``model``; freeze the others (fastai's ``freeze_to``).

    Layers with weights that belong to no group stay frozen (e.g. BERT's pooler when the
    classifier does not use it). BatchNormalization layers stay frozen unless ``train_bn``: their
    statistics come from millions of images and a few small batches would spoil them.
    Compile again afterwards. Returns how many weight tensors are now trainable.
    """
    if not isinstance(n_top, (int, np.integer)) or not 0 <= n_top <= len(groups):
        raise ValueError(f"n_top debe ser un entero entre 0 y {len(groups)} (número de grupos); recibido {n_top!r}.")
    grouped = {id(layer) for group in groups for layer in group}
    model.trainable = True  # Keras propagates it to every sublayer; then switch off what must stay frozen
    _freeze_ungrouped(model, grouped)
    cut = len(groups) - int(n_top)
    for i, group in enumerate(groups):
        for layer in group:
            layer.trainable = i >= cut
            if i >= cut and not train_bn:
                for inner in [layer, *sublayers(layer, recursive=True)]:
                    if isinstance(inner, keras.layers.BatchNormalization):
                        inner.trainable = False
    return len(model.trainable_weights)


def _freeze_ungrouped(layer, grouped: set) -> None:
    for inner in sublayers(layer):
        if id(inner) in grouped:
            continue
        children = sublayers(inner)
        if children:
            _freeze_ungrouped(inner, grouped)
        elif inner.weights:
            inner.trainable = False


def default_loss_and_metrics(model):
    """``(loss, metrics)`` for a classifier that returns logits: binary (one unit) or multi-class."""
    activation = getattr(model.layers[-1], "activation", None)
    if getattr(activation, "__name__", "linear") in ("softmax", "sigmoid"):
        raise ValueError(
            f"La última capa de «{model.name}» aplica {activation.__name__}: el curso trabaja con logits "
            "(sin activación) y pérdidas con from_logits=True. Quita la activación o pasa loss= y metrics=."
        )
    if model.outputs and model.outputs[0].shape[-1] == 1:
        return (keras.losses.BinaryCrossentropy(from_logits=True),
                [keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])  # logit 0 = probability 0.5
    return (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            [keras.metrics.SparseCategoricalAccuracy(name="accuracy")])


def gradual_unfreezing(model, groups: Sequence[Sequence], x, y=None, *, stages: Sequence[int] | None = None,
                       epochs_per_stage: int | Sequence[int] = 1, learning_rate: float = 1e-3,
                       decay: float = 2.6, schedule: str = "stlr", stage_lr_factor: float = 1.0,
                       optimizer="adam", optimizer_kwargs: dict | None = None, loss=None, metrics=None,
                       batch_size: int = 32, validation_data=None, train_bn: bool = False,
                       verbose: int | None = None, **compile_kwargs) -> dict[str, list[float]]:
    """Gradual unfreezing (ULMFiT): stages of *unfreeze the top groups → recompile → fit*.

    Args:
        groups: layer groups bottom → top, the head last (see :func:`layer_groups`).
        x, y: arrays (``y`` given) or a batched ``tf.data.Dataset`` of known length (``y=None``).
        stages: how many top groups train at each stage; default ``[1, 2, …, len(groups)]``
            (first the head alone, then one more group per stage).
        epochs_per_stage: an integer or one per stage.
        learning_rate: the top group's (peak) rate at the first stage; group ``i`` below the top
            gets ``learning_rate / decay**i`` (discriminative rates; ``decay=1``: one rate).
        schedule: ``"stlr"`` (slanted triangular within each stage) or ``"constant"``.
        stage_lr_factor: each stage's rate is the previous one × this (ULMFiT halves it: 0.5).
        optimizer, optimizer_kwargs: the Keras optimizer to wrap (``"adam"``, ``"adamw"``…).
        loss, metrics: default: :func:`default_loss_and_metrics` (the model returns logits); the
            default metric (accuracy) is added also when only ``loss`` is given (``metrics=[]``: none).
        **compile_kwargs: more arguments of ``model.compile`` (e.g. ``run_eagerly=True``).

    Returns the history of every epoch of every stage in one dict, with ``"stage"`` (0, 1, …)
    and ``"groups"`` (how many groups were training) for each epoch.
    """
    stages = list(stages) if stages is not None else list(range(1, len(groups) + 1))
    if not stages or any(not isinstance(s, (int, np.integer)) or not 1 <= s <= len(groups) for s in stages):
        raise ValueError(f"stages debe ser una lista no vacía de enteros entre 1 y {len(groups)} (grupos que "
                         f"se entrenan en cada etapa; 1 = solo la cabeza); recibido {stages!r}.")
    epochs = [epochs_per_stage] * len(stages) if isinstance(epochs_per_stage, (int, np.integer)) \
        else list(epochs_per_stage)
    if len(epochs) != len(stages) or min(epochs) < 1:
        raise ValueError(f"epochs_per_stage debe ser un entero ≥ 1 o una lista de {len(stages)} enteros ≥ 1.")
    if schedule not in ("stlr", "constant"):
        raise ValueError(f"schedule debe ser 'stlr' o 'constant'; recibido {schedule!r}.")
    steps_per_epoch = int(np.ceil(len(x) / batch_size)) if y is not None else int(x.cardinality())
    if steps_per_epoch < 1:
        raise ValueError("No se sabe cuántos lotes tiene el dataset (la tasa triangular lo necesita): "
                         "añade .apply(tf.data.experimental.assert_cardinality(número_de_lotes)).")
    if loss is None or metrics is None:
        try:
            default_loss, default_metrics = default_loss_and_metrics(model)
        except ValueError:  # probabilities out: only acceptable with the caller's own loss
            if loss is None:
                raise
            default_loss, default_metrics = loss, ["accuracy"]
        loss = default_loss if loss is None else loss
        metrics = default_metrics if metrics is None else metrics
    verbose = config.verbose() if verbose is None else verbose
    history: dict[str, list[float]] = {}
    lr = float(learning_rate)
    for k, (n_top, n_epochs) in enumerate(zip(stages, epochs)):
        freeze_to(model, groups, int(n_top), train_bn=train_bn)
        rate = SlantedTriangular(lr, total_steps=n_epochs * steps_per_epoch) if schedule == "stlr" else lr
        trainable = list(groups)[len(groups) - int(n_top):]
        with model.distribute_strategy.scope():  # the optimizer's variables live with the model's
            opt = discriminative_optimizer(trainable, rate, decay=decay, optimizer=optimizer,
                                           **(optimizer_kwargs or {}))
            model.compile(optimizer=opt, loss=loss, metrics=list(metrics or []), **compile_kwargs)
        h = model.fit(x, y, validation_data=validation_data, epochs=n_epochs,
                      batch_size=batch_size if y is not None else None,
                      shuffle=y is not None, verbose=verbose)  # a dataset shuffles itself
        for key, values in h.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        done = len(h.history.get("loss", []))
        history.setdefault("stage", []).extend([k] * done)
        history.setdefault("groups", []).extend([int(n_top)] * done)
        lr *= stage_lr_factor
    return history


def merge_histories(histories: Sequence) -> dict[str, list[float]]:
    """Concatenate several ``History`` objects (or history dicts) into one dict."""
    merged: dict[str, list[float]] = {}
    for h in histories:
        for key, values in getattr(h, "history", h).items():
            merged.setdefault(key, []).extend(float(v) for v in values)
    if not merged:
        raise ValueError("No hay historiales que unir.")
    return merged
