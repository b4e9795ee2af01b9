"""Test harness: fast mode, offline Keras cache and asset-aware skipping of notebooks.

* ``COURSE_FAST=1`` is set (unless already set) so every notebook runs its fast path.
* When ``../shared/assets/keras`` exists (course machines without internet), its real
  datasets and weights are copied into the Keras cache (``$KERAS_HOME``, default ``~/.keras``)
  without overwriting anything, so the notebooks' real download calls find them.
* A notebook lists what it needs in its metadata (``metadata.course.assets``). If one of
  those is not cached, the notebook's cells are skipped with the reason, unless
  ``COURSE_DOWNLOAD=1`` says that downloading is possible.
"""

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
SHARED_ASSETS = ROOT.parent / "shared" / "assets"

os.environ.setdefault("COURSE_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()


def seed_keras_cache() -> int:
    """Copy the shared offline assets into the Keras cache; return how many files were copied."""
    source = SHARED_ASSETS / "keras"
    if not source.is_dir():
        return 0
    copied = 0
    for path in source.rglob("*"):
        target = keras_home() / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied += 1
    labels = SHARED_ASSETS / "imagenet_labels.json"
    if labels.exists() and not (keras_home() / "models" / labels.name).exists():
        (keras_home() / "models").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(labels, keras_home() / "models" / labels.name)
        copied += 1
    return copied


def missing_assets(requirements) -> list[str]:
    """The entries of a notebook's ``course.assets`` that are not available here.

    An entry is a dataset name of ``utils.data.ASSETS``, a path inside the Keras cache
    (``models/xxx.h5``), or ``module:NAME`` for an importable Python package.
    """
    from utils import data

    missing = []
    for req in requirements:
        if req.startswith("module:"):
            ok = importlib.util.find_spec(req.split(":", 1)[1]) is not None
        elif req in data.ASSETS:
            ok = data.is_cached(req)
        else:
            ok = (keras_home() / req).exists()
        if not ok:
            missing.append(req)
    return missing


def pytest_configure(config):
    copied = seed_keras_cache()
    if copied:
        print(f"\nCaché de Keras preparada en {keras_home()}: {copied} ficheros copiados de {SHARED_ASSETS}")


def pytest_collection_modifyitems(config, items):
    reasons = {}
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix != ".ipynb":
            continue
        if path not in reasons:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
            missing = missing_assets(meta.get("course", {}).get("assets", []))
            reasons[path] = (
                f"{path.name}: falta {', '.join(missing)} en la caché de Keras y no hay internet "
                "(COURSE_DOWNLOAD=1 para descargarlo)"
                if missing and os.environ.get("COURSE_DOWNLOAD") != "1" else None
            )
        if reasons[path]:
            item.add_marker(pytest.mark.skip(reason=reasons[path]))


_NOTEBOOK_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Add up each notebook's cells (setup, call and teardown), for the summary below."""
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _NOTEBOOK_SECONDS[path] = _NOTEBOOK_SECONDS.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """One line per notebook with its wall time: what each notebook header's «Tiempo» should say."""
    if not _NOTEBOOK_SECONDS:
        return
    seed = os.environ.get("COURSE_SEED") or "42"
    terminalreporter.section(f"tiempo por cuaderno (modo rápido, semilla {seed})")
    for path, secs in sorted(_NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{Path(path).name:45s} {secs:6.0f} s")
