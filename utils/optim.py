"""Per-layer (discriminative) learning rates for Keras 3 optimizers.

Keras 3 has no per-layer learning rates. Scaling the *gradients* does not work for Adam
(its update is invariant to the gradient's scale), so these optimizers scale the
*learning rate* itself, variable by variable, inside ``Optimizer.update_step``. Any
Keras optimizer and any learning-rate schedule can be used.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from .keras_internals import optimizer_key, uses_weight_decay


def _variables_of(target) -> list:
    if isinstance(target, keras.Variable):
        return [target]
    if isinstance(target, keras.layers.Layer):
        return list(target.weights)
    if isinstance(target, (list, tuple)):
        return [v for t in target for v in _variables_of(t)]
    raise TypeError(
        f"Cada grupo debe ser una capa, un modelo, una variable o una lista de ellas; "
        f"llegó {type(target).__name__}."
    )


def _optimizer_class(optimizer):
    if isinstance(optimizer, str):
        cls = type(keras.optimizers.get(optimizer))
    elif isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
        cls = optimizer
    else:
        raise TypeError(
            "optimizer debe ser un nombre ('adam', 'sgd', 'adamw'...) o una clase de "
            f"keras.optimizers; llegó {optimizer!r}."
        )
    return cls


_CLASSES: dict[type, type] = {}


def _layerwise_class(base: type) -> type:
    """A subclass of ``base`` whose update_step multiplies the learning rate per variable."""
    if base in _CLASSES:
        return _CLASSES[base]

    def __init__(self, groups=(), **kwargs):
        base.__init__(self, **kwargs)
        self._lr_groups = list(groups)
        self._lr_by_key: dict = {}

    def build(self, variables):
        # Keyed like Keras keys its own optimizer slots: the same key for a Keras
        # variable, its backing tf.Variable and, under tf.distribute, each replica's copy.
        self._lr_by_key = {optimizer_key(self, v): float(multiplier)
                           for target, multiplier in self._lr_groups for v in _variables_of(target)}
        base.build(self, variables)

    def update_step(self, gradient, variable, learning_rate):
        multiplier = self._lr_by_key.get(optimizer_key(self, variable), 1.0)
        if multiplier != 1.0:
            learning_rate = learning_rate * multiplier
        if self.weight_decay is not None and uses_weight_decay(self, variable):
            # Decoupled weight decay (AdamW): w ← w − lr·wd·w with this variable's own rate. It is
            # applied here, inside the (distribution-aware) update of each variable, instead of in
            # Keras's _apply_weight_decay, which only knows the base rate.
            variable.assign_sub(variable * keras.ops.cast(self.weight_decay, variable.dtype)
                                * keras.ops.cast(learning_rate, variable.dtype))
        return base.update_step(self, gradient, variable, learning_rate)

    def _apply_weight_decay(self, variables):
        return  # done per variable in update_step

    def lr_multipliers(self) -> dict[str, float]:
        """``{variable path: multiplier}`` of the variables in a group."""
        out = {}
        for target, multiplier in self._lr_groups:
            for v in _variables_of(target):
                out[v.path] = float(multiplier)
        return out

    cls = type(f"Layerwise{base.__name__}", (base,), {
        "__init__": __init__, "build": build, "update_step": update_step,
        "_apply_weight_decay": _apply_weight_decay,
        "lr_multipliers": lr_multipliers,
        "__module__": __name__,
        "__doc__": f"{base.__name__} with a learning-rate multiplier per group of variables.",
    })
    # Registered so that a saved model (``model.save``) loads again. The groups refer to live
    # layers and are not saved: a reloaded optimizer uses the base rate for every variable.
    _CLASSES[base] = keras.saving.register_keras_serializable(package="course", name=cls.__name__)(cls)
    return cls


for _name in ("adam", "adamw", "sgd", "rmsprop", "nadam", "adamax", "adagrad", "lion"):
    _layerwise_class(_optimizer_class(_name))  # registered at import, before any model is loaded


def layerwise_optimizer(groups: Sequence, learning_rate=1e-3, optimizer="adam", **kwargs):
    """An optimizer whose learning rate is ``learning_rate × multiplier`` for each group.

    Args:
        groups: sequence of ``(target, multiplier)``; ``target`` is a layer, a model, a variable
            or a list of them. Variables in no group use ``learning_rate`` (multiplier 1).
        learning_rate: base rate (a float or a ``keras.optimizers.schedules`` schedule).
        optimizer: name or class of a Keras optimizer ("adam", "adamw", "sgd", ...).
        **kwargs: other arguments of that optimizer.

    >>> opt = layerwise_optimizer([(base_model, 0.1), (head, 1.0)], learning_rate=1e-3)
    """
    checked = []
    for item in groups:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ValueError("Cada grupo debe ser un par (capa o lista de capas, multiplicador).")
        target, multiplier = item
        if not isinstance(multiplier, (int, float)) or multiplier < 0:
            raise ValueError(f"El multiplicador debe ser un número ≥ 0 (recibido {multiplier!r}).")
        _variables_of(target)  # validates the target's type
        checked.append((target, float(multiplier)))
    cls = _layerwise_class(_optimizer_class(optimizer))
    return cls(groups=checked, learning_rate=learning_rate, **kwargs)


def discriminative_optimizer(layer_groups: Sequence, learning_rate=1e-3, decay: float = 2.6,
                             optimizer="adam", **kwargs):
    """Discriminative fine-tuning (ULMFiT, Howard & Ruder 2018): lower layers learn slower.

    ``layer_groups`` is ordered from the bottom (input) to the top (output). The top group
    gets ``learning_rate``; group ``i`` gets ``learning_rate / decay ** (n - 1 - i)``.
    """
    if not layer_groups:
        raise ValueError("Pasa al menos un grupo de capas (de abajo arriba).")
    if decay < 1:
        raise ValueError(f"decay debe ser ≥ 1 (las capas bajas aprenden más despacio); recibido {decay}.")
    n = len(layer_groups)
    groups = [(g, decay ** -(n - 1 - i)) for i, g in enumerate(layer_groups)]
    return layerwise_optimizer(groups, learning_rate=learning_rate, optimizer=optimizer, **kwargs)
