"""Course-wide settings: the fast-mode switch, the seed and the repository address.

``COURSE_FAST=1`` in the environment selects the fast mode used by the tests: the same
code path on subsampled data, with few epochs and small images, so that every notebook
runs on two CPU cores in about a minute. Unset (or ``0``) means the full course run,
meant for a Colab GPU.
"""

import os

#: Seed used by :func:`utils.setup` unless another one is given.
SEED = 42

#: GitHub repository of the course (used by the Colab badges and the setup cell).
REPO = "curso-deep-learning-es/transfer-learning"
#: Branch or tag that Colab clones.
REPO_REF = "main"

_FALSE = {"", "0", "false", "no", "off"}


def is_fast() -> bool:
    """Return True when ``COURSE_FAST`` asks for the fast (test) mode."""
    return os.environ.get("COURSE_FAST", "0").strip().lower() not in _FALSE


#: Fast mode, read once at import time (the notebooks' parameters cell uses it).
FAST = is_fast()


def pick(fast, full):
    """Return ``fast`` in fast mode and ``full`` in the full course run.

    >>> num_epochs = pick(fast=2, full=20)
    """
    return fast if is_fast() else full


def colab_url(notebook: str) -> str:
    """Colab address of a notebook of this repository (``notebook`` relative to the root)."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{REPO_REF}/{notebook}"
