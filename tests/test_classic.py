"""Tests of utils.classic (preprocessing, label noise, image shifts)."""

import numpy as np
import pandas as pd
import pytest

from utils import classic


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
