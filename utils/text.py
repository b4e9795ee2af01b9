"""Text helpers of the NLP notebooks (05 word embeddings, 06 sequences and attention).

* :func:`make_vectorizer`: a ``keras.layers.TextVectorization`` adapted to some texts.
* :func:`cosine_similarity` and :class:`WordVectors`: look-up, nearest neighbours and
  analogies over a table of word vectors (e.g. GloVe from :func:`utils.data.load_glove`).
* :func:`embedding_matrix`: the initial weights of a ``keras.layers.Embedding`` built from
  pretrained vectors for the vocabulary of a ``TextVectorization`` layer.
* :func:`softmax`: the numerically stable softmax that notebook 06 uses to write self-attention
  by hand in NumPy (self-attention itself is written in the notebook, where it is taught).

Transformer layers come from Keras and KerasHub (``keras.layers.MultiHeadAttention``,
``keras_hub.layers.TokenAndPositionEmbedding``, ``TransformerEncoder``, ``TransformerDecoder``);
notebooks 06 and 07 use them directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


# --------------------------------------------------------------------------- vectorisation


def make_vectorizer(texts, max_tokens: int = 20000, sequence_length: int | None = 200,
                    output_mode: str = "int", standardize="lower_and_strip_punctuation"):
    """A ``TextVectorization`` layer adapted to ``texts``.

    ``output_mode="int"`` gives padded/truncated token ids of length ``sequence_length``
    (index 0 is padding, 1 is ``[UNK]``); ``"count"``, ``"multi_hot"`` or ``"tf_idf"`` give a
    bag of words of size ``max_tokens``.
    """
    import keras

    texts = np.asarray(texts, dtype=object)
    if texts.ndim != 1 or len(texts) == 0:
        raise ValueError(
            f"Pasa una lista no vacía de textos (una dimensión); llegó forma {texts.shape}."
        )
    if not isinstance(max_tokens, int) or max_tokens < 3:
        raise ValueError(f"max_tokens debe ser un entero ≥ 3 (recibido {max_tokens!r}).")
    modes = ("int", "count", "multi_hot", "tf_idf")
    if output_mode not in modes:
        raise ValueError(f"output_mode desconocido «{output_mode}»: usa uno de {modes}.")
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_mode=output_mode, standardize=standardize,
        output_sequence_length=sequence_length if output_mode == "int" else None,
    )
    vectorizer.adapt(np.array([str(t) for t in texts]))
    return vectorizer


# --------------------------------------------------------------------------- similarity


def cosine_similarity(a, b) -> np.ndarray | float:
    """Cosine similarity between vectors: (d,) x (d,) → float, (n, d) x (m, d) → (n, m).

    Zero vectors have similarity 0 with everything.
    """
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise ValueError(f"Se esperaban vectores (d,) o matrices (n, d); llegaron {a.shape} y {b.shape}.")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"Los vectores tienen dimensiones distintas: {a.shape[-1]} y {b.shape[-1]}."
        )
    a2, b2 = np.atleast_2d(a), np.atleast_2d(b)
    na = np.linalg.norm(a2, axis=1, keepdims=True)
    nb = np.linalg.norm(b2, axis=1, keepdims=True)
    sims = (a2 / np.where(na == 0, 1, na)) @ (b2 / np.where(nb == 0, 1, nb)).T
    if a.ndim == 1 and b.ndim == 1:
        return float(sims[0, 0])
    if a.ndim == 1:
        return sims[0]
    if b.ndim == 1:
        return sims[:, 0]
    return sims


class WordVectors:
    """A table of word vectors with look-up, similarity, neighbours and analogies.

    >>> words, vectors = data.load_glove()
    >>> glove = WordVectors(words, vectors)
    >>> glove.most_similar("cat", k=3)
    """

    def __init__(self, words: Sequence[str], vectors):
        vectors = np.asarray(vectors, dtype="float32")
        if vectors.ndim != 2:
            raise ValueError(f"Los vectores deben ser una matriz (palabras, dimensión); llegó {vectors.shape}.")
        if len(words) != len(vectors):
            raise ValueError(f"Hay {len(words)} palabras y {len(vectors)} vectores: deben coincidir.")
        self.words = list(words)
        self.vectors = vectors
        self.index = {w: i for i, w in enumerate(self.words)}
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._unit = vectors / np.where(norms == 0, 1, norms)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (raises a clear error if it is not in the vocabulary)."""
        if word not in self.index:
            raise KeyError(
                f"«{word}» no está en el vocabulario ({len(self):,} palabras; GloVe está en inglés y en "
                "minúsculas): prueba otra palabra o comprueba con `palabra in vectores`."
            )
        return self.vectors[self.index[word]]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity between two words."""
        return cosine_similarity(self.vector(w1), self.vector(w2))

    def nearest(self, vector, k: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors are closest (cosine) to ``vector``."""
        vector = np.asarray(vector, dtype="float32")
        if vector.shape != (self.dim,):
            raise ValueError(f"El vector debe tener forma ({self.dim},); llegó {vector.shape}.")
        if k < 1:
            raise ValueError(f"k debe ser ≥ 1 (recibido {k}).")
        sims = self._unit @ (vector / (np.linalg.norm(vector) or 1.0))
        skip = {self.index[w] for w in exclude if w in self.index}
        order = np.argsort(-sims)
        out = []
        for i in order:
            if i in skip:
                continue
            out.append((self.words[i], float(sims[i])))
            if len(out) == k:
                break
        return out

    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` nearest neighbours of ``word`` (the word itself excluded)."""
        return self.nearest(self.vector(word), k=k, exclude=[word])

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to …? (vector ``b - a + c``; the three words excluded).

        >>> glove.analogy("man", "king", "woman")   # → [("queen", 0.85...)]
        """
        target = self.vector(b) - self.vector(a) + self.vector(c)
        return self.nearest(target, k=k, exclude=[a, b, c])

    def sentence_vector(self, text: str) -> np.ndarray:
        """Mean of the vectors of the known words of ``text`` (lower-cased, split on spaces)."""
        tokens = [t.strip(".,;:!?¡¿\"'()") for t in str(text).lower().split()]
        known = [self.vector(t) for t in tokens if t in self.index]
        if not known:
            raise ValueError(f"Ninguna palabra de «{text}» está en el vocabulario.")
        return np.mean(known, axis=0)


def embedding_matrix(vocabulary: Sequence[str], words: Sequence[str], vectors) -> tuple[np.ndarray, float]:
    """Initial weights for ``keras.layers.Embedding`` from pretrained vectors.

    ``vocabulary``: the tokens of a ``TextVectorization`` (``vectorizer.get_vocabulary()``),
    row ``i`` of the result is the pretrained vector of token ``i``; tokens without a vector
    (padding ``''``, ``[UNK]``, rare words) get zeros. Returns ``(matrix, coverage)`` where
    ``coverage`` is the fraction of the vocabulary found among ``words``.
    """
    vectors = np.asarray(vectors, dtype="float32")
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise ValueError(
            f"Se esperaban N palabras y una matriz (N, dimensión); llegaron {len(words)} palabras "
            f"y forma {vectors.shape}."
        )
    if len(vocabulary) == 0:
        raise ValueError("El vocabulario está vacío: adapta antes el TextVectorization.")
    index = {w: i for i, w in enumerate(words)}
    matrix = np.zeros((len(vocabulary), vectors.shape[1]), dtype="float32")
    hits = 0
    for i, token in enumerate(vocabulary):
        j = index.get(token)
        if j is not None and token not in ("", "[UNK]"):
            matrix[i] = vectors[j]
            hits += 1
    return matrix, hits / len(vocabulary)


# --------------------------------------------------------------------------- attention


def softmax(x, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``."""
    x = np.asarray(x, dtype="float64")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
