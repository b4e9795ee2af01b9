"""Texts → BERT inputs: truncation that keeps head and tail, and ``tf.data`` pipelines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import config

if TYPE_CHECKING:  # only for the annotations (loading imports inputs)
    from .loading import Bert

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


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


def check_texts(texts, labels=None) -> np.ndarray:
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

    texts = check_texts(texts, labels)
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


def bert_inputs():
    import keras

    return {
        "token_ids": keras.Input(shape=(None,), dtype="int32", name="token_ids"),
        "segment_ids": keras.Input(shape=(None,), dtype="int32", name="segment_ids"),
        "padding_mask": keras.Input(shape=(None,), dtype="bool", name="padding_mask"),
    }


