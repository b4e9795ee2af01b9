"""Text models: attention weights (one matrix, or one query across layers and heads), word-vector
projections, token probabilities, similarities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .style import axes_or_new, check_2d, color


def plot_attention(weights, query_tokens: Sequence[str], key_tokens: Sequence[str] | None = None,
                   title: str | None = None, ax=None):
    """Attention heat map: rows are queries, columns keys (each row sums to 1)."""
    weights = check_2d(weights, "La matriz de atención")
    key_tokens = list(query_tokens if key_tokens is None else key_tokens)
    if weights.shape != (len(query_tokens), len(key_tokens)):
        raise ValueError(
            f"La matriz de atención tiene forma {weights.shape} pero hay {len(query_tokens)} "
            f"tokens de consulta y {len(key_tokens)} de clave."
        )
    size = 0.4 * max(len(query_tokens), len(key_tokens)) + 2
    fig, ax = axes_or_new(ax, (size + 1, size))
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
                       method: str = "pca", title: str | None = None, seed: int = 0, ax=None):
    """2-D projection (PCA or t-SNE) of word vectors, coloured by group."""
    vectors = check_2d(vectors, "Los vectores")
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
    fig, ax = axes_or_new(ax, (7, 5.5))
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


def plot_token_probabilities(tokens: Sequence[str], distributions: Mapping[str, Sequence[float]],
                             title: str | None = None, ylabel: str = "probabilidad", ax=None):
    """Grouped bars: the probability of each candidate token under several distributions.

    ``distributions`` maps a name (e.g. ``"T = 0.5"``) to one probability per token, so the
    effect of the temperature or the difference between two models is seen token by token.
    """
    if not distributions:
        raise ValueError("Pasa al menos una distribución: {'nombre': probabilidades}.")
    tokens = [str(t) for t in tokens]
    n = len(distributions)
    width = 0.8 / n
    fig, ax = axes_or_new(ax, (max(7, 0.6 * len(tokens) + 2), 4))
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


def plot_similarity_matrices(matrices: Mapping[str, object], labels: Sequence[str],
                             title: str | None = None, vmin: float | None = None):
    """Side-by-side heat maps of square similarity matrices (e.g. cosine), one panel per entry.

    ``matrices``: ``{"nombre del panel": matriz (n, n)}``, all with the same ``n = len(labels)``;
    the colour scale is shared (``vmin`` defaults to the smallest value shown, ``vmax`` is 1).
    """
    if not matrices:
        raise ValueError("Pasa al menos una matriz: {'nombre': matriz (n, n)}.")
    labels = [str(label) for label in labels]
    arrays = {name: check_2d(m, f"La matriz «{name}»").astype(float) for name, m in matrices.items()}
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


def plot_attention_from(scores, tokens: Sequence[str], query: int, ncols: int = 3, title: str | None = None):
    """Heat maps of where token ``query`` looks, one panel per layer: heads (rows) × tokens (columns).

    ``scores``: (num_layers, num_heads, n, n) from :func:`attention_scores`. One colour scale for
    every panel, so the layers can be compared.
    """
    scores = np.asarray(scores)
    if scores.ndim != 4 or scores.shape[-1] != len(tokens) or scores.shape[-2] != len(tokens):
        raise ValueError(f"scores debe tener forma (capas, cabezas, {len(tokens)}, {len(tokens)}); "
                         f"llegó {scores.shape}.")
    if not 0 <= query < len(tokens):
        raise ValueError(f"query debe estar entre 0 y {len(tokens) - 1}; recibido {query}.")
    rows = scores[:, :, query, :]  # (layers, heads, keys)
    num_layers, num_heads = rows.shape[:2]
    nrows = -(-num_layers // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 0.28 * num_heads * nrows + 1.6 * nrows),
                             squeeze=False)
    vmax = float(rows.max())
    for k, ax in enumerate(axes.flat):
        if k >= num_layers:
            ax.axis("off")
            continue
        im = ax.imshow(rows[k], cmap="viridis", vmin=0, vmax=vmax, aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(tokens)), tokens, rotation=70, fontsize=8)
        ax.set_yticks(range(num_heads), [str(h + 1) for h in range(num_heads)], fontsize=7)
        ax.set_title(f"capa {k + 1}", fontsize=10)
        if k % ncols == 0:
            ax.set_ylabel("cabeza")
    fig.colorbar(im, ax=axes, fraction=0.02, label="peso de atención")
    fig.suptitle(title or f"¿A qué token atiende «{tokens[query]}»? (filas: cabezas)")
    return fig
