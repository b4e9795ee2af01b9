"""The only place where the course uses private parts of Keras (``keras.src``, ``_``-names).

Each use is a one-line wrapper; ``tests/test_keras_internals.py`` checks that every one still
exists and behaves as the course needs, so a Keras upgrade that changes them fails loudly there
instead of silently somewhere in a notebook.
"""

from __future__ import annotations

import keras


def track_variable(layer, variable) -> None:
    """Make ``layer`` own ``variable`` (Keras 3 has no public API for an existing variable).

    Used by :class:`utils.hub.HubLayer` for the variables of a loaded SavedModel.
    """
    layer._track_variable(variable)


def optimizer_key(optimizer, variable):
    """The key Keras gives ``variable`` in ``optimizer``: the same for a Keras variable, its
    backing ``tf.Variable`` and, under ``tf.distribute``, every replica's copy."""
    return optimizer._var_key(variable)


def uses_weight_decay(optimizer, variable) -> bool:
    """Whether ``optimizer`` decays ``variable`` (respects ``exclude_from_weight_decay``)."""
    return optimizer._use_weight_decay(variable)


def resolve_auto_jit_as_on_gpu():
    """Make ``compile(jit_compile="auto")`` choose XLA as Keras does on a GPU, also on a CPU.

    On a GPU Keras compiles ``fit`` with XLA when every layer supports it; on a CPU never. With
    this, code that XLA cannot compile fails on a CPU too (``.ci/run-xla``, ``tests/test_hub.py``).
    Returns a function that undoes it.
    """
    from keras.src.trainers import trainer

    original = trainer.Trainer._resolve_auto_jit_compile

    def resolve(self):
        return not self._distribute_strategy and trainer.model_supports_jit(self)

    trainer.Trainer._resolve_auto_jit_compile = resolve

    def undo():
        trainer.Trainer._resolve_auto_jit_compile = original

    return undo


def sublayers(layer, recursive: bool = False) -> list:
    """The layers directly inside ``layer`` (or all of them, ``recursive``); Keras 3 has
    ``Model.layers`` but nothing public for a plain ``Layer`` that holds others (e.g. a
    KerasHub transformer block)."""
    return list(layer._flatten_layers(include_self=False, recursive=recursive))
