"""Plumbing for the notebook on how a network learns (02): plots and data preparation.

The concepts themselves (the loss, gradient descent, backpropagation, softmax and cross-entropy,
the approximation experiment, clipping, end-to-end training) are written in the notebook; this
module only draws them in the course's style (see :mod:`utils.plots`), prepares the data, builds the
hand-made image descriptor of the end-to-end comparison and measures an optimizer's step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .plots import BAD, GOOD, color


def plot_descent_paths(w_grid, b_grid, loss_grid, paths: Mapping[str, object],
                       losses: Mapping[str, Sequence[float]] | Callable, minimum: tuple[float, float] | None = None,
                       xlabel: str = "pendiente w", ylabel: str = "término independiente b",
                       title: str | None = None, log_loss: bool = True):
    """Contours of a loss of two weights with one descent path per run, and the loss at each step.

    ``w_grid``, ``b_grid``, ``loss_grid``: 2-D arrays of the same shape (``np.meshgrid`` of the two
    weights and the loss there). ``paths``: ``{name: array (steps + 1, 2)}`` of the weights visited;
    ``losses``: ``{name: loss at each of those steps}``, or the loss function ``loss(w, b)`` itself
    (vectorised), evaluated here at every step of every path. Returns the Figure (left: contours and
    paths, right: loss vs step, log scale by default).
    """
    if callable(losses):
        losses = {name: losses(np.asarray(p)[:, 0], np.asarray(p)[:, 1]) for name, p in paths.items()}
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


def load_bmi_progression():
    """Scikit-learn's diabetes data (Efron et al. 2004) as one input and one target, both rescaled.

    Returns ``(x, y)``: the body-mass index above 20 in tens of kg/m² (``(bmi − 20) / 10``) and the
    disease progression one year later in hundreds (``target / 100``), 442 patients.
    """
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    return (frame["bmi"].to_numpy() - 20) / 10, frame["target"].to_numpy() / 100


def plot_cross_entropy(p_true, correct, title: str = "Entropía cruzada de cada imagen de prueba"):
    """The curve −log p and each example's loss at the probability ``p_true`` it gives its true class.

    ``correct``: boolean array, True where the example is classified right (green) and False where it
    is not (red). Returns the Figure.
    """
    p_true, correct = np.asarray(p_true, dtype=float).ravel(), np.asarray(correct, dtype=bool).ravel()
    if p_true.shape != correct.shape or not ((p_true > 0) & (p_true <= 1)).all():
        raise ValueError("p_true (probabilidades en (0, 1]) y correct deben tener la misma longitud.")
    fig, ax = plt.subplots(figsize=(7, 4))
    p = np.linspace(0.005, 1, 200)
    ax.plot(p, -np.log(p), color="k", label="−log p")
    for mask, colour, name in ((correct, GOOD, "aciertos"), (~correct, BAD, "errores")):
        ax.plot(p_true[mask], -np.log(p_true[mask]), "o", color=colour, alpha=0.3, markersize=3, label=name)
    ax.set(xlabel="probabilidad de la clase verdadera", ylabel="pérdida de ese ejemplo", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_approximations(x, y, grid, fits: Mapping[int, Sequence[float]], rmse: Mapping[int, float],
                        xlabel: str = "tiempo tras el impacto (ms)", ylabel: str = "aceleración de la cabeza (g)"):
    """Data, one fitted curve per number of hidden units (left) and the error against that number (right).

    ``x``, ``y``: the data in their own units; ``grid`` and each ``fits[units]``: inputs and predictions
    *standardised* with the mean and standard deviation (``ddof=1``, as pandas) of ``x`` and ``y``;
    ``rmse``: ``{units: error in the units of y}``. 0 hidden units is drawn as a straight line.
    """
    x, y, grid = (np.asarray(a, dtype=float).ravel() for a in (x, y, grid))
    if set(fits) != set(rmse) or not fits:
        raise ValueError("fits y rmse deben tener las mismas anchuras (al menos una).")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(x, y, "o", color="0.6", markersize=3, label="mediciones")
    for i, (units, fit) in enumerate(fits.items()):
        fit = np.asarray(fit, dtype=float).ravel()
        if fit.shape != grid.shape:
            raise ValueError(f"La curva de {units} neuronas tiene {fit.shape} valores y grid tiene {grid.shape}.")
        label = f"{units} neurona{'s' * (units > 1)}" if units else "recta (0 neuronas)"
        ax1.plot(grid * x.std(ddof=1) + x.mean(), fit * y.std(ddof=1) + y.mean(), color=color(i), label=label)
    ax1.set(xlabel=xlabel, ylabel=ylabel, title="Una red por anchura")
    ax1.legend(fontsize=8)
    units = list(rmse)
    ax2.plot(units, list(rmse.values()), "o-", color=color(0), label="error (RMSE)")
    ax2.set_xscale("symlog", linthresh=1)  # escala logarítmica que admite el 0
    ax2.set_xticks(units, [str(u) for u in units])
    ax2.set(xlabel="neuronas ocultas", ylabel="RMSE en los datos (g)", title="Más neuronas, menos error")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def hand_made_features(images, cells: int = 7, bins: int = 9) -> np.ndarray:
    """A hand-designed image descriptor (the idea of HOG, Dalal and Triggs 2005).

    For each of ``cells × cells`` square cells of a batch of grey images (N, H, W) with values 0–255:
    a histogram of the orientation (0–180°, ``bins`` bins) of its edges, weighted by their strength and
    normalised per cell, and the mean brightness of the cell. Returns float32 (N, cells² · (bins + 1)).
    """
    img = np.asarray(images).astype("float32") / 255
    if img.ndim != 3 or img.shape[1] % cells or img.shape[2] % cells:
        raise ValueError(f"Se esperaban imágenes (N, alto, ancho) divisibles en {cells}×{cells} casillas; "
                         f"llegó {img.shape}.")
    gy, gx = np.gradient(img, axis=(1, 2))  # vertical and horizontal derivatives: the edges
    strength, angle = np.hypot(gx, gy), np.arctan2(gy, gx) % np.pi
    which = np.minimum((angle / np.pi * bins).astype(int), bins - 1)
    n, size = len(img), img.shape[1] // cells

    def per_cell(values):
        return values.reshape(n, cells, size, cells, size).sum(axis=(2, 4))

    hist = np.stack([per_cell(strength * (which == k)) for k in range(bins)], axis=-1)
    hist /= np.linalg.norm(hist, axis=-1, keepdims=True) + 1e-3  # each cell, normalised
    brightness = per_cell(img)[..., None] / size**2
    return np.concatenate([hist, brightness], axis=-1).reshape(n, -1).astype("float32")


def optimizer_step(optimizer, model, grads):
    """Apply ``grads`` once with ``optimizer`` and measure the step of each trainable variable.

    Returns ``(step_norms, cosines)``: the norm of each variable's change ``before − after`` and the
    cosine between that change and its gradient (1 = the weights moved exactly against the gradient,
    as plain SGD does).
    """
    variables = model.trainable_variables
    before = [v.numpy().copy() for v in variables]
    optimizer.apply_gradients(zip(grads, variables))
    steps = [b - v.numpy() for b, v in zip(before, variables)]
    grads = [np.asarray(g) for g in grads]
    norms = [float(np.linalg.norm(s)) for s in steps]
    cosines = [float(np.sum(s * g) / (np.linalg.norm(s) * np.linalg.norm(g) + 1e-30)) for s, g in zip(steps, grads)]
    return norms, cosines
