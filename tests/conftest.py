"""Fixtures shared by the unit tests (the notebook harness is the root conftest.py)."""

import keras
import numpy as np
import pytest


@pytest.fixture
def token_task():
    """A learnable toy text task and a small ULMFiT classifier for it: ``(x, y, classifier)``.

    Class 1 ⇔ the document contains token 3 (chance: 0.5).
    """
    from utils import lm, ulmfit

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(4, 30, (128, 8)).astype("int32")
    y = rng.integers(0, 2, 128)
    x[y == 1, rng.integers(0, 8, int(y.sum()))] = 3
    model = lm.build_lstm_lm(30, embed_dim=16, hidden_dim=16, num_layers=1, embed_dropout=0, dropout=0)
    return x, y, ulmfit.classifier_from_lm(model, dropout=0.0)
