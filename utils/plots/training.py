"""Training curves and result comparisons: histories, named curves, bars and score tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .style import as_history_dict, axes_or_new, color, finish, metric_label, short_number


def plot_history(history, metrics: Sequence[str] | None = None, title: str | None = None,
                 label: str | None = None):
    """Training curves: one panel per metric, training solid, validation dashed.

    The best validation epoch (lowest loss / error, highest for the rest) is marked.
    To compare several runs on one metric, use :func:`plot_histories`.
    """
    h = as_history_dict(history)
    if metrics is None:
        metrics = [k for k in h if not k.startswith("val_") and k != "learning_rate"]
    missing = [m for m in metrics if m not in h]
    if missing:
        raise ValueError(f"Métricas no encontradas en el historial: {missing}. Hay: {sorted(h)}.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False)
    c = color(0)
    prefix = f"{label} · " if label else ""
    for ax, m in zip(axes[0], metrics):
        epochs = np.arange(1, len(h[m]) + 1)
        ax.plot(epochs, h[m], "-", color=c, label=f"{prefix}entrenamiento")
        if f"val_{m}" in h:
            val = np.asarray(h[f"val_{m}"])
            ax.plot(epochs, val, "--", color=c, label=f"{prefix}validación")
            lower_is_better = m in ("loss", "mae", "mse", "rmse", "perplexity", "ppl") or "error" in m
            best = int(np.argmin(val) if lower_is_better else np.argmax(val))
            ax.plot(epochs[best], val[best], "o", color=c, markersize=7)
            ax.annotate(f"{val[best]:.3g}", (epochs[best], val[best]), textcoords="offset points",
                        xytext=(4, 6), color=c, fontsize=8)
        ax.set_xlabel("época")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric_label(m))
        ax.legend(fontsize=8)
    return finish(fig, title)


def plot_histories(histories: Mapping[str, object], metric: str = "accuracy",
                   title: str | None = None, ax=None):
    """Compare several runs on one metric: one colour per run, validation dashed."""
    if not histories:
        raise ValueError("Pasa al menos un historial: {'nombre': history}.")
    fig, ax = axes_or_new(ax, (7, 4))
    for i, (name, history) in enumerate(histories.items()):
        h = as_history_dict(history)
        if metric not in h:
            raise ValueError(f"El historial «{name}» no tiene la métrica «{metric}».")
        epochs = np.arange(1, len(h[metric]) + 1)
        ax.plot(epochs, h[metric], "-", color=color(i), alpha=0.6, label=f"{name} (entr.)")
        if f"val_{metric}" in h:
            ax.plot(epochs, h[f"val_{metric}"], "--", color=color(i), label=f"{name} (val.)")
    ax.set_xlabel("época")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(metric_label(metric))
    ax.set_title(title or metric_label(metric))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_curves(x, curves: Mapping[str, Sequence[float]], xlabel: str = "", ylabel: str = "",
                title: str | None = None, logx: bool = False, marker: str = "o", ax=None,
                bands: Mapping[str, Sequence[float]] | None = None):
    """Several named curves over the same x (e.g. accuracy vs number of labelled examples).

    ``bands`` (optional): for some curves, a half-width per point (e.g. the standard deviation
    over several seeds), drawn as a shaded band ``y ± band`` in the curve's colour.
    """
    if not curves:
        raise ValueError("Pasa al menos una curva: {'nombre': valores}.")
    x = np.asarray(x)
    unknown = sorted(set(bands or {}) - set(curves))
    if unknown:
        raise ValueError(f"Bandas de curvas que no existen: {unknown}. Curvas: {list(curves)}.")
    fig, ax = axes_or_new(ax, (7, 4))
    for i, (name, ys) in enumerate(curves.items()):
        ys = np.asarray(ys, dtype=float)
        if ys.shape != x.shape:
            raise ValueError(f"La curva «{name}» tiene {ys.shape} valores y x tiene {x.shape}.")
        ax.plot(x, ys, marker=marker, color=color(i), label=name)
        if bands and name in bands:
            band = np.asarray(bands[name], dtype=float)
            if band.shape != x.shape:
                raise ValueError(f"La banda de «{name}» tiene {band.shape} valores y x tiene {x.shape}.")
            ax.fill_between(x, ys - band, ys + band, color=color(i), alpha=0.15, linewidth=0)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_model_comparison(results, metrics: Sequence[str] | None = None, title: str | None = None):
    """Bar charts comparing several models, one panel per metric.

    ``results``: a pandas DataFrame indexed by model name, or ``{modelo: {métrica: valor}}``.
    """
    import pandas as pd

    df = results if isinstance(results, pd.DataFrame) else pd.DataFrame(results).T
    if df.empty:
        raise ValueError("No hay resultados que comparar.")
    metrics = list(metrics) if metrics else [c for c in df.columns if np.issubdtype(df[c].dtype, np.number)]
    missing = [m for m in metrics if m not in df.columns]
    if missing:
        raise ValueError(f"Columnas no encontradas: {missing}. Hay: {list(df.columns)}.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 0.45 * len(df) + 2),
                             squeeze=False)
    names = [str(i) for i in df.index]
    for ax, m in zip(axes[0], metrics):
        values = df[m].astype(float).to_numpy()
        bars = ax.barh(names, values, color=[color(i) for i in range(len(df))])
        ax.invert_yaxis()
        ax.set_title(metric_label(m))
        ax.bar_label(bars, labels=[short_number(v) for v in values], fontsize=8, padding=2)
        ax.margins(x=0.2)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
        ax.grid(axis="y", visible=False)
    return finish(fig, title)


def plot_score_heatmap(table, title: str | None = None, fmt: str = "{:.1f}", best: str = "max",
                       cmap: str = "viridis", ax=None):
    """Annotated table of scores (rows: tasks, columns: models) with the best of each row in bold.

    ``table``: a pandas DataFrame (index and columns are the labels). ``best``: "max", "min" or None.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValueError("Pasa un DataFrame de pandas no vacío (filas: tareas, columnas: modelos).")
    if best not in ("max", "min", None):
        raise ValueError(f"best debe ser 'max', 'min' o None (recibido {best!r}).")
    values = table.to_numpy(dtype=float)
    fig, ax = axes_or_new(ax, (1.3 * values.shape[1] + 3, 0.38 * values.shape[0] + 1.6))
    im = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(values.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(values.shape[0]), [str(i) for i in table.index])
    ax.xaxis.tick_top()
    lo, hi = np.nanmin(values), np.nanmax(values)
    for r in range(values.shape[0]):
        row = values[r]
        target = None if best is None else (np.nanmax(row) if best == "max" else np.nanmin(row))
        for c in range(values.shape[1]):
            dark = (row[c] - lo) < 0.5 * (hi - lo)
            is_best = target is not None and row[c] == target
            ax.text(c, r, fmt.format(row[c]) + (" ★" if is_best else ""), ha="center", va="center",
                    fontsize=8, fontweight="bold" if is_best else "normal",
                    color="white" if dark else "black")
    if title:
        ax.set_title(title, pad=24)
    fig.colorbar(im, ax=ax, fraction=0.03)
    fig.tight_layout()
    return fig
