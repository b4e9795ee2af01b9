"""The course's plotting style: palette, Spanish metric names and the figure plumbing every plot shares."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
GOOD, BAD = "#2ca02c", "#d62728"

# Spanish names for the usual metrics.
METRIC_NAMES = {
    "loss": "pérdida", "accuracy": "exactitud", "acc": "exactitud",
    "binary_accuracy": "exactitud", "sparse_categorical_accuracy": "exactitud",
    "auc": "AUC", "mae": "MAE", "mse": "MSE", "rmse": "RMSE", "perplexity": "perplejidad",
    "root_mean_squared_error": "RMSE", "mean_absolute_error": "MAE", "mean_squared_error": "MSE",
    "categorical_accuracy": "exactitud", "top_k_categorical_accuracy": "exactitud top-k",
    "sparse_top_k_categorical_accuracy": "exactitud top-k", "ppl": "perplejidad",
    "learning_rate": "tasa de aprendizaje", "lr": "tasa de aprendizaje", "epoch": "época",
    "precision": "precisión", "recall": "exhaustividad", "f1_score": "F1", "r2_score": "R²",
    "binary_crossentropy": "entropía cruzada", "sparse_categorical_crossentropy": "entropía cruzada",
    "categorical_crossentropy": "entropía cruzada",
}


def use_course_style() -> None:
    """Apply the course's matplotlib style (called by :func:`utils.setup`)."""
    mpl.rcParams.update({
        "figure.figsize": (8, 4.5), "figure.dpi": 100, "savefig.dpi": 120,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titleweight": "bold", "font.size": 10,
        "axes.prop_cycle": mpl.cycler(color=PALETTE), "legend.frameon": False,
        "image.cmap": "viridis",
    })


def color(i: int) -> str:
    """The ``i``-th colour of the course palette (one colour per run)."""
    return PALETTE[i % len(PALETTE)]


def metric_label(name: str) -> str:
    """Spanish label for a Keras metric name (``val_accuracy`` → ``exactitud (validación)``)."""
    if name.startswith("val_"):
        return f"{metric_label(name[4:])} (validación)"
    return METRIC_NAMES.get(name, name.replace("_", " "))


def axes_or_new(ax, figsize: tuple[float, float]):
    """``(figure, axes)``: the caller's ``ax`` (to compose panels) or a new figure of ``figsize``."""
    return (ax.figure, ax) if ax is not None else plt.subplots(figsize=figsize)


def panel_grid(n: int, ncols: int, cell: tuple[float, float], extra_height: float = 0.0, **kwargs):
    """A grid for ``n`` small panels (images, filters, maps), ``ncols`` at most per row, axes off.

    Returns ``(figure, axes)`` with ``axes`` flat; the panels past ``n`` stay empty.
    """
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    width_factor = kwargs.pop("width_factor", 1)
    fig, axes = plt.subplots(nrows, width_factor * ncols, squeeze=False,
                             figsize=(cell[0] * ncols, cell[1] * nrows + extra_height), **kwargs)
    for ax in axes.ravel():
        ax.axis("off")
    return fig, axes


def finish(fig, title: str | None = None):
    """Suptitle (if any) and tight layout: the last step of every multi-panel figure."""
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def as_history_dict(history) -> dict[str, list[float]]:
    """The ``{métrica: [valor por época]}`` of a Keras ``History`` or of such a dict."""
    h = getattr(history, "history", history)
    if not isinstance(h, Mapping) or not h:
        raise ValueError(
            "Se esperaba el objeto History que devuelve model.fit() o un diccionario "
            "{métrica: [valores por época]} no vacío."
        )
    return {k: list(map(float, v)) for k, v in h.items()}


def check_2d(array, what: str) -> np.ndarray:
    """``array`` as a 2-D NumPy array, or a Spanish error naming ``what``."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{what} debe ser una matriz 2-D; tiene forma {array.shape}.")
    return array


def short_number(v: float) -> str:
    """``1.2 M``, ``35 k``, ``7`` or three significant digits: labels for bars and axes."""
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f} M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f} k"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.3g}"
