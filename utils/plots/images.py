"""Images and what a vision model sees: grids, filters, feature maps, heat maps, top-k predictions."""

from __future__ import annotations

import numpy as np

from .style import BAD, GOOD, axes_or_new, check_2d, color, finish, panel_grid


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
    fig, axes = panel_grid(n, ncols, (1.6, 1.8))

    def name(k):  # a class index, or a one-hot / probability vector (its argmax)
        k = np.asarray(k)
        k = int(np.argmax(k)) if k.size > 1 else int(k.ravel()[0])
        return class_names[k] if class_names is not None else str(k)

    for i, ax in zip(range(n), axes.ravel()):
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
    return finish(fig, title)


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
    fig, axes = panel_grid(n, ncols, (1.1, 1.1), extra_height=0.4)
    for i, ax in zip(range(n), axes.ravel()):
        f = kernel[..., i]
        if f.shape[-1] == 3:
            f = (f - f.min()) / (f.max() - f.min() + 1e-8)
            ax.imshow(f)
        else:
            ax.imshow(f.mean(axis=-1), cmap="gray")
    return finish(fig, title or f"{n} filtros de {kernel.shape[0]}×{kernel.shape[1]}")


def plot_feature_maps(maps, max_maps: int = 16, ncols: int = 8, title: str | None = None):
    """Activations of a convolutional layer for one image. ``maps``: (H, W, C) or (1, H, W, C)."""
    maps = np.asarray(maps)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(f"Se esperaban mapas (alto, ancho, canales); llegó {maps.shape}.")
    n = min(maps.shape[-1], max_maps)
    fig, axes = panel_grid(n, ncols, (1.3, 1.3), extra_height=0.4)
    for i, ax in zip(range(n), axes.ravel()):
        ax.imshow(maps[..., i], cmap="viridis")
    return finish(fig, title or f"Mapas de activación ({maps.shape[0]}×{maps.shape[1]}, "
                       f"{maps.shape[-1]} canales)")


def plot_heatmap_overlay(image, heatmap, alpha: float = 0.45, title: str | None = None, ax=None):
    """A heat map (e.g. Grad-CAM) drawn over an image, resized to the image's size."""
    image = np.asarray(image, dtype="float32")
    heatmap = check_2d(heatmap, "El mapa de calor")
    if image.ndim != 3:
        raise ValueError(f"Se esperaba una imagen (alto, ancho, canales); llegó {image.shape}.")
    if image.max() > 1.5:
        image = image / 255.0
    import tensorflow as tf

    resized = tf.image.resize(heatmap[..., None], image.shape[:2]).numpy()[..., 0]
    fig, ax = axes_or_new(ax, (4, 4))
    ax.imshow(np.clip(image, 0, 1))
    ax.imshow(resized, cmap="jet", alpha=alpha)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
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
    fig, axes = panel_grid(n, ncols, (4.4, 1.9), extra_height=0.4, width_factor=2,
                           gridspec_kw={"width_ratios": [1, 1.25] * ncols})
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
    return finish(fig, title)
