"""Weight snapshots: did training change a layer or a model? (notebook 09, tests of utils.hub)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def snapshot(layer) -> list[np.ndarray]:
    """A copy of every weight of ``layer`` (a layer, a model, or anything with ``.backbone``)."""
    import keras

    layer = getattr(layer, "backbone", layer)
    return [np.array(keras.ops.convert_to_numpy(w)) for w in layer.weights]  # np.array(variable) warns in NumPy 2


def weights_changed(before: Sequence[np.ndarray], after: Sequence[np.ndarray], atol: float = 0.0) -> int:
    """How many weight tensors differ (max absolute difference > ``atol``) between two snapshots."""
    if len(before) != len(after):
        raise ValueError(f"Las dos listas de pesos tienen longitudes distintas ({len(before)} ≠ {len(after)}).")
    return sum(
        int(a.shape != b.shape or np.max(np.abs(a - b), initial=0.0) > atol) for a, b in zip(before, after)
    )
