"""One plotting style for the whole course.

Every function returns the matplotlib ``Figure`` (never calls ``plt.show()``), so the
notebooks show it and the tests can inspect it. Conventions: one colour per run,
training solid and validation dashed, best epoch marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

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


def _as_history_dict(history) -> dict[str, list[float]]:
    h = getattr(history, "history", history)
    if not isinstance(h, Mapping) or not h:
        raise ValueError(
            "Se esperaba el objeto History que devuelve model.fit() o un diccionario "
            "{métrica: [valores por época]} no vacío."
        )
    return {k: list(map(float, v)) for k, v in h.items()}


def _check_2d(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"{what} debe ser una matriz 2-D; tiene forma {array.shape}.")
    return array


def plot_history(history, metrics: Sequence[str] | None = None, title: str | None = None,
                 label: str | None = None, fig=None, color_index: int = 0):
    """Training curves: one panel per metric, training solid, validation dashed.

    The best validation epoch (lowest loss / error, highest for the rest) is marked.
    Pass ``fig`` (and another ``color_index``) to draw several runs on the same panels.
    """
    h = _as_history_dict(history)
    if metrics is None:
        metrics = [k for k in h if not k.startswith("val_") and k != "learning_rate"]
    missing = [m for m in metrics if m not in h]
    if missing:
        raise ValueError(f"Métricas no encontradas en el historial: {missing}. Hay: {sorted(h)}.")
    if fig is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.6), squeeze=False)
        axes = axes[0]
    else:
        axes = fig.axes
    c = color(color_index)
    prefix = f"{label} · " if label else ""
    for ax, m in zip(axes, metrics):
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
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_histories(histories: Mapping[str, object], metric: str = "accuracy",
                   title: str | None = None):
    """Compare several runs on one metric: one colour per run, validation dashed."""
    if not histories:
        raise ValueError("Pasa al menos un historial: {'nombre': history}.")
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (name, history) in enumerate(histories.items()):
        h = _as_history_dict(history)
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
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(7, 4))
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


def plot_confusion_matrix(y_true, y_pred, class_names: Sequence[str] | None = None,
                          normalize: bool = True, title: str | None = None):
    """Confusion matrix (rows: true class, columns: prediction), normalised per row by default."""
    y_true, y_pred = (np.asarray(v).ravel() for v in (y_true, y_pred))
    y_true, y_pred = (v.astype(int) if v.dtype == bool else v for v in (y_true, y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true e y_pred deben tener la misma longitud ({len(y_true)} ≠ {len(y_pred)})."
        )
    for what, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.size and (not np.issubdtype(values.dtype, np.number) or np.any(values != np.round(values))
                            or values.min() < 0):
            raise ValueError(
                f"{what} debe tener clases (enteros ≥ 0) y tiene valores como {values[:3].tolist()}: si son "
                "probabilidades o logits, conviértelas antes (argmax por filas, o p > 0.5 con una salida)."
            )
    from sklearn.metrics import confusion_matrix

    n = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if class_names is not None:
        if len(class_names) < n:
            raise ValueError(f"Hay {n} clases en los datos y solo {len(class_names)} nombres.")
        n = len(class_names)
    cm = confusion_matrix(y_true.astype(int), y_pred.astype(int), labels=range(n)).astype(float)
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    size = max(4, 0.55 * n + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.grid(False)
    ax.set_xticks(range(n), names, rotation=45 if n > 3 else 0, ha="right" if n > 3 else "center")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicción")
    ax.set_ylabel("clase real")
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > 0.6 * shown.max() else "black")
    acc = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(title or f"Matriz de confusión (exactitud {acc:.1%})")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def plot_image_grid(images, labels=None, predictions=None, class_names=None, ncols: int = 8,
                    max_images: int = 32, title: str | None = None, cmap: str | None = None):
    """Grid of images with their true label and, if given, the prediction (green ok, red wrong).

    ``images``: array (N, H, W) or (N, H, W, C) with values in [0, 1] or [0, 255].
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"Se esperaban imágenes con forma (N, alto, ancho[, canales]); llegó {images.shape}."
        )
    n = min(len(images), max_images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.8 * nrows), squeeze=False)

    def name(k):  # a class index, or a one-hot / probability vector (its argmax)
        k = np.asarray(k)
        k = int(np.argmax(k)) if k.size > 1 else int(k.ravel()[0])
        return class_names[k] if class_names is not None else str(k)

    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i].astype("float32")
        if img.max() > 1.5:
            img = img / 255.0
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        ax.imshow(np.clip(img, 0, 1), cmap=cmap or ("gray" if img.ndim == 2 else None))
        if labels is not None and predictions is not None:
            ok = name(labels[i]) == name(predictions[i])
            ax.set_title(f"{name(predictions[i])}\n(real: {name(labels[i])})", fontsize=8,
                         color=GOOD if ok else BAD)
        elif labels is not None:
            ax.set_title(name(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title, fontweight="bold")
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
        ax.bar_label(bars, labels=[_fmt(v) for v in values], fontsize=8, padding=2)
        ax.margins(x=0.2)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt(v)))
        ax.grid(axis="y", visible=False)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def _fmt(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f} M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f} k"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.3g}"


def plot_filters(kernel, max_filters: int = 32, ncols: int = 8, title: str | None = None):
    """Convolution filters of a layer. ``kernel``: weights (kh, kw, in, out).

    RGB filters of a first layer are shown in colour; otherwise the mean over input channels.
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            f"Se esperaban pesos de convolución (alto, ancho, entrada, salida); llegó {kernel.shape}."
        )
    n = min(kernel.shape[-1], max_filters)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.1 * nrows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        f = kernel[..., i]
        if f.shape[-1] == 3:
            f = (f - f.min()) / (f.max() - f.min() + 1e-8)
            ax.imshow(f)
        else:
            ax.imshow(f.mean(axis=-1), cmap="gray")
    fig.suptitle(title or f"{n} filtros de {kernel.shape[0]}×{kernel.shape[1]}", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_feature_maps(maps, max_maps: int = 16, ncols: int = 8, title: str | None = None):
    """Activations of a convolutional layer for one image. ``maps``: (H, W, C) or (1, H, W, C)."""
    maps = np.asarray(maps)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(f"Se esperaban mapas (alto, ancho, canales); llegó {maps.shape}.")
    n = min(maps.shape[-1], max_maps)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.3 * nrows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(maps[..., i], cmap="viridis")
    fig.suptitle(title or f"Mapas de activación ({maps.shape[0]}×{maps.shape[1]}, "
                 f"{maps.shape[-1]} canales)", fontweight="bold")
    fig.tight_layout()
    return fig


def plot_heatmap_overlay(image, heatmap, alpha: float = 0.45, title: str | None = None, ax=None):
    """A heat map (e.g. Grad-CAM) drawn over an image, resized to the image's size."""
    image = np.asarray(image, dtype="float32")
    heatmap = _check_2d(heatmap, "El mapa de calor")
    if image.ndim != 3:
        raise ValueError(f"Se esperaba una imagen (alto, ancho, canales); llegó {image.shape}.")
    if image.max() > 1.5:
        image = image / 255.0
    import tensorflow as tf

    resized = tf.image.resize(heatmap[..., None], image.shape[:2]).numpy()[..., 0]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4, 4))
    ax.imshow(np.clip(image, 0, 1))
    ax.imshow(resized, cmap="jet", alpha=alpha)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return fig


def plot_attention(weights, query_tokens: Sequence[str], key_tokens: Sequence[str] | None = None,
                   title: str | None = None, ax=None):
    """Attention heat map: rows are queries, columns keys (each row sums to 1)."""
    weights = _check_2d(weights, "La matriz de atención")
    key_tokens = list(query_tokens if key_tokens is None else key_tokens)
    if weights.shape != (len(query_tokens), len(key_tokens)):
        raise ValueError(
            f"La matriz de atención tiene forma {weights.shape} pero hay {len(query_tokens)} "
            f"tokens de consulta y {len(key_tokens)} de clave."
        )
    size = 0.4 * max(len(query_tokens), len(key_tokens)) + 2
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(weights, cmap="viridis", vmin=0)
    ax.grid(False)
    ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(query_tokens)), query_tokens)
    ax.set_xlabel("clave (a qué se atiende)")
    ax.set_ylabel("consulta")
    ax.set_title(title or "Pesos de atención")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def plot_embeddings_2d(vectors, words: Sequence[str], groups: Sequence[str] | None = None,
                       method: str = "pca", title: str | None = None, seed: int = 0):
    """2-D projection (PCA or t-SNE) of word vectors, coloured by group."""
    vectors = _check_2d(vectors, "Los vectores")
    if len(words) != len(vectors):
        raise ValueError(f"Hay {len(vectors)} vectores y {len(words)} palabras.")
    if method == "pca":
        from sklearn.decomposition import PCA

        xy = PCA(n_components=2, random_state=seed).fit_transform(vectors)
    elif method == "tsne":
        from sklearn.manifold import TSNE

        xy = TSNE(n_components=2, random_state=seed,
                  perplexity=min(30, max(2, len(vectors) // 3))).fit_transform(vectors)
    else:
        raise ValueError(f"Método desconocido «{method}»: usa 'pca' o 'tsne'.")
    groups = list(groups) if groups is not None else ["palabras"] * len(words)
    fig, ax = plt.subplots(figsize=(7, 5.5))
    for i, g in enumerate(dict.fromkeys(groups)):
        idx = [k for k, gk in enumerate(groups) if gk == g]
        ax.scatter(xy[idx, 0], xy[idx, 1], color=color(i), label=g, s=30)
        for k in idx:
            ax.annotate(words[k], xy[k], textcoords="offset points", xytext=(3, 3), fontsize=9)
    ax.set_title(title or f"Proyección 2-D ({method.upper()}) de los vectores")
    if len(set(groups)) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_roc_curves(y_true, scores: Mapping[str, Sequence[float]], title: str | None = None,
                    ax=None):
    """ROC curves of several models on the same labels (binary ``y_true``), AUC in the legend.

    ``scores``: ``{modelo: probabilidad o puntuación de la clase positiva}``.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y_true = np.asarray(y_true).ravel()
    if not scores:
        raise ValueError("Pasa al menos un modelo: {'nombre': puntuaciones}.")
    if len(np.unique(y_true)) != 2:
        raise ValueError("La curva ROC necesita etiquetas binarias con las dos clases presentes.")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 5))
    for i, (name, s) in enumerate(scores.items()):
        s = np.asarray(s, dtype=float).ravel()
        if s.shape != y_true.shape:
            raise ValueError(f"«{name}» tiene {len(s)} puntuaciones y hay {len(y_true)} etiquetas.")
        fpr, tpr, _ = roc_curve(y_true, s)
        ax.plot(fpr, tpr, color=color(i), label=f"{name} (AUC {roc_auc_score(y_true, s):.3f})")
    ax.plot([0, 1], [0, 1], ":", color="gray", label="azar (AUC 0.5)")
    ax.set_xlabel("tasa de falsos positivos")
    ax.set_ylabel("tasa de verdaderos positivos")
    ax.set_aspect("equal")
    ax.set_title(title or "Curva ROC")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_residuals(y_true, predictions: Mapping[str, Sequence[float]], title: str | None = None):
    """Regression diagnostics: predicted vs real (left) and residual vs predicted (right).

    ``predictions``: ``{modelo: predicciones}``; one colour per model.
    """
    y_true = np.asarray(y_true, dtype=float).ravel()
    if not predictions:
        raise ValueError("Pasa al menos un modelo: {'nombre': predicciones}.")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (name, p) in enumerate(predictions.items()):
        p = np.asarray(p, dtype=float).ravel()
        if p.shape != y_true.shape:
            raise ValueError(f"«{name}» tiene {len(p)} predicciones y hay {len(y_true)} valores reales.")
        ax1.scatter(y_true, p, s=8, alpha=0.5, color=color(i), label=name)
        ax2.scatter(p, y_true - p, s=8, alpha=0.5, color=color(i), label=name)
    lims = [y_true.min(), y_true.max()]
    ax1.plot(lims, lims, "--", color="gray", label="predicción perfecta")
    ax1.set_xlabel("valor real")
    ax1.set_ylabel("predicción")
    ax1.set_title("Predicción frente a valor real")
    ax2.axhline(0, ls="--", color="gray")
    ax2.set_xlabel("predicción")
    ax2.set_ylabel("residuo (real − predicción)")
    ax2.set_title("Residuos")
    for ax in (ax1, ax2):
        ax.legend(fontsize=8, markerscale=2)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_clusters(points, labels, centers=None, title: str | None = None, ax=None):
    """Points coloured by cluster. More than 2 columns are projected to 2-D with PCA.

    ``centers`` (k, d), in the same space as ``points``, are drawn as crosses.
    """
    points = _check_2d(points, "Los puntos")
    labels = np.asarray(labels).ravel()
    if len(labels) != len(points):
        raise ValueError(f"Hay {len(points)} puntos y {len(labels)} etiquetas de grupo.")
    project = None
    if points.shape[1] > 2:
        from sklearn.decomposition import PCA

        project = PCA(n_components=2, random_state=0).fit(points)
        xy = project.transform(points)
    elif points.shape[1] == 2:
        xy = points
    else:
        raise ValueError("Se necesitan al menos 2 columnas para dibujar los grupos.")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 4.5))
    for i, g in enumerate(np.unique(labels)):
        mask = labels == g
        ax.scatter(xy[mask, 0], xy[mask, 1], s=14, alpha=0.7, color=color(i), label=f"grupo {g}")
    if centers is not None:
        centers = _check_2d(centers, "Los centros")
        cxy = project.transform(centers) if project is not None else centers
        ax.scatter(cxy[:, 0], cxy[:, 1], marker="X", s=160, color="black", label="centros")
    ax.set_xlabel("componente 1" if project is not None else "x₁")
    ax.set_ylabel("componente 2" if project is not None else "x₂")
    ax.set_title(title or f"{len(np.unique(labels))} grupos")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_token_probabilities(tokens: Sequence[str], distributions: Mapping[str, Sequence[float]],
                             title: str | None = None, ylabel: str = "probabilidad"):
    """Grouped bars: the probability of each candidate token under several distributions.

    ``distributions`` maps a name (e.g. ``"T = 0.5"``) to one probability per token, so the
    effect of the temperature or the difference between two models is seen token by token.
    """
    if not distributions:
        raise ValueError("Pasa al menos una distribución: {'nombre': probabilidades}.")
    tokens = [str(t) for t in tokens]
    n = len(distributions)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(max(7, 0.6 * len(tokens) + 2), 4))
    x = np.arange(len(tokens))
    for i, (name, probs) in enumerate(distributions.items()):
        probs = np.asarray(probs, dtype=float)
        if probs.shape != (len(tokens),):
            raise ValueError(f"«{name}» tiene {probs.shape} probabilidades y hay {len(tokens)} tokens.")
        ax.bar(x + (i - (n - 1) / 2) * width, probs, width, color=color(i), label=name)
    ax.set_xticks(x, tokens, rotation=45, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Probabilidad de cada token")
    ax.grid(axis="x", visible=False)
    if n > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_score_heatmap(table, title: str | None = None, fmt: str = "{:.1f}", best: str = "max",
                       cmap: str = "viridis"):
    """Annotated table of scores (rows: tasks, columns: models) with the best of each row in bold.

    ``table``: a pandas DataFrame (index and columns are the labels). ``best``: "max", "min" or None.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValueError("Pasa un DataFrame de pandas no vacío (filas: tareas, columnas: modelos).")
    if best not in ("max", "min", None):
        raise ValueError(f"best debe ser 'max', 'min' o None (recibido {best!r}).")
    values = table.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.3 * values.shape[1] + 3, 0.38 * values.shape[0] + 1.6))
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


def plot_top_predictions(images, predictions, ncols: int = 3, title: str | None = None):
    """Each image next to its top-k predicted classes as horizontal bars (probabilities).

    ``predictions``: one list of ``(class name, probability)`` per image, best first
    (e.g. the output of ``utils.data.decode_imagenet``).
    """
    images = np.asarray(images)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"Se esperaban imágenes (N, alto, ancho, canales); llegó {images.shape}.")
    if len(predictions) != len(images):
        raise ValueError(f"Hay {len(images)} imágenes y {len(predictions)} listas de predicciones.")
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, 2 * ncols, figsize=(4.4 * ncols, 1.9 * nrows + 0.4), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.25] * ncols})
    for ax in axes.ravel():
        ax.axis("off")
    for i in range(n):
        ax_img, ax_bar = axes[i // ncols, 2 * (i % ncols)], axes[i // ncols, 2 * (i % ncols) + 1]
        img = images[i].astype("float32")
        ax_img.imshow(np.clip(img / 255.0 if img.max() > 1.5 else img, 0, 1))
        names = [str(name).replace("_", " ") for name, _ in predictions[i]]
        probs = [float(p) for _, p in predictions[i]]
        ax_bar.axis("on")
        ax_bar.barh(range(len(probs)), probs, color=[color(0)] + [color(7)] * (len(probs) - 1))
        ax_bar.set_yticks(range(len(probs)), names, fontsize=8)
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 1)
        ax_bar.tick_params(axis="x", labelsize=7)
        ax_bar.grid(axis="y", visible=False)
        ax_bar.set_xlabel("probabilidad", fontsize=8)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_similarity_matrices(matrices: Mapping[str, object], labels: Sequence[str],
                             title: str | None = None, vmin: float | None = None):
    """Side-by-side heat maps of square similarity matrices (e.g. cosine), one panel per entry.

    ``matrices``: ``{"nombre del panel": matriz (n, n)}``, all with the same ``n = len(labels)``;
    the colour scale is shared (``vmin`` defaults to the smallest value shown, ``vmax`` is 1).
    """
    if not matrices:
        raise ValueError("Pasa al menos una matriz: {'nombre': matriz (n, n)}.")
    labels = [str(label) for label in labels]
    arrays = {name: _check_2d(m, f"La matriz «{name}»").astype(float) for name, m in matrices.items()}
    for name, m in arrays.items():
        if m.shape != (len(labels), len(labels)):
            raise ValueError(
                f"La matriz «{name}» tiene forma {m.shape} pero hay {len(labels)} etiquetas: "
                "debe ser cuadrada, (n, n) con n = len(labels)."
            )
    low = min(float(m.min()) for m in arrays.values()) if vmin is None else vmin
    size = 0.45 * len(labels) + 2
    fig, axes = plt.subplots(1, len(arrays), figsize=(size * len(arrays) + 1, size), squeeze=False)
    for ax, (name, m) in zip(axes[0], arrays.items()):
        im = ax.imshow(m, cmap="viridis", vmin=low, vmax=1)
        ax.grid(False)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if m[i, j] > low + 0.6 * (1 - low) else "white")
        ax.set_title(name, fontsize=10)
    fig.colorbar(im, ax=list(axes[0]), fraction=0.03)
    if title:
        fig.suptitle(title, fontweight="bold")
    return fig
