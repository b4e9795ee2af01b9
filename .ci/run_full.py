#!/usr/bin/env python3
"""Run course notebooks top to bottom (full mode by default) and write one results table.

    bash .ci/run-full                      # every notebook, full mode, seed 42
    bash .ci/run-full 00 03 06 --seed 7    # some notebooks
    bash .ci/run-full 01 --modo rápido     # the same path in fast mode (what CI checks)

For each notebook it records whether it ran, its wall time, the wall time of each ``##`` section
(from nbclient's per-cell timing) and the headline figures listed in ``HEADLINES`` below
(exactitud, perplejidad…), read from the kernel once the notebook has finished. It writes a
Markdown table and the same data as JSON (``--out``, default ``results/modo-<modo>-<máquina>.md``),
with the machine, the versions and the seed in its header. Meant for a GPU (Colab, Kaggle); on a CPU
it runs what fits (see the README, «Resultados en modo completo»).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
MARK = "__COURSE_HEADLINES__"

# Headline figures per notebook: label → Python expression evaluated in the notebook's kernel at the
# end. A figure whose expression fails is reported as missing (the notebook changed): never invented.
HEADLINES: dict[str, dict[str, str]] = {
    "00": {"exactitud en prueba": "test_acc"},
    "01": {"AUC (mejor clasificador)": "results['AUC'].max()", "R² (mejor regresor)": "reg_results['R²'].max()"},
    "02": {"exactitud, retropropagación a mano": "acc_np"},
    "03": {"exactitud CNN (prueba)": "results.loc['cnn', 'exactitud']",
           "exactitud densa (prueba)": "results.loc['densa', 'exactitud']"},
    "04": {"exactitud sin entrenar (ImageNet)": "zero_shot_acc", "exactitud desde cero": "acc_scratch",
           "exactitud extracción": "acc_features", "exactitud fine-tuning": "acc_ft",
           "exactitud tasas por capa": "acc_disc", "exactitud final (prueba)": "test_acc"},
    "05": {"exactitud GloVe ajustado (mayor tamaño)": "tuned[-1]", "exactitud desde cero (mayor tamaño)": "scratch[-1]",
           "exactitud GloVe congelado (mayor tamaño)": "frozen[-1]"},
    "06": {"exactitud CNN 1-D": "accuracy['CNN 1-D']", "exactitud BiLSTM": "accuracy['BiLSTM']",
           "exactitud Transformer": "accuracy['Transformer']"},
    "07": {"palabras invertidas exactas": "exact['Transformer']", "atención cruzada alineada": "aligned",
           "exponente de la atención": "attention_exponent", "exponente de la LSTM": "lstm_exponent"},
    "08": {"perplejidad unigramas": "unigram_ppl", "perplejidad trigramas": "trigram_ppl",
           "perplejidad LSTM": "lstm_ppl"},
    "10": {"perplejidad LM general": "general_ppl", "perplejidad LM tras ajustar al dominio": "after_ppl",
           "ULMFiT − desde cero, 100 etiquetas": "gaps.mean()",
           "exactitud ULMFiT, 100 etiquetas": "scores['ULMFiT'][:, 0].mean()"},
}


def headline_cell(expressions: dict[str, str]) -> nbformat.NotebookNode:
    """The cell appended to a notebook to read its headline figures (one JSON line on stdout)."""
    source = (
        "import json as _json\n"
        f"_exprs = {json.dumps(expressions, ensure_ascii=False)}\n"
        "_found = {}\n"
        "for _label, _expr in _exprs.items():\n"
        "    try:\n"
        "        _found[_label] = float(eval(_expr))\n"
        "    except Exception as _error:  # a renamed variable: reported, not invented\n"
        "        _found[_label] = f'sin dato ({type(_error).__name__})'\n"
        f"print({MARK!r} + _json.dumps(_found, ensure_ascii=False))\n"
    )
    return nbformat.v4.new_code_cell(source)


def _seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def section_times(nb) -> list[tuple[str, float]]:
    """``[(sección, segundos)]`` in notebook order: code cells grouped under the last ``##`` heading."""
    sections: dict[str, float] = {}
    current = "(inicio)"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = re.search(r"^##\s+(.+)$", cell.source, re.MULTILINE)
            if heading:
                current = heading.group(1).strip()
        elif cell.cell_type == "code":
            sections[current] = sections.get(current, 0.0) + _seconds(cell)
    return [(name, secs) for name, secs in sections.items() if secs >= 0.5]


def run_notebook(path: Path, fast: bool, seed: int, timeout: int) -> dict:
    nb = nbformat.read(path, as_version=4)
    expressions = HEADLINES.get(path.name[:2], {})
    nb.cells.append(headline_cell(expressions))
    env_before = dict(os.environ)
    os.environ.update(COURSE_FAST="1" if fast else "0", COURSE_SEED=str(seed),
                      PYDEVD_DISABLE_FILE_VALIDATION="1")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    status, start = "ok", time.monotonic()
    try:
        client.execute()
    except CellExecutionError as error:
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        status = f"falla en la celda {failed}: {getattr(error, 'ename', None) or 'error'}"
    except (DeadKernelError, TimeoutError) as error:
        status = f"se detuvo: {type(error).__name__}"
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    wall = time.monotonic() - start
    found = {}
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if MARK in text:
            found = json.loads(text.split(MARK, 1)[1].strip().splitlines()[0])
    return {"cuaderno": path.name, "estado": status, "segundos": round(wall, 1),
            "secciones": [(name, round(secs, 1)) for name, secs in section_times(nb)],
            "resultados": found, "esperados": list(expressions)}


def machine() -> tuple[str, bool]:
    """What ran the notebooks, in words, and whether it had a GPU."""
    try:
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
        versions = f"TensorFlow {tf.__version__}"
    except ImportError:  # the table still says what ran where
        gpus, versions = [], "sin TensorFlow"
    try:
        import keras

        versions += f" · Keras {keras.__version__}"
    except ImportError:
        pass
    where = f"{len(gpus)} GPU" if gpus else f"CPU ({os.cpu_count()} núcleos lógicos)"
    return f"{where} · {platform.system()} · Python {platform.python_version()} · {versions}", bool(gpus)


def fmt_value(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def markdown(rows: list[dict], mode: str, seed: int, where: str) -> str:
    lines = [f"# Resultados · modo {mode} · semilla {seed}", "",
             f"{where} · {dt.date.today().isoformat()} · `bash .ci/run-full` ({Path(__file__).name})", "",
             "| cuaderno | estado | tiempo | resultados |", "|---|---|---|---|"]
    for r in rows:
        results = "; ".join(f"{k}: {fmt_value(v)}" for k, v in r["resultados"].items()) or "—"
        lines.append(f"| {r['cuaderno']} | {r['estado']} | {r['segundos'] / 60:.1f} min | {results} |")
    lines += ["", "## Tiempo por sección", "", "| cuaderno | sección | tiempo |", "|---|---|---|"]
    for r in rows:
        for name, secs in r["secciones"]:
            lines.append(f"| {r['cuaderno'][:2]} | {name} | {secs:.0f} s |")
    return "\n".join(lines) + "\n"


def select(numbers: list[str]) -> list[Path]:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not numbers:
        return notebooks
    wanted = {n.zfill(2) for n in numbers}
    unknown = wanted - {p.name[:2] for p in notebooks}
    if unknown:
        sys.exit(f"No hay cuadernos con número {sorted(unknown)}. Hay: {[p.name[:2] for p in notebooks]}.")
    return [p for p in notebooks if p.name[:2] in wanted]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cuadernos", nargs="*", help="números (00 … 10); ninguno = todos")
    parser.add_argument("--modo", choices=("completo", "rápido"), default="completo")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=int, default=6 * 3600, help="segundos por celda")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    where, has_gpu = machine()
    out = args.out or ROOT / "results" / f"modo-{args.modo}-{'gpu' if has_gpu else 'cpu'}.md"
    # Rows of earlier runs with the same table (other notebooks, same mode and seed) are kept.
    previous = out.with_suffix(".json")
    rows = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() else []
    rows = [r for r in rows if (r.get("modo"), r.get("semilla")) == (args.modo, args.seed)]
    for path in select(args.cuadernos):
        rows = [r for r in rows if r["cuaderno"] != path.name]
        print(f"→ {path.name} (modo {args.modo}, semilla {args.seed})…", flush=True)
        row = run_notebook(path, fast=args.modo == "rápido", seed=args.seed, timeout=args.timeout)
        row.update(modo=args.modo, semilla=args.seed)
        print(f"   {row['estado']} en {row['segundos'] / 60:.1f} min · {row['resultados']}", flush=True)
        rows = sorted([*rows, row], key=lambda r: r["cuaderno"])
        out.parent.mkdir(parents=True, exist_ok=True)  # written after each notebook: nothing lost
        out.write_text(markdown(rows, args.modo, args.seed, where), encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Tabla: {out}")
    return 0 if all(r["estado"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
