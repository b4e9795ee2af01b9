"""Plot plumbing for the notebook on how a network learns (loss surfaces and descent paths).

The concepts themselves (the loss, gradient descent, backpropagation) are written in the notebook;
this module only draws them, in the course's style (see :mod:`utils.plots`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .plots import color


def plot_descent_paths(w_grid, b_grid, loss_grid, paths: Mapping[str, object],
                       losses: Mapping[str, Sequence[float]], minimum: tuple[float, float] | None = None,
                       xlabel: str = "pendiente w", ylabel: str = "término independiente b",
                       title: str | None = None, log_loss: bool = True):
    """Contours of a loss of two weights with one descent path per run, and the loss at each step.

    ``w_grid``, ``b_grid``, ``loss_grid``: 2-D arrays of the same shape (``np.meshgrid`` of the two
    weights and the loss there). ``paths``: ``{name: array (steps + 1, 2)}`` of the weights visited;
    ``losses``: ``{name: loss at each of those steps}``. Returns the Figure (left: contours and paths,
    right: loss vs step, log scale by default).
    """
    w_grid, b_grid, loss_grid = (np.asarray(a, dtype=float) for a in (w_grid, b_grid, loss_grid))
    if not (w_grid.ndim == 2 and w_grid.shape == b_grid.shape == loss_grid.shape):
        raise ValueError("w_grid, b_grid y loss_grid deben ser matrices 2-D de la misma forma "
                         f"(llegaron {w_grid.shape}, {b_grid.shape}, {loss_grid.shape}).")
    if not paths or set(paths) != set(losses):
        raise ValueError("paths y losses deben tener los mismos nombres (al menos uno).")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    low, high = loss_grid.min(), loss_grid.max()
    levels = np.geomspace(low * 1.01, high, 15) if low > 0 else np.linspace(low, high, 15)
    ax1.contour(w_grid, b_grid, loss_grid, levels=levels, cmap="viridis", linewidths=0.8)
    if minimum is not None:
        ax1.plot(*minimum, "k*", markersize=12, label="mínimo")
    for i, (name, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) != len(losses[name]):
            raise ValueError(f"El camino «{name}» debe tener forma (pasos, 2) y un valor de pérdida por paso.")
        ax1.plot(path[:, 0], path[:, 1], ".-", color=color(i), markersize=3, linewidth=1, label=name)
        ax2.plot(np.arange(len(path)), losses[name], color=color(i), label=name)
    ax1.set(xlim=(w_grid.min(), w_grid.max()), ylim=(b_grid.min(), b_grid.max()), xlabel=xlabel, ylabel=ylabel,
            title="Curvas de nivel de la pérdida")
    ax2.set(xlabel="paso", ylabel="pérdida", title="Pérdida en cada paso")
    if log_loss:
        ax2.set_yscale("log")
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig
