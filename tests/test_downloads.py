"""What each notebook downloads: declared once, said in its header, prepared by one command offline."""

import dataclasses
import importlib.util
import json
import urllib.error
import zipfile
from pathlib import Path

import keras  # noqa: F401  Keras reads KERAS_HOME once, at import: before any test changes it
import pytest

from utils import catalog, data, download

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REGENERATE = "python -c 'from utils.download import write_download_lines; write_download_lines()'"


@pytest.fixture(autouse=True)
def _restore_cache_variables(monkeypatch):
    """The command sets TFHUB_CACHE_DIR, KAGGLEHUB_CACHE and HF_HUB_CACHE; put them back after each test."""
    for variable in (*data.CACHE_VARIABLES, "HF_HOME", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(variable, raising=False)


def _notebook(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def _declared(nb) -> dict:
    return nb["metadata"].get("course", {}).get("downloads")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_declares_its_downloads_with_known_keys(path):
    declared = _declared(_notebook(path))
    assert declared is not None, "falta metadata.course.downloads = {'rápido': [...], 'completo': [...]}"
    assert set(declared) == set(catalog.MODES), f"los modos son {catalog.MODES}"
    for mode, keys in declared.items():
        assert len(keys) == len(set(keys)), f"{mode}: claves repetidas"
        assert not set(keys) - set(catalog.DOWNLOADS), f"{mode}: claves que no están en utils.catalog.DOWNLOADS"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_header_download_line_is_generated_from_the_metadata(path):
    nb = _notebook(path)
    objectives = [c for c in nb["cells"] if c["cell_type"] == "markdown"
                  and "".join(c["source"]).lstrip().startswith("## Objetivos")]
    assert len(objectives) == 1
    lines = [ln for ln in "".join(objectives[0]["source"]).splitlines() if ln.startswith("**Descargas:**")]
    expected = catalog.downloads_markdown(_declared(nb))
    assert lines == [expected], f"la línea **Descargas:** no se escribe a mano; regenérala con {REGENERATE}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_declared_downloads_appear_in_the_code(path):
    nb = _notebook(path)
    code = _code(nb)
    for key in {k for keys in _declared(nb).values() for k in keys}:
        missing = [s for s in catalog.DOWNLOADS[key].in_code if s not in code]
        assert not missing, f"{key}: el código del cuaderno no contiene {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_the_code_downloads_is_declared(path):
    nb = _notebook(path)
    code = _code(nb)
    declared = {k for keys in _declared(nb).values() for k in keys}
    used = {key for key, item in catalog.DOWNLOADS.items() if all(s in code for s in item.in_code)}
    assert not used - declared, f"el código descarga {sorted(used - declared)} y los metadatos no lo dicen"


def test_downloads_table_is_complete():
    assert set(data.ASSETS) <= set(catalog.DOWNLOADS)
    for key, item in catalog.DOWNLOADS.items():
        assert item.label and item.size_mb > 0 and item.in_code, key
        assert callable(item.fetch) and callable(item.find), key
        assert item.kind in {"datos", "keras.applications", "KerasHub", "TF Hub", "Hugging Face", "fastai"}, key
        assert item.approx == (item.kind in {"KerasHub", "TF Hub", "Hugging Face", "fastai"}), f"{key}: ≈ solo si se estima"
    assert catalog.DOWNLOADS["imdb"].size_text == "84 MB" and catalog.DOWNLOADS["bert_base_multi"].size_text == "≈711 MB"


@pytest.mark.skipif(importlib.util.find_spec("keras_hub") is None, reason="KerasHub no está instalado")
def test_kerashub_entries_match_kerashub_presets():
    import keras_hub

    presets = keras_hub.models.BertBackbone.presets
    hub_items = {key: item for key, item in catalog.DOWNLOADS.items() if item.kind == "KerasHub"}
    assert hub_items
    for key, item in hub_items.items():  # the key is the preset's name
        assert item.source == presets[key]["kaggle_handle"], key
        assert item.size_mb == pytest.approx(presets[key]["metadata"]["params"] * 4 / 1e6), key


class _Asked(Exception):
    pass


def test_keras_applications_entries_name_the_file_that_keras_downloads(monkeypatch):
    """Each fetch() builds the real network, which asks get_file for exactly the cache file we expect."""
    from keras.src.utils import file_utils

    def asked(fname, origin=None, **kwargs):
        raise _Asked(fname, kwargs.get("cache_subdir"))

    monkeypatch.setattr(file_utils, "get_file", asked)
    items = {key: item for key, item in catalog.DOWNLOADS.items() if item.kind == "keras.applications"}
    assert len(items) == 14
    for key, item in items.items():
        with pytest.raises(_Asked) as info:
            item.fetch()
        fname, subdir = info.value.args
        assert f"{subdir}/{fname}" == item.cache_file, key


def test_downloads_markdown_formats():
    assert catalog.downloads_markdown({"rápido": [], "completo": []}).startswith("**Descargas:** ninguna")
    assert catalog.downloads_markdown({"rápido": ["imdb"], "completo": ["imdb"]}) == \
        "**Descargas:** 84 MB en los dos modos: IMDB (84 MB)"
    line = catalog.downloads_markdown({"rápido": ["minilm"], "completo": ["bert_base_multi"]})
    assert line.startswith("**Descargas:** modo rápido hasta ≈91 MB · modo completo ≈711 MB. Solo en el rápido:")
    assert catalog.format_size(0.035) == "35 kB" and catalog.format_size(7.5) == "7,5 MB"
    assert catalog.format_size(1234, approx=True) == "≈1,2 GB"
    with pytest.raises(ValueError, match="desconocida"):
        catalog.downloads_markdown({"rápido": ["mnist_de_mentira"], "completo": []})


def test_write_download_lines_rewrites_only_that_line(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Prueba"),
                nbformat.v4.new_markdown_cell("## Objetivos\n\n- uno\n\n**Descargas:** escrito a mano")]
    nb.metadata["course"] = {"downloads": {"rápido": ["imdb"], "completo": ["imdb"]}}
    path = tmp_path / "99_prueba.ipynb"
    nbformat.write(nb, path)
    assert download.write_download_lines([path]) == [path]
    assert nbformat.read(path, as_version=4).cells[1].source == \
        "## Objetivos\n\n- uno\n\n**Descargas:** 84 MB en los dos modos: IMDB (84 MB)"
    assert download.write_download_lines([path]) == []  # already up to date: not rewritten


# --------------------------------------------------------------------------- the command


def test_selection_of_notebooks_and_modes():
    keys, names = download.resolve_selection(["4"], ("rápido",))
    assert names == ["04_transfer_learning_vision"] and "mobilenetv2_035_128_notop" in keys
    assert "efficientnetv2s_notop" not in keys
    keys, _ = download.resolve_selection(["todos"])
    assert set(keys) == {k for p in NOTEBOOKS for keys in _declared(_notebook(p)).values() for k in keys}
    assert download.resolve_selection(["imdb", "06"])[0] == ["imdb"]  # once each (06 only needs IMDB)
    with pytest.raises(download.SelectionError, match="no es un cuaderno"):
        download.resolve_selection(["42"])


@pytest.mark.skipif(not catalog.DOWNLOADS["fashion_mnist"].is_cached(), reason="Fashion-MNIST no está en la caché")
def test_command_reports_what_is_already_cached(capsys):
    assert download.main(["00", "--modo", "rápido"]) == 0
    out = capsys.readouterr().out
    assert "Fashion-MNIST (30 MB): ya en la caché" in out
    assert "KERAS_HOME" in out and "cp -r" in out  # how to reuse the folder in the lab


def test_command_list_only_downloads_nothing(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def must_not_download():
        raise AssertionError("--lista no descarga nada")

    monkeypatch.setitem(catalog.DOWNLOADS, "imdb", dataclasses.replace(catalog.DOWNLOADS["imdb"], fetch=must_not_download))
    assert download.main(["05", "--lista"]) == 0
    assert "IMDB (84 MB): falta" in capsys.readouterr().out


def _failing(error: Exception) -> catalog.Download:
    def fetch():
        try:
            raise error
        except Exception as cause:  # the loaders wrap the real error like this
            raise data.CourseDataError("No se ha podido obtener «roto».") from cause

    return catalog.Download("descarga rota", 1, False, "datos", "https://example.invalid/roto.zip",
                         fetch, lambda: None, ("roto",))


@pytest.mark.parametrize("error, expected", [
    (urllib.error.URLError(OSError(-2, "Name or service not known")), "sin conexión a internet"),
    (Exception("URL fetch failure on https://example.invalid/roto.zip: 404 -- Not Found"), "error HTTP 404"),
    (zipfile.BadZipFile("File is not a zip file"), "dañado o incompleto"),
    (OSError("Unable to synchronously open file (file signature not found)"), "dañado o incompleto"),
], ids=["sin-internet", "http-404", "zip-dañado", "h5-dañado"])
def test_command_failure_says_the_cause_in_spanish(monkeypatch, capsys, error, expected):
    monkeypatch.setitem(catalog.DOWNLOADS, "roto", _failing(error))
    assert download.main(["roto"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "descarga rota (1,0 MB): descargando…\n        ERROR: " in text and expected in text
    assert "Traceback" not in text and "No se ha podido preparar: roto" in text


def test_command_real_download_without_internet(monkeypatch, capsys, tmp_path):
    """A real loader, with nothing in the cache and no network: Spanish reason, exit 1, no traceback."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "IMAGENET_INDEX_URL", "http://127.0.0.1:9/imagenet_class_index.json")
    assert download.main(["imagenet_class_index"]) == 1
    text = "".join(capsys.readouterr())
    assert "nombres de las clases de ImageNet (35 kB): descargando…" in text
    assert "ERROR: sin conexión a internet" in text and "Traceback" not in text


def test_command_rejects_unknown_names_and_modes(capsys):
    assert download.main(["42"]) == 2
    assert download.main(["00", "--modo", "lento"]) == 2
    assert download.main([]) == 2
    err = capsys.readouterr().err
    assert "no es un cuaderno" in err and "--modo debe ser" in err and "Indica qué cuadernos" in err


def test_command_check_finds_a_damaged_file(monkeypatch, capsys, tmp_path):
    """``--comprobar`` loads what is cached with the notebook's call: a corrupt zip is named, to delete it."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "glove.6B.zip").write_bytes(b"no es un zip")
    assert download.main(["glove"]) == 0  # without --comprobar: the file is there
    assert download.main(["glove", "--comprobar"]) == 1
    text = capsys.readouterr().out
    assert f"ERROR: fichero dañado o incompleto: {tmp_path / 'datasets' / 'glove.6B.zip'}" in text
    assert "Bórralo" in text and "Traceback" not in text
