"""How good a model is: confusion matrix, ROC and precision–recall curves, regression residuals, clusters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .style import axes_or_new, check_2d, color, finish


def plot_confusion_matrix(y_true, y_pred, class_names: Sequence[str] | None = None,
                          normalize: bool = True, title: str | None = None, ax=None):
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
    fig, ax = axes_or_new(ax, (size + 1, size))
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


def _binary_scores(y_true, scores: Mapping[str, Sequence[float]], curve: str):
    """Labels 0/1 (both present) and one score per label for each model, or a Spanish error."""
    y_true = np.asarray(y_true).ravel()
    if not scores:
        raise ValueError("Pasa al menos un modelo: {'nombre': puntuaciones}.")
    if not (np.isin(y_true, [0, 1]).all() and len(np.unique(y_true)) == 2):
        raise ValueError(f"{curve} necesita etiquetas binarias 0/1 con las dos clases presentes.")
    arrays = {name: np.asarray(s, dtype=float).ravel() for name, s in scores.items()}
    for name, s in arrays.items():
        if s.shape != y_true.shape:
            raise ValueError(f"«{name}» tiene {len(s)} puntuaciones y hay {len(y_true)} etiquetas.")
    return y_true, arrays


def plot_roc_curves(y_true, scores: Mapping[str, Sequence[float]], title: str | None = None,
                    ax=None):
    """ROC curves of several models on the same labels (binary ``y_true``), AUC in the legend.

    ``scores``: ``{modelo: probabilidad o puntuación de la clase positiva}``.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y_true, scores = _binary_scores(y_true, scores, "La curva ROC")
    fig, ax = axes_or_new(ax, (5.5, 5))
    for i, (name, s) in enumerate(scores.items()):
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


def plot_pr_curves(y_true, scores, title: str | None = None, ax=None):
    """Precision–recall curves of several models on the same binary labels (1 = positive class).

    ``scores``: ``{modelo: probabilidad o puntuación de la clase positiva}``. The legend gives each
    model's average precision (AP, scikit-learn's ``average_precision_score``); the dotted line is the
    share of positives, the precision of a model that ranks at random at every recall. Returns the
    Figure (never calls ``plt.show()``).
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y_true, scores = _binary_scores(y_true, scores, "La curva precisión–exhaustividad")
    fig, ax = axes_or_new(ax, (5.5, 5))
    for i, (name, s) in enumerate(scores.items()):
        precision, recall, _ = precision_recall_curve(y_true, s)
        ax.step(recall, precision, where="post", color=color(i),
                label=f"{name} (AP {average_precision_score(y_true, s):.3f})")
    share = y_true.mean()
    ax.axhline(share, linestyle=":", color="gray", label=f"azar (proporción de positivos: {share:.2f})")
    ax.set(xlabel="exhaustividad (tasa de verdaderos positivos)", ylabel="precisión", xlim=(0, 1),
           ylim=(0, 1.02), title=title or "Curva precisión–exhaustividad")
    ax.legend(fontsize=8, loc="upper right")
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
    return finish(fig, title)


def plot_clusters(points, labels, centers=None, title: str | None = None, ax=None):
    """Points coloured by cluster. More than 2 columns are projected to 2-D with PCA.

    ``centers`` (k, d), in the same space as ``points``, are drawn as crosses.
    """
    points = check_2d(points, "Los puntos")
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
    fig, ax = axes_or_new(ax, (5.5, 4.5))
    for i, g in enumerate(np.unique(labels)):
        mask = labels == g
        ax.scatter(xy[mask, 0], xy[mask, 1], s=14, alpha=0.7, color=color(i), label=f"grupo {g}")
    if centers is not None:
        centers = check_2d(centers, "Los centros")
        cxy = project.transform(centers) if project is not None else centers
        ax.scatter(cxy[:, 0], cxy[:, 1], marker="X", s=160, color="black", label="centros")
    ax.set_xlabel("componente 1" if project is not None else "x₁")
    ax.set_ylabel("componente 2" if project is not None else "x₂")
    ax.set_title(title or f"{len(np.unique(labels))} grupos")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
