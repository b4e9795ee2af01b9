"""Every notebook: clean, valid, with the course's anatomy, badge and setup cell."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from utils import config, data

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SECTIONS = ["## Objetivos", "## Configuración", "## Ejercicios", "## Resumen", "## Para saber más"]


def _setup_cell(nb):
    cells = [c for c in nb.cells if c.cell_type == "code" and "setup(seed=" in c.source]
    assert len(cells) == 1, "debe haber exactamente una celda de configuración con setup(seed=...)"
    return cells[0].source


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_entorno_y_mapa.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_well_formed(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "nombre NN_tema.ipynb en ASCII"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "cuaderno con salidas guardadas"
    first = nb.cells[0].source
    assert first.startswith(f"# {path.name[:2]} · "), "la primera celda es el título H1 «# NN · ...»"
    assert f"({config.colab_url(f'notebooks/{path.name}')})" in first, "falta el botón de Colab con la ruta correcta"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    positions = [markdown.find(s) for s in SECTIONS]
    assert all(p >= 0 for p in positions), f"faltan secciones: {[s for s, p in zip(SECTIONS, positions) if p < 0]}"
    assert positions == sorted(positions), "las secciones van en el orden de la plantilla"
    assert "<details>" in markdown, "las soluciones de los ejercicios deben poder desplegarse"
    assert "Idea clave" in markdown
    assert "pick(" in "\n".join(c.source for c in nb.cells if c.cell_type == "code"), "falta la celda de parámetros"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_setup_cell_identical_everywhere(path):
    reference = _setup_cell(nbformat.read(NOTEBOOKS[0], as_version=4))
    assert _setup_cell(nbformat.read(path, as_version=4)) == reference


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_declared_assets_are_known(path):
    assets = nbformat.read(path, as_version=4).metadata.get("course", {}).get("assets", [])
    for asset in assets:
        assert asset in data.ASSETS or asset.startswith(("module:", "models/", "datasets/")), asset


def test_readme_lists_every_notebook_with_its_badge():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert config.colab_url(f"notebooks/{path.name}") in readme, f"README: falta {path.name}"


def _silent_fits(source: str) -> list[int]:
    """Lines of the ``.fit(...)`` calls in ``source`` that pass ``verbose=0`` (or ``False``).

    A fit inside a ``for … in progress(…)`` loop may be quiet: the loop's own progress line says
    how far the work has gone (many short trainings would print thousands of epoch bars).
    """
    code = "\n".join("" if line.lstrip().startswith(("!", "%")) else line for line in source.splitlines())
    tree = ast.parse(code)
    shown = {id(node) for loop in ast.walk(tree) if isinstance(loop, ast.For)
             and any(isinstance(c, ast.Call) and getattr(c.func, "id", None) == "progress" for c in ast.walk(loop.iter))
             for node in ast.walk(loop)}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fit"
            and id(node) not in shown
            and any(kw.arg == "verbose" and isinstance(kw.value, ast.Constant) and kw.value.value in (0, False)
                    for kw in node.keywords)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_trainings_show_progress_in_full_mode(path):
    """Every ``fit`` passes ``verbose=VERBOSE`` (bars in full mode, silence in fast mode), never ``verbose=0``."""
    assert _silent_fits("h = model.fit(x, y,\n    epochs=2, verbose=0)") == [1]  # the check itself works
    assert _silent_fits("model.fit(x, y, verbose=VERBOSE)\npipe.fit(X, y)") == []
    assert _silent_fits("for n in progress(sizes):\n    model.fit(x, y, verbose=0)") == []
    assert _silent_fits("for i, n in enumerate(progress(sizes)):\n    model.fit(x, y, verbose=0)") == []
    assert _silent_fits("for n in sizes:\n    model.fit(x, y, verbose=0)") == [2]
    nb = nbformat.read(path, as_version=4)
    silent = [(i, line) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for line in _silent_fits(cell.source)]
    assert not silent, f"fit(..., verbose=0) en (celda, línea) {silent}: usa verbose=VERBOSE"


def test_second_seed_list_names_notebooks_that_take_the_seed_from_the_environment():
    listed = [line for line in (ROOT / ".ci" / "second-seed.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert listed, "CI reruns some notebooks under a second seed"
    for name in listed:
        assert (ROOT / name).is_file(), f"{name} no existe"
        setup_cell = nbformat.read(ROOT / name, as_version=4).cells
        assert any("setup(seed=42" in c.source for c in setup_cell if c.cell_type == "code"), name
    assert "COURSE_SEED=7" in (ROOT / ".ci" / "run").read_text()


STRATEGY_NOTEBOOKS = ("04", "06", "07", "08", "09", "10")  # they train large models in full mode


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in STRATEGY_NOTEBOOKS], ids=lambda p: p.name)
def test_large_models_are_built_under_the_distribution_strategy(path):
    """Issue 17: with two GPUs (Kaggle) setup() picks MirroredStrategy; these notebooks must use it."""
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert "with info.strategy.scope():" in code and "info.global_batch_size(" in code
