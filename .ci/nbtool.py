#!/usr/bin/env python3
"""Developer tool: write course notebooks from percent-format scripts and back.

    python .ci/nbtool.py build notebooks/src.py notebooks/NN_tema.ipynb --assets cats_and_dogs,models/x.h5
    python .ci/nbtool.py export notebooks/NN_tema.ipynb /tmp/NN_tema.py   # to edit, then build again
    python .ci/nbtool.py clean notebooks/*.ipynb                             # strip outputs

Notebooks are committed clean (no outputs) with ``metadata.course.assets`` listing what the
tests need in the Keras cache (see conftest.py). Needs ``pip install jupytext``.
"""

import argparse
import json
from pathlib import Path

import nbformat

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def clean(nb, assets=None):
    nb.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        # metadata.course is kept whole (assets for the tests, downloads for the header line)
        "course": {**nb.metadata.get("course", {}), **({"assets": assets} if assets is not None else {})},
        "colab": {"provenance": [], "toc_visible": True},
        "accelerator": "GPU",
    }
    for i, cell in enumerate(nb.cells):
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        cell.id = f"c{i:03d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("src")
    b.add_argument("dst")
    b.add_argument("--assets", default="")
    e = sub.add_parser("export")
    e.add_argument("src")
    e.add_argument("dst")
    c = sub.add_parser("clean")
    c.add_argument("paths", nargs="+")
    args = parser.parse_args()
    import jupytext

    if args.cmd == "build":
        nb = jupytext.read(args.src, fmt="py:percent")
        assets = [a for a in args.assets.split(",") if a]
        if not assets and Path(args.dst).exists():
            assets = json.loads(Path(args.dst).read_text())["metadata"].get("course", {}).get("assets", [])
        nbformat.write(clean(nb, assets), args.dst)
    elif args.cmd == "export":
        jupytext.write(jupytext.read(args.src), args.dst, fmt="py:percent")
    else:
        for p in args.paths:
            nbformat.write(clean(nbformat.read(p, as_version=4)), p)


if __name__ == "__main__":
    main()
