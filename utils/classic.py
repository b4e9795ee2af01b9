"""Classical-ML plumbing for notebooks 01 (classical ML) and 03 (CNNs).

The tabular datasets themselves are loaded by :mod:`utils.data` (``load_credit``, ``load_ames``,
``load_rdataset``). :func:`make_preprocessor` is the usual scikit-learn plumbing for mixed numeric and
categorical columns (impute, scale, one-hot encode); :func:`flip_labels` corrupts labels
(data-quality experiment) and :func:`shift_images` translates images (translation test).
"""

from __future__ import annotations

import numpy as np

from .config import SEED

def _none_as_nan(frame):
    import pandas as pd

    frame = pd.DataFrame(frame).astype(object)
    return frame.where(frame.notna(), np.nan)


def make_preprocessor(scale: bool = True, encode: str = "onehot"):
    """Column transformer for a DataFrame with numeric and categorical (object) columns.

    Numeric columns: median imputation, then standardisation (if ``scale``).
    Categorical columns: most-frequent imputation, then ``encode``:

    * ``"onehot"``: one 0/1 column per level, dropping the first level so that a linear
      model has a unique solution (levels unseen in training become all zeros);
    * ``"ordinal"``: one integer column per variable (compact; good for tree ensembles).
    """
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

    if encode == "onehot":
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, drop="first")
    elif encode == "ordinal":
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    else:
        raise ValueError(f"Codificación desconocida «{encode}»: usa 'onehot' u 'ordinal'.")
    numeric = [SimpleImputer(strategy="median")] + ([StandardScaler()] if scale else [])
    # None and NaN both mean "missing" (scikit-learn < 1.7 sorts None with the strings and fails).
    categorical = [FunctionTransformer(_none_as_nan, feature_names_out="one-to-one"),
                   SimpleImputer(strategy="most_frequent"), encoder]
    return ColumnTransformer([
        ("num", make_pipeline(*numeric), make_column_selector(dtype_include="number")),
        ("cat", make_pipeline(*categorical), make_column_selector(dtype_exclude="number")),
    ], verbose_feature_names_out=False)


def flip_labels(y, fraction: float, seed: int = SEED) -> np.ndarray:
    """Copy of binary labels ``y`` (0/1) with a random ``fraction`` of them flipped."""
    y = np.asarray(y)
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction debe estar entre 0 y 1 (recibido: {fraction!r}).")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("flip_labels solo admite etiquetas binarias 0/1.")
    noisy = y.copy()
    flip = np.random.default_rng(seed).random(len(y)) < fraction
    noisy[flip] = 1 - noisy[flip]
    return noisy


def shift_images(images, dx: int = 0, dy: int = 0) -> np.ndarray:
    """Translate images (N, H, W[, C]) by ``dx`` pixels right and ``dy`` down, filling with 0."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"Se esperaban imágenes con forma (N, alto, ancho[, canales]); llegó {images.shape}."
        )
    h, w = images.shape[1:3]
    if abs(dx) >= w or abs(dy) >= h:
        raise ValueError(f"El desplazamiento ({dx}, {dy}) no cabe en imágenes de {h}×{w}.")
    out = np.zeros_like(images)
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[:, dst_y, dst_x] = images[:, src_y, src_x]
    return out
