"""The course's home and release are written once (utils/config.py) and agree everywhere."""

import importlib.util
import re
import tomllib
from pathlib import Path

import nbformat

from utils import config

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("publish", ROOT / ".ci" / "publish.py")
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)


def test_every_badge_setup_cell_and_link_agrees_with_config(capsys):
    assert publish.main(["--check"]) == 0, capsys.readouterr().out


def test_each_notebook_opens_its_own_release_on_colab_and_kaggle():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0].source
        for url in (config.colab_url(f"notebooks/{path.name}"), config.kaggle_url(f"notebooks/{path.name}")):
            assert f"({url})" in first and f"({url})" in readme, (path.name, url)
    assert config.source_url() in readme  # "Publicar el curso" names the archive the setup cell installs


def test_a_new_home_is_written_into_badges_and_setup_cells(monkeypatch):
    monkeypatch.setattr(config, "REPO", "otra-universidad/curso-dl")
    monkeypatch.setattr(config, "VERSION", "3.1.4")
    text = publish.render_notebook(ROOT / "notebooks" / "06_secuencias_atencion.ipynb")
    nb = nbformat.reads(text, as_version=4)
    assert "github/otra-universidad/curso-dl/blob/v3.1.4/notebooks/06_secuencias_atencion.ipynb" in nb.cells[0].source
    assert "curso-deep-learning-es" not in text
    setup = next(c.source for c in nb.cells if "setup(seed=" in c.source)
    assert 'REPO, VERSION = "otra-universidad/curso-dl", "3.1.4"' in setup
    assert 'version: "3.1.4"' in publish.render_text(ROOT / "CITATION.cff")


def test_package_metadata_reads_the_same_release():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == config.DISTRIBUTION
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "utils.config.VERSION"}
    assert meta["project"]["urls"]["Homepage"] == f"https://github.com/{config.REPO}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", config.VERSION)


def test_package_never_pins_what_colab_and_kaggle_ship():
    """Lower bounds only for the stack the runtimes bring, so pip keeps their versions."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    for dep in deps:
        name = re.match(r"[\w.-]+", dep).group(0)
        if name in ("tensorflow", "keras", "tf-keras", "tensorflow-text", "keras-hub", "numpy"):
            assert re.search(r">=[\d.]+(;|$)", dep.replace(" ", "")), dep
