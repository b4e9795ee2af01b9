"""`.ci/run-full`: runs a notebook, times its sections, reads its headline figures, says what failed."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_full", ROOT / ".ci" / "run_full.py")
run_full = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_full)


def notebook(tmp_path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbformat.v4.new_code_cell(c)
                for c in cells]
    path = tmp_path / "99_prueba.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_runs_gives_its_figures_sections_and_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(run_full.HEADLINES, "99", {"exactitud": "acc", "perplejidad": "no_existe"})
    path = notebook(tmp_path, "md:## 1. Datos", "import os, time; time.sleep(0.6); mode = os.environ['COURSE_FAST']",
                    "md:## 2. Modelo", "time.sleep(0.6); acc = 0.875 if mode == '0' else 0.5")
    row = run_full.run_notebook(path, fast=False, seed=7, timeout=60)
    assert row["estado"] == "ok"
    assert row["resultados"]["exactitud"] == 0.875  # full mode reached the kernel: COURSE_FAST=0
    assert row["resultados"]["perplejidad"].startswith("sin dato (NameError")  # never invented
    assert [name for name, _ in row["secciones"]] == ["1. Datos", "2. Modelo"]
    assert all(0.5 <= secs < 30 for _, secs in row["secciones"])
    table = run_full.markdown([row], "completo", 7, "CPU")
    assert "| 99_prueba.ipynb | ok |" in table and "exactitud: 0.875" in table and "| 99 | 2. Modelo |" in table


def test_a_failing_cell_is_named_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setitem(run_full.HEADLINES, "99", {"x": "x"})
    path = notebook(tmp_path, "x = 1", "raise ValueError('roto')", "x = 2")
    row = run_full.run_notebook(path, fast=True, seed=42, timeout=60)
    assert row["estado"] == "falla en la celda 1: ValueError"
    assert row["resultados"] == {}


def test_the_headline_expressions_name_real_notebooks():
    numbers = {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert set(run_full.HEADLINES) <= numbers
    with pytest.raises(SystemExit, match="No hay cuadernos con número"):
        run_full.select(["77"])
    json.dumps(run_full.HEADLINES)  # the cell embeds them as JSON
