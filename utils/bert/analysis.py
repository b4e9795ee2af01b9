"""What a pretrained BERT computes: sentence vectors, contextual vs static word vectors, attention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Sequence

import numpy as np

from .. import config
from ..text import cosine_similarity
from .inputs import bert_inputs, check_texts, text_dataset
from .models import POOLINGS, pool

if TYPE_CHECKING:  # only for the annotations (loading imports inputs)
    from .loading import Bert

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
    inputs = bert_inputs()
    outputs = bert.backbone(inputs)
    extractor = keras.Model(inputs, {name: pool(outputs, inputs, name) for name in names})
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

    sentences = list(check_texts(sentences))
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




def attention_scores(bert, text: str, atol: float = 1e-3):
    """Self-attention weights of every layer and head of the encoder for one text.

    Returns ``(tokens, scores)``: the WordPiece tokens ([CLS] and [SEP] included, padding left
    out) and an array (num_layers, num_heads, n, n) whose row ``i`` says how token ``i`` spreads
    its attention over the ``n`` tokens (each row sums to 1). KerasHub's encoder does not return
    them, so each transformer block is called again with ``return_attention_scores=True`` on the
    previous block's output; the last output is checked against the encoder's own (``atol``).
    """
    import keras

    (text,) = check_texts([text])
    backbone = bert.backbone
    inputs = bert.preprocessor([text])
    n = int(np.asarray(inputs["padding_mask"])[0].sum())
    tokens = [bert.tokenizer.id_to_token(int(t)) for t in np.asarray(inputs["token_ids"])[0, :n]]
    hidden = keras.Model(backbone.input, backbone.get_layer("embeddings_dropout").output)(inputs)
    scores = []
    for i in range(backbone.num_layers):
        hidden, weights = backbone.get_layer(f"transformer_layer_{i}")(
            hidden, padding_mask=inputs["padding_mask"], return_attention_scores=True)
        scores.append(keras.ops.convert_to_numpy(weights)[0, :, :n, :n].astype("float32"))
    expected = keras.ops.convert_to_numpy(backbone(inputs)["sequence_output"])
    gap = float(np.max(np.abs(keras.ops.convert_to_numpy(hidden) - expected)))
    if gap > atol:
        raise RuntimeError(f"Las capas llamadas una a una no reproducen la salida del codificador "
                           f"(diferencia {gap:.2g} > {atol}): ¿ha cambiado KerasHub su TransformerEncoder?")
    return tokens, np.stack(scores)
