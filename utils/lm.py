"""Language-model plumbing: tokenise → ids → (input, next-token) windows → LSTM LM → perplexity.

Used by notebooks 08 (language models) and 10 (ULMFiT). The concepts (the chain rule, what
perplexity means, n-gram counts) are written in the notebooks; this module holds the parts
that both notebooks reuse:

* :func:`tokenize` and :class:`Vocabulary`: words and punctuation → integer ids.
* :func:`corpus_ids`, :func:`lm_windows`, :func:`lm_dataset`: a corpus as one stream of ids,
  cut into windows whose target is the same window shifted one token to the left.
* :func:`unigram_perplexity`, :func:`model_perplexity`: perplexity = exp(mean negative log-likelihood).
* :func:`apply_temperature`, :func:`sample_next`, :func:`generate`: sampling with temperature.
* :func:`build_lstm_lm`, :func:`lm_encoder`: an AWD-LSTM-style (simplified) LSTM language
  model whose encoder (embedding + LSTM stack) a classifier can reuse (see ``utils.ulmfit``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from . import config

PAD, UNK, BOS = "<pad>", "<unk>", "<bos>"
SPECIALS = (PAD, UNK, BOS)

_TOKEN_RE = re.compile(r"\w+(?:'\w+)?|[^\w\s]", re.UNICODE)


def tokenize(text: str, lower: bool = True) -> list[str]:
    """Split a text into words and punctuation marks: ``"¡Hola, mundo!"`` → ``['¡', 'hola', ',', 'mundo', '!']``."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize espera un texto (str); llegó {type(text).__name__}.")
    return _TOKEN_RE.findall(text.lower() if lower else text)


class Vocabulary:
    """Bidirectional token ↔ id mapping. Ids 0, 1, 2 are ``<pad>``, ``<unk>`` and ``<bos>``.

    >>> vocab = Vocabulary.build(["el perro come", "el gato come"], max_size=10)
    >>> vocab.encode("el perro vuela")  # 'vuela' is unknown → 1
    """

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[: len(SPECIALS)] != list(SPECIALS):
            raise ValueError(f"Un vocabulario debe empezar por {SPECIALS}; usa Vocabulary.build(textos).")
        if len(set(tokens)) != len(tokens):
            raise ValueError("El vocabulario tiene tokens repetidos.")
        self.itos = tokens
        self.stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, texts: Iterable[str], max_size: int = 10_000, min_freq: int = 1) -> "Vocabulary":
        """The ``max_size`` most frequent tokens (specials included) seen at least ``min_freq`` times."""
        if max_size <= len(SPECIALS):
            raise ValueError(f"max_size debe ser mayor que {len(SPECIALS)} (los tokens especiales).")
        counts = Counter()
        for text in texts:
            counts.update(tokenize(text))
        if not counts:
            raise ValueError("No hay texto con el que construir el vocabulario (lista vacía).")
        common = [t for t, c in counts.most_common(max_size - len(SPECIALS)) if c >= min_freq]
        vocab = cls([*SPECIALS, *[t for t in common if t not in SPECIALS]])
        vocab.counts = counts
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, text: str) -> np.ndarray:
        """Token ids of a text (unknown words → ``<unk>``)."""
        unk = self.stoi[UNK]
        return np.array([self.stoi.get(t, unk) for t in tokenize(text)], dtype="int32")

    def decode(self, ids: Iterable[int]) -> str:
        """Text of a sequence of ids (padding skipped)."""
        out = []
        for i in np.asarray(list(ids)).ravel():
            if not 0 <= int(i) < len(self.itos):
                raise ValueError(f"El id {int(i)} no está en el vocabulario (tamaño {len(self.itos)}).")
            if int(i) != 0:
                out.append(self.itos[int(i)])
        return " ".join(out)


def corpus_ids(texts: Iterable[str], vocab: Vocabulary, add_bos: bool = True) -> np.ndarray:
    """A corpus as one stream of ids; ``<bos>`` marks where each document starts (as fastai's ``xxbos``)."""
    bos = vocab.stoi[BOS]
    parts = [np.concatenate([[bos], vocab.encode(t)]) if add_bos else vocab.encode(t) for t in texts]
    if not parts:
        raise ValueError("corpus_ids recibió una lista de textos vacía.")
    return np.concatenate(parts).astype("int32")


def lm_windows(ids, seq_len: int, stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a stream of ids into language-model examples.

    Returns ``(x, y)``, both of shape ``(n, seq_len)``, with ``y[:, t] = x[:, t + 1]`` in the
    stream: the target of every position is the next token. ``stride`` defaults to ``seq_len``
    (non-overlapping windows).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"lm_windows espera un vector 1-D de ids (usa corpus_ids); tiene forma {ids.shape}.")
    if seq_len < 1:
        raise ValueError(f"seq_len debe ser ≥ 1 (recibido {seq_len}).")
    stride = stride or seq_len
    starts = np.arange(0, len(ids) - seq_len, stride)
    if len(starts) == 0:
        raise ValueError(f"El corpus tiene {len(ids)} tokens: hacen falta más de seq_len={seq_len}.")
    index = starts[:, None] + np.arange(seq_len)[None, :]
    return ids[index].astype("int32"), ids[index + 1].astype("int32")


def lm_dataset(ids, seq_len: int, batch_size: int = 64, shuffle: bool = True, seed: int | None = None):
    """``tf.data.Dataset`` of ``(x, y)`` windows from :func:`lm_windows`, batched (and shuffled).

    ``seed`` (of the shuffle) defaults to the course's seed, :data:`utils.config.SEED`.
    """
    import tensorflow as tf

    x, y = lm_windows(ids, seq_len)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=config.SEED if seed is None else seed)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def pad_ids(sequences: Sequence[Sequence[int]], max_len: int) -> np.ndarray:
    """Cut or pad (with 0 at the end) each sequence of ids to ``max_len``: int32 ``(n, max_len)``.

    ``keras.utils.pad_sequences`` with the end as the side for both (Keras pads and cuts at the
    START by default): right padding keeps the mask a prefix of ones, which cuDNN's LSTM needs.
    """
    import keras

    if max_len < 1:
        raise ValueError(f"max_len debe ser ≥ 1 (recibido {max_len}).")
    return keras.utils.pad_sequences(list(sequences), maxlen=max_len, dtype="int32", padding="post",
                                     truncating="post", value=0)


def encode_texts(texts: Iterable[str], vocab: Vocabulary, max_len: int, add_bos: bool = True) -> np.ndarray:
    """Documents → padded matrix of ids ``(n, max_len)`` for a classifier (same ids as the LM)."""
    bos = [vocab.stoi[BOS]] if add_bos else []
    return pad_ids([np.concatenate([bos, vocab.encode(t)]) for t in texts], max_len)


# --------------------------------------------------------------------------- perplexity


def perplexity_from_probs(probs) -> float:
    """Perplexity of a text given the probability the model gave to each of its tokens.

    ``PP = exp(-(1/N) Σ log p_i)``: the geometric mean of ``1/p_i``. A model that spreads its
    probability uniformly over ``V`` tokens has perplexity ``V``.
    """
    probs = np.asarray(probs, dtype="float64").ravel()
    if probs.size == 0:
        raise ValueError("Hace falta al menos una probabilidad.")
    if np.any(probs <= 0) or np.any(probs > 1):
        raise ValueError("Las probabilidades deben estar en (0, 1]; suaviza el modelo para evitar ceros.")
    return float(np.exp(-np.mean(np.log(probs))))


def unigram_probs(ids, vocab_size: int, smoothing: float = 1.0) -> np.ndarray:
    """Unigram model: relative frequency of each id, with add-``smoothing`` (Laplace) counts."""
    ids = np.asarray(ids).ravel()
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"Hay ids fuera de [0, {vocab_size}): ¿es vocab_size el tamaño del vocabulario?")
    counts = np.bincount(ids, minlength=vocab_size).astype("float64") + smoothing
    return counts / counts.sum()


def unigram_perplexity(train_ids, eval_ids, vocab_size: int, smoothing: float = 1.0) -> float:
    """Perplexity on ``eval_ids`` of a unigram model counted on ``train_ids`` (the baseline to beat)."""
    p = unigram_probs(train_ids, vocab_size, smoothing)
    return perplexity_from_probs(p[np.asarray(eval_ids).ravel()])


def model_perplexity(model, x, y, batch_size: int = 128, verbose: int | None = None) -> float:
    """Perplexity of a Keras LM (outputs logits ``(batch, time, vocab)``) on windows ``(x, y)``.

    ``verbose``: Keras verbosity, a progress bar over the batches; ``None`` means
    :func:`utils.config.verbose` (a bar in full mode, silence in fast mode).
    """
    import keras

    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"x e y deben ser matrices (n, seq_len) con la misma forma; tienen {x.shape} y {y.shape}.")
    starts = range(0, len(x), batch_size)
    bar = keras.utils.Progbar(len(starts), verbose=config.verbose() if verbose is None else verbose, unit_name="lote")
    total, count = 0.0, 0
    for i, start in enumerate(starts, 1):
        logits = model(x[start:start + batch_size], training=False)
        logp = keras.ops.log_softmax(logits, axis=-1)
        target = keras.ops.take_along_axis(logp, y[start:start + batch_size][..., None].astype("int32"), axis=-1)
        total -= float(keras.ops.sum(target))
        count += target.shape[0] * target.shape[1]
        bar.update(i)
    return float(np.exp(total / count))


# --------------------------------------------------------------------------- sampling


def apply_temperature(probs, temperature: float) -> np.ndarray:
    """Re-weight a distribution: ``p_i^(1/T) / Σ p_j^(1/T)``. T < 1 sharpens it, T > 1 flattens it."""
    if temperature <= 0:
        raise ValueError(f"La temperatura debe ser > 0 (recibido {temperature}); para la moda usa argmax.")
    probs = np.asarray(probs, dtype="float64")
    logp = np.log(np.clip(probs, 1e-300, None)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    p = np.exp(logp) * (probs > 0)
    return p / p.sum(axis=-1, keepdims=True)


def sample_next(probs, temperature: float = 1.0, rng: np.random.Generator | None = None) -> int:
    """Draw one token id from ``probs`` re-weighted with ``temperature``."""
    rng = rng if rng is not None else np.random.default_rng()
    p = apply_temperature(probs, temperature)
    return int(rng.choice(len(p), p=p))


def next_token_probs(model, ids: Sequence[int], banned: Sequence[int] = (0, 1, 2)) -> np.ndarray:
    """Distribution of the next token after ``ids`` (``banned`` ids get probability 0)."""
    import keras

    if len(ids) == 0:
        raise ValueError("Hace falta al menos un token de contexto (p. ej. <bos>).")
    logits = model(np.asarray([ids], dtype="int32"), training=False)[0, -1]
    p = np.asarray(keras.ops.softmax(logits), dtype="float64")
    p[list(banned)] = 0
    return p / p.sum()


def generate(model, vocab: Vocabulary, prompt: str, num_tokens: int = 20, temperature: float = 1.0,
             seed: int = 0) -> str:
    """Continue ``prompt`` token by token: ids → probabilities → sample → append, ``num_tokens`` times."""
    rng = np.random.default_rng(seed)
    ids = [vocab.stoi[BOS], *vocab.encode(prompt).tolist()]
    for _ in range(num_tokens):
        ids.append(sample_next(next_token_probs(model, ids), temperature, rng))
    return vocab.decode(ids[1:])


# --------------------------------------------------------------------------- model


def build_lstm_lm(vocab_size: int, embed_dim: int = 64, hidden_dim: int = 128, num_layers: int = 2,
                  embed_dropout: float = 0.1, dropout: float = 0.2, output_bias=None, embedding_matrix=None,
                  name: str = "lstm_lm"):
    """A word-level LSTM language model in the spirit of AWD-LSTM (Merity et al. 2017), simplified.

    ``Embedding → [LSTM → locked dropout] × num_layers → Dense(vocab_size)`` returning logits of the
    next token at every position. Embedding dropout drops whole word vectors and "locked"
    (variational) dropout uses the same mask at every time step, as in AWD-LSTM; the DropConnect
    on the recurrent weights and weight tying are left out. Id 0 is padding (masked), so the
    encoder (:func:`lm_encoder`) can read padded documents in a classifier.

    ``output_bias`` (optional, shape ``(vocab_size,)``) initialises the bias of the output layer,
    e.g. with the log-frequencies of the words (``np.log(unigram_probs(ids, V))``): the untrained
    model then starts as the unigram model instead of the uniform one and learns much faster.

    ``embedding_matrix`` (optional, ``(vocab_size, embed_dim)``) initialises the embedding layer with
    pretrained word vectors (e.g. built with :func:`utils.text.embedding_matrix`).

    Layers are named ``embedding``, ``lstm_1`` … ``lstm_n`` and ``lm_head``.
    """
    import keras
    from keras import layers

    if vocab_size <= len(SPECIALS):
        raise ValueError(f"vocab_size debe ser mayor que {len(SPECIALS)}; usa len(vocab).")
    if num_layers < 1:
        raise ValueError(f"num_layers debe ser ≥ 1 (recibido {num_layers}).")
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    emb_init = _constant_initializer(embedding_matrix, (vocab_size, embed_dim), "embedding_matrix", "uniform",
                                     " Usa embed_dim = dimensión de los vectores.")
    x = layers.Embedding(vocab_size, embed_dim, mask_zero=True, embeddings_initializer=emb_init,
                         name="embedding")(tokens)
    x = layers.Dropout(embed_dropout, noise_shape=(None, None, 1), name="embedding_dropout")(x)
    for i in range(1, num_layers + 1):
        x = layers.LSTM(hidden_dim if i < num_layers else embed_dim, return_sequences=True, name=f"lstm_{i}")(x)
        x = layers.Dropout(dropout, noise_shape=(None, 1, None), name=f"dropout_{i}")(x)
    bias_init = _constant_initializer(output_bias, (vocab_size,), "output_bias", "zeros")
    logits = layers.Dense(vocab_size, bias_initializer=bias_init, name="lm_head")(x)
    return keras.Model(tokens, logits, name=name)


def _constant_initializer(values, shape: tuple, what: str, default: str, hint: str = ""):
    """``default`` if ``values`` is None, else a Constant initializer after checking the shape."""
    import keras

    if values is None:
        return default
    values = np.asarray(values, dtype="float32")
    if values.shape != shape:
        raise ValueError(f"{what} debe tener forma {shape}; tiene {values.shape}.{hint}")
    return keras.initializers.Constant(values)


def encoder_layers(lm) -> list:
    """The reusable layers of an LM from :func:`build_lstm_lm`: ``[embedding, lstm_1, …]`` (bottom → top)."""
    names = [layer.name for layer in lm.layers]
    if "embedding" not in names or not any(n.startswith("lstm_") for n in names):
        raise ValueError("Este modelo no parece creado con build_lstm_lm (faltan las capas 'embedding' y 'lstm_1'…).")
    return [lm.get_layer("embedding"), *[layer for layer in lm.layers if layer.name.startswith("lstm_")]]


def lm_encoder(lm):
    """A Model from the LM's tokens to the last LSTM's outputs ``(batch, time, dim)``, sharing its layers."""
    import keras

    encoder_layers(lm)  # validates
    last = [layer for layer in lm.layers if layer.name.startswith("dropout_")][-1]
    return keras.Model(lm.input, last.output, name="encoder")
