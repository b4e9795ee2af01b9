"""Course-wide settings: the run mode, the seed, the course's home and release.

The mode decides the data sizes: **full** (real sizes, meant for a GPU) or **fast** (the same code
on subsampled data, what the tests run). It is chosen, first match wins, by

1. the ``MODO`` form field of the setup cell (``"rápido"`` or ``"completo"``), through :func:`set_mode`;
2. the environment variable ``COURSE_FAST`` (``1`` fast, ``0`` full; the tests set ``1``);
3. automatically: full when TensorFlow sees a GPU, fast otherwise.

The course's home (``REPO``) and release (``VERSION``) are written here once;
``python .ci/publish.py`` copies them into every badge, setup cell, README link and citation.
"""

from __future__ import annotations

import os

#: The course's seed (42). ``COURSE_SEED`` in the environment replaces it everywhere, the setup
#: cell's ``setup(seed=42)`` included: the tests use it to check that the lessons hold for other seeds.
SEED = int(os.environ.get("COURSE_SEED") or 42)

#: GitHub repository that hosts the course (badges, setup cell, citation). Change it with
#: ``python .ci/publish.py --repo OWNER/NAME``.
REPO = "curso-deep-learning-es/transfer-learning"
#: Release installed by the setup cell and opened by the badges (git tag ``v{VERSION}``).
VERSION = "0.2.0"
#: Name of the installable package (``pip install curso-transfer-learning``) that provides ``utils``.
DISTRIBUTION = "curso-transfer-learning"

#: Values of the setup cell's ``MODO`` field.
MODES = ("auto", "rápido", "completo")
_FALSE = {"0", "false", "no", "off"}
_mode: tuple[bool, str] | None = None  # (fast, why), once resolved


def release_tag() -> str:
    return f"v{VERSION}"


def source_url() -> str:
    """The release archive that the setup cell installs (no git needed)."""
    return f"https://github.com/{REPO}/archive/refs/tags/{release_tag()}.zip"


def _gpu_available() -> bool:
    try:
        import tensorflow as tf
    except ImportError:
        return False
    return bool(tf.config.list_physical_devices("GPU"))


def resolve_mode(mode: str = "auto", has_gpu: bool | None = None) -> tuple[bool, str]:
    """``(fast, why)`` for the ``MODO`` field ``mode``; ``why`` is a short Spanish reason."""
    if mode not in MODES:
        raise ValueError(f"MODO debe ser uno de {MODES} (recibido: {mode!r}).")
    if mode != "auto":
        return mode == "rápido", f"MODO = \"{mode}\" en la celda de configuración"
    env = os.environ.get("COURSE_FAST", "").strip().lower()
    if env:
        return env not in _FALSE, f"variable de entorno COURSE_FAST={env}"
    if has_gpu is None:
        has_gpu = _gpu_available()
    return (False, "automático: hay una GPU") if has_gpu else (True, "automático: no hay GPU")


def set_mode(mode: str = "auto", has_gpu: bool | None = None) -> bool:
    """Fix the mode for this session (``utils.setup`` calls it); return True for fast mode."""
    global _mode
    _mode = resolve_mode(mode, has_gpu)
    return _mode[0]


def mode_reason() -> str:
    return (_mode or resolve_mode())[1]


def is_fast() -> bool:
    """True in fast mode: the mode fixed by :func:`set_mode`, else the automatic choice."""
    return (_mode or resolve_mode())[0]


def pick(fast, full):
    """Return ``fast`` in fast mode and ``full`` in the full course run.

    >>> num_epochs = pick(fast=2, full=20)
    """
    return fast if is_fast() else full


def verbose() -> int:
    """Keras ``verbose=``: progress bars in full mode (long runs), silence in fast mode."""
    return 0 if is_fast() else 1


def progress(iterable, total: int | None = None, label: str = "paso"):
    """Iterate ``iterable`` saying, in full mode, which step starts and how long the last one took.

    One line per step (not a redrawn bar), so that the trainings inside the loop can print their
    own progress below it. Fast mode stays quiet.
    """
    if is_fast():
        yield from iterable
        return
    import time

    total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
    start = last = time.perf_counter()
    for i, item in enumerate(iterable, 1):
        print(f"▶ {label} {i}{f'/{total}' if total else ''}: {str(item)[:60]}", flush=True)
        yield item
        now = time.perf_counter()
        print(f"  ✓ {label} {i} en {now - last:.0f} s (total {now - start:.0f} s)", flush=True)
        last = now


def colab_url(notebook: str) -> str:
    """Colab address of a notebook of this release (``notebook`` relative to the root)."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{release_tag()}/{notebook}"


def kaggle_url(notebook: str) -> str:
    """Kaggle address that imports a notebook of this release."""
    return f"https://kaggle.com/kernels/welcome?src=https://github.com/{REPO}/blob/{release_tag()}/{notebook}"


def __getattr__(name):  # ``config.FAST`` is the current mode, not a value frozen at import time
    if name == "FAST":
        return is_fast()
    raise AttributeError(name)
