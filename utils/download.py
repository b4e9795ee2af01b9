"""Prepare a lab without internet: download once everything that chosen notebooks need.

    python -m utils.download 04 09 --modo completo
    python -m utils.download todos                  # every notebook, fast and full mode
    python -m utils.download 05 --lista             # only say what is missing and how big

Every item goes into ``$KERAS_HOME`` (default ``~/.keras``) with the notebooks' own download
calls (the entries of :data:`utils.catalog.DOWNLOADS`); the caches of TF Hub, KaggleHub and Hugging
Face live inside it too (:func:`utils.data.configure_caches`). Copy that folder to the lab's
machines, or point ``KERAS_HOME`` at a shared copy, and the course runs without internet.

What each notebook downloads is declared in its metadata (``metadata.course.downloads``, one
list of keys per mode); :func:`write_download_lines` writes the ``**Descargas:**`` line of each
notebook's header from it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import urllib.parse
from pathlib import Path

from . import catalog, data, errors

ROOT = Path(__file__).resolve().parents[1]
#: Values of ``--modo`` and the modes of ``metadata.course.downloads`` they select.
MODE_CHOICES = {"rápido": ("rápido",), "rapido": ("rápido",), "completo": ("completo",),
                "ambos": catalog.MODES}
DOWNLOADS_PREFIX = "**Descargas:**"

class SelectionError(ValueError):
    """The command line names no notebook or download that exists."""


# --------------------------------------------------------------------------- notebooks


def notebooks_folder() -> Path | None:
    """The course's ``notebooks/`` (next to ``utils/``, or in the current folder)."""
    for folder in (ROOT / "notebooks", Path.cwd() / "notebooks", Path.cwd()):
        if any(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    return None


def notebook_paths() -> list[Path]:
    folder = notebooks_folder()
    return sorted(folder.glob("[0-9][0-9]_*.ipynb")) if folder else []


def notebook_downloads(path: Path) -> dict[str, list[str]]:
    """``metadata.course.downloads`` of a notebook: ``{"rápido": [keys], "completo": [keys]}``."""
    meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    return meta.get("course", {}).get("downloads", {})


def write_download_lines(paths=None) -> list[Path]:
    """Write each notebook's ``**Descargas:**`` line (last line of its «## Objetivos» cell).

    The line is :func:`utils.catalog.downloads_markdown` of the notebook's ``metadata.course.downloads``.
    Returns the notebooks that changed (the others are not rewritten).
    """
    import nbformat

    changed = []
    for path in map(Path, paths if paths is not None else notebook_paths()):
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        line = catalog.downloads_markdown(nb.metadata.get("course", {}).get("downloads", {}))
        cells = [c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("## Objetivos")]
        if len(cells) != 1:
            raise ValueError(f"{path.name}: se esperaba una celda «## Objetivos»; hay {len(cells)}.")
        lines = [ln for ln in cells[0].source.split("\n") if not ln.startswith(DOWNLOADS_PREFIX)]
        while lines and not lines[-1].strip():
            lines.pop()
        source = "\n".join(lines + ["", line])
        if source != cells[0].source:
            cells[0].source = source
            out = nbformat.writes(nb)
            path.write_text(out if text.endswith("\n") else out.rstrip("\n"), encoding="utf-8")
            changed.append(path)
    return changed


def resolve_selection(selection: list[str], modes=catalog.MODES) -> tuple[list[str], list[str]]:
    """The download keys (in order, once each) and the notebooks that ``selection`` names.

    ``selection`` holds notebook numbers (``03``, ``7``), file names, ``todos``, or keys of
    :data:`utils.catalog.DOWNLOADS`.
    """
    if not selection:
        raise SelectionError("Indica qué cuadernos preparar (p. ej. «03 08») o «todos».")
    keys, names = [], []
    available = notebook_paths()

    def add_notebook(path: Path):
        declared = notebook_downloads(path)
        if not declared:
            raise SelectionError(f"{path.name} no declara sus descargas (metadata.course.downloads).")
        names.append(path.stem)
        keys.extend(k for mode in modes for k in declared.get(mode, []))

    for token in selection:
        if token in catalog.DOWNLOADS:
            keys.append(token)
            continue
        if token == "todos" or re.fullmatch(r"\d{1,2}(_\w+)?(\.ipynb)?", token):
            if not available:
                raise SelectionError(
                    "No encuentro los cuadernos (notebooks/NN_*.ipynb): ejecuta el comando desde la carpeta "
                    "del curso, o nombra directamente las descargas: " + ", ".join(catalog.DOWNLOADS) + ".")
            if token == "todos":
                for path in available:
                    add_notebook(path)
                continue
            prefix = f"{int(token[:2].rstrip('_')):02d}_"
            matches = [p for p in available if p.name.startswith(prefix)]
            if matches:
                add_notebook(matches[0])
                continue
        numbers = ", ".join(p.name[:2] for p in available) or "ninguno encontrado"
        raise SelectionError(
            f"«{token}» no es un cuaderno (hay: {numbers}), ni «todos», ni una descarga conocida "
            f"({', '.join(catalog.DOWNLOADS)}).")
    return list(dict.fromkeys(keys)), names


# --------------------------------------------------------------------------- errors


def _host(item: catalog.Download) -> str:
    url = urllib.parse.urlparse(item.source)
    if url.scheme in ("http", "https") and url.netloc:
        return url.netloc
    return {"KerasHub": "www.kaggle.com", "Hugging Face": "huggingface.co",
            "keras.applications": "storage.googleapis.com"}.get(item.kind, "el servidor")


def explain_failure(error: BaseException, item: catalog.Download) -> str:
    """The real cause of a failed download, in Spanish: no internet, HTTP error, corrupt file..."""
    where = data.keras_home() / item.cache_file if item.cache_file else item.find()
    return errors.explain(error, host=_host(item), source=item.source, path=where, again="el comando")


# --------------------------------------------------------------------------- command


class _Parser(argparse.ArgumentParser):
    """argparse with its few fixed English words in Spanish."""

    _WORDS = {"usage:": "uso:", "positional arguments:": "argumentos:", "options:": "opciones:",
              "show this help message and exit": "muestra esta ayuda y termina"}

    def _spanish(self, text: str) -> str:
        for english, spanish in self._WORDS.items():
            text = text.replace(english, spanish)
        return text

    def format_help(self):
        return self._spanish(super().format_help())

    def format_usage(self):
        return self._spanish(super().format_usage())

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m utils.download",
        description="Descarga en la caché del curso ($KERAS_HOME, por defecto ~/.keras) todo lo que necesitan "
                    "los cuadernos elegidos, para poder usarlos después sin internet.")
    parser.add_argument("cuadernos", nargs="*", metavar="CUADERNO",
                        help="números de cuaderno (00 … 10), «todos», o nombres de descargas concretas")
    parser.add_argument("--modo", default="ambos", metavar="MODO",
                        help="rápido, completo o ambos (por defecto: ambos)")
    parser.add_argument("--lista", action="store_true",
                        help="solo dice qué hay ya en la caché y qué falta, sin descargar nada")
    parser.add_argument("--comprobar", action="store_true",
                        help="carga también lo que ya está en la caché (como el cuaderno) para detectar ficheros dañados")
    return parser


def _folder_size_mb(folder: Path) -> float:
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total / 1e6


def reuse_instructions(home: Path) -> str:
    """How a lecturer reuses the prepared folder on the lab's machines."""
    return "\n".join([
        f"Para usar esta carpeta ({home}) en las máquinas del aula sin internet, elige una opción:",
        f"  1. Cópiala a cada máquina como ~/.keras:   mkdir -p ~/.keras && cp -r \"{home}/.\" ~/.keras/",
        "  2. Déjala en una carpeta compartida, con permiso de escritura para el alumnado, y en cada máquina,",
        "     antes de abrir Jupyter:",
        f"       export KERAS_HOME=\"{home}\"        (Windows: set KERAS_HOME=ruta\\de\\la\\carpeta)",
        "Dentro están también las cachés de TF Hub, KaggleHub y Hugging Face: el curso las busca ahí.",
        "Sin internet, define también HF_HUB_OFFLINE=1 (Hugging Face no pierde tiempo reintentando la conexión).",
        "Keras no usa una carpeta en la que no puede escribir (pasaría a /tmp/.keras): si la carpeta",
        "compartida es de solo lectura, usa la opción 1.",
    ])


def _missing_package(item: catalog.Download) -> str | None:
    return item.needs if item.needs and importlib.util.find_spec(item.needs) is None else None


def _process(item: catalog.Download, list_only: bool = False, verify: bool = False) -> tuple[str, str]:
    """(status, Spanish detail) of one item; status: cached, downloaded, skipped, missing or error."""
    where = item.find()
    if where is not None:
        home = data.keras_home()
        detail = "ya en la caché" if home in where.parents else f"ya disponible en {where}"
        if verify and not list_only:
            try:
                item.fetch()  # the notebook's own call: it reads the cache and fails on a damaged file
            except Exception as error:
                return "error", "ERROR: " + explain_failure(error, item)
            detail += " (comprobado)"
        return "cached", detail
    package = _missing_package(item)
    if package:
        return "skipped", (f"omitido: falta el paquete «{package}» y sin él el cuaderno se salta esta parte "
                           "(instálalo y repite el comando si la vas a usar)")
    if list_only:
        return "missing", "falta"
    try:
        item.fetch()
    except Exception as error:  # the reason is printed; a traceback would hide it
        return "error", "ERROR: " + explain_failure(error, item)
    if item.find() is None:
        return "error", (f"ERROR: se ha descargado pero no está en la caché esperada ({data.keras_home()}): "
                         "¿KERAS_HOME apunta a una carpeta sin permiso de escritura?")
    return "downloaded", "descargado"


def main(argv=None) -> int:
    """Run the command; returns the exit status (0 everything ready, 1 something failed, 2 bad arguments)."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    data.configure_caches()
    if args.modo not in MODE_CHOICES:
        print(f"error: --modo debe ser rápido, completo o ambos (recibido «{args.modo}»).", file=sys.stderr)
        return 2
    modes = MODE_CHOICES[args.modo]
    try:
        keys, names = resolve_selection(args.cuadernos, modes)
    except SelectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    home = data.keras_home()
    items = [catalog.DOWNLOADS[k] for k in keys]
    outside = {hub: folder for hub, folder in data.cache_folders().items() if home not in folder.parents}
    total = catalog.format_size(sum(i.size_mb for i in items), any(i.approx for i in items))
    print(f"Caché del curso: {home} (KERAS_HOME)")
    what = "descargas elegidas"
    count = f"{len(items)} elemento{'s' if len(items) != 1 else ''}"
    if names:
        what = f"cuaderno{'s' if len(names) != 1 else ''} {', '.join(n[:2] for n in names)}"
    print(f"{what[0].upper() + what[1:]} · modo {' y '.join(modes)} · {count}, {total} en total")
    for hub, folder in outside.items():
        print(f"Aviso: la caché de {hub} está en {folder}, fuera de {home} (por una variable de entorno ya "
              "definida: TFHUB_CACHE_DIR, KAGGLEHUB_CACHE, HF_HOME o HF_HUB_CACHE): cópiala también o quita esa "
              "variable para que el curso la guarde dentro.")
    print()

    counts = {"cached": 0, "downloaded": 0, "skipped": 0, "missing": 0, "error": 0}
    failed = []
    for number, (key, item) in enumerate(zip(keys, items), 1):
        prefix = f"[{number:>2}/{len(items)}] {item.label} ({item.size_text})"
        downloading = not args.lista and item.find() is None and _missing_package(item) is None
        if downloading:  # Keras and the hubs print their progress bars below this line
            print(f"{prefix}: descargando…", flush=True)
        try:
            status, detail = _process(item, args.lista, args.comprobar)
        except KeyboardInterrupt:
            print("\nInterrumpido: lo descargado hasta ahora se conserva; repite el comando para seguir.")
            return 130
        counts[status] += 1
        if status == "error":
            failed.append(key)
        if item.kind != "datos" and "keras" in sys.modules:  # the model was only built to download it
            sys.modules["keras"].backend.clear_session()
        print(f"{' ' * 8}{detail}" if downloading else f"{prefix}: {detail}", flush=True)

    labels = {"cached": "ya en la caché", "downloaded": "descargados", "skipped": "omitidos",
              "missing": "por descargar", "error": "con error"}
    summary = ", ".join(f"{n} {labels[s]}" for s, n in counts.items() if n)
    print(f"\nResumen: {summary}. La carpeta ocupa {catalog.format_size(_folder_size_mb(home))}.")
    if args.lista:
        if counts["missing"]:
            print("Para descargar lo que falta, repite el comando sin --lista (con internet).")
        return 0
    if failed:
        print(f"No se ha podido preparar: {', '.join(failed)}. Resuelve lo que dice cada error y repite el mismo "
              "comando: lo que ya está no se descarga de nuevo.")
    if counts["cached"] or counts["downloaded"]:
        print()
        print(reuse_instructions(home))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
