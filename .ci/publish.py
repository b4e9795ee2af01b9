#!/usr/bin/env python3
"""Write the course's home and release everywhere they appear, from ``utils/config.py``.

    python .ci/publish.py                                  # rewrite badges, setup cells, links
    python .ci/publish.py --repo OWNER/NAME --version 1.0.0   # change the home/release first
    python .ci/publish.py --check                          # exit 1 if anything is out of date

The home (``REPO``) and the release (``VERSION``) live in ``utils/config.py`` only. This script
renders ``.ci/setup_cell.py`` into the setup cell of every notebook, writes the Colab and Kaggle
badges of each notebook (its first cell and the README table) and the addresses in
``pyproject.toml`` and ``CITATION.cff``. The tests run ``--check``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from utils import config  # noqa: E402

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
KAGGLE_BADGE = "https://kaggle.com/static/images/open-in-kaggle.svg"
# A notebook's badges: the Colab one, optionally followed by the Kaggle one.
BADGES = re.compile(
    r"\[!\[Abrir en Colab\]\([^)]*\)\]\([^)]*?notebooks/(?P<nb>\d\d_[a-z0-9_]+\.ipynb)\)"
    r"(?: \[!\[Abrir en Kaggle\]\([^)]*\)\]\([^)]*\))?"
)


def badges(name: str) -> str:
    """Markdown of the Colab and Kaggle badges of ``notebooks/name`` at this release."""
    path = f"notebooks/{name}"
    return (f"[![Abrir en Colab]({COLAB_BADGE})]({config.colab_url(path)}) "
            f"[![Abrir en Kaggle]({KAGGLE_BADGE})]({config.kaggle_url(path)})")


def setup_cell() -> str:
    """The setup cell that every notebook carries, for this home and release."""
    text = (ROOT / ".ci" / "setup_cell.py").read_text(encoding="utf-8").rstrip("\n")
    return (text.replace("@REPO@", config.REPO).replace("@VERSION@", config.VERSION)
            .replace("@DISTRIBUTION@", config.DISTRIBUTION))


def _with_badges(text: str) -> str:
    return BADGES.sub(lambda m: badges(m.group("nb")), text)


def render_notebook(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = _with_badges(nb.cells[0].source)
    setup = [c for c in nb.cells if c.cell_type == "code" and "setup(seed=" in c.source]
    if len(setup) != 1:
        raise SystemExit(f"{path.name}: debe tener exactamente una celda con setup(seed=...)")
    setup[0].source = setup_cell()
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"  # as nbformat.write writes it


def render_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    home = f"https://github.com/{config.REPO}"
    if path.name == "README.md":
        text = _with_badges(text)
        text = re.sub(r"https://github\.com/[\w.-]+/[\w.-]+/archive/refs/tags/v[\w.]+\.zip", config.source_url(), text)
    elif path.name == "pyproject.toml":
        text = re.sub(r'^Homepage = ".*"$', f'Homepage = "{home}"', text, flags=re.M)
    elif path.name == "CITATION.cff":
        text = re.sub(r"^version: .*$", f'version: "{config.VERSION}"', text, flags=re.M)
        text = re.sub(r"^repository-code: .*$", f'repository-code: "{home}"', text, flags=re.M)
        text = re.sub(r"^url: .*$", f'url: "{home}"', text, flags=re.M)
    return text


def targets() -> dict[Path, str]:
    """Every file this script writes, with the content it should have."""
    out = {p: render_notebook(p) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    for name in ("README.md", "pyproject.toml", "CITATION.cff"):
        out[ROOT / name] = render_text(ROOT / name)
    return out


def set_home(repo: str | None, version: str | None) -> None:
    path = ROOT / "utils" / "config.py"
    text = path.read_text(encoding="utf-8")
    if repo:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise SystemExit(f"--repo debe ser PROPIETARIO/NOMBRE (recibido {repo!r})")
        text = re.sub(r'^REPO = ".*"$', f'REPO = "{repo}"', text, flags=re.M)
        config.REPO = repo
    if version:
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise SystemExit(f"--version debe ser X.Y.Z (recibido {version!r})")
        text = re.sub(r'^VERSION = ".*"$', f'VERSION = "{version}"', text, flags=re.M)
        config.VERSION = version
    path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", help="repositorio de GitHub PROPIETARIO/NOMBRE")
    parser.add_argument("--version", help="versión X.Y.Z (etiqueta git vX.Y.Z)")
    parser.add_argument("--check", action="store_true", help="solo comprobar; no escribe nada")
    args = parser.parse_args(argv)
    if args.check and (args.repo or args.version):
        parser.error("--check no admite --repo ni --version")
    if args.repo or args.version:
        set_home(args.repo, args.version)
    stale = {p: text for p, text in targets().items()
             if p.read_text(encoding="utf-8").rstrip("\n") != text.rstrip("\n")}  # a final newline or not
    if args.check:
        for p in stale:
            print(f"desactualizado: {p.relative_to(ROOT)} (ejecuta python .ci/publish.py)")
        return 1 if stale else 0
    for p, text in stale.items():
        p.write_text(text, encoding="utf-8")
        print(f"escrito: {p.relative_to(ROOT)}")
    print(f"Curso {config.REPO} v{config.VERSION}: {config.source_url()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
