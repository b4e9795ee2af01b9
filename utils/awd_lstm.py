"""ULMFiT's own stage 1 in Keras 3: fastai's AWD-LSTM pretrained on WikiText-103, converted.

fastai distributes the language model of the ULMFiT paper (Howard & Ruder 2018): an AWD-LSTM
(Merity et al. 2017) trained on WikiText-103 (103 M tokens of Wikipedia), ``URLs.WT103_FWD``. The
archive holds ``lstm_fwd.pth``, a PyTorch ``state_dict``, and ``itos_wt103.pkl``, its 60,000-token
vocabulary. This module:

* :func:`load_wt103` downloads it through the course's cache (``keras.utils.get_file`` into
  ``$KERAS_HOME/models``) and reads it: the weights need PyTorch (``torch.load``; Colab and Kaggle
  have it), the vocabulary only ``pickle``;
* :func:`build_awd_lstm` builds the same architecture in Keras 3 (embedding 400 → LSTM 1152 →
  LSTM 1152 → LSTM 400 → decoder tied to the embedding), with the layer names of
  :func:`utils.lm.build_lstm_lm`, so that :mod:`utils.ulmfit` (discriminative rates, STLR,
  ``classifier_from_lm``, gradual unfreezing) works on it unchanged;
* :func:`convert_state_dict` copies fastai's tensors into it, checking every shape.

Text must be tokenized as fastai does (``xxbos``, ``xxmaj``, ``xxup``…): :mod:`utils.fastai_tokenizer`.

Gate order. PyTorch's ``nn.LSTM`` stacks the four gates of ``weight_ih_l0`` (shape ``(4h, in)``),
``weight_hh_l0`` (``(4h, h)``) and the biases in the order (i, f, g, o): input, forget, cell
candidate, output (torch.nn.LSTM docs: ``W_ii|W_if|W_ig|W_io``). Keras's ``LSTMCell`` splits its
``kernel`` (``(in, 4h)``), ``recurrent_kernel`` (``(h, 4h)``) and ``bias`` (``(4h,)``) into
(i, f, c, o) (keras/src/layers/rnn/lstm.py, ``LSTMCell.call``: ``k_i, k_f, k_c, k_o =
ops.split(self.kernel, 4, axis=1)``; ``c = f * c_tm1 + i * tanh(x_c + h_tm1 · U_c)``), where ``c``
is PyTorch's ``g``. Same order, so the conversion is a transpose, with no reordering; PyTorch
has two biases (``b_ih`` and ``b_hh``) that are always added, Keras one: their sum. Both use
sigmoid for i, f, o and tanh for g and for the output (``h = o · tanh(c)``).

The archive, checked against fastai's source (github.com/fastai/fastai):

* ``fastai/data/external.py``: ``URLs.WT103_FWD = f'{S3_MODEL}wt103-fwd.tgz'`` with ``S3_MODEL =
  'https://s3.amazonaws.com/fast-ai-modelzoo/'`` (:data:`WT103_URL`). ``untar_data`` extracts it
  into a folder ``wt103-fwd`` and ``language_model_learner`` takes "the" ``.pth`` and "the" ``.pkl``
  inside it: ``fnames = [list(model_path.glob(f'*.{ext}'))[0] for ext in ['pth', 'pkl']]``
  (``fastai/text/learner.py``), as :func:`find_wt103_files` does.
* The keys are those of ``SequentialRNN(AWD_LSTM, LinearDecoder)``'s ``state_dict()``:
  ``0.encoder.weight`` and ``0.encoder_dp.emb.weight`` (``AWD_LSTM.__init__``: ``self.encoder =
  nn.Embedding(...)``, ``self.encoder_dp = EmbeddingDropout(self.encoder, embed_p)``, the same
  module under two names), then per layer ``0.rnns.{i}.weight_hh_l0_raw`` (``WeightDropout``:
  ``self.register_parameter(f'{layer}_raw', nn.Parameter(w.data))``) and the wrapped ``nn.LSTM``'s
  ``0.rnns.{i}.module.weight_ih_l0``, ``…bias_ih_l0``, ``…bias_hh_l0``, then ``1.decoder.weight``
  (``LinearDecoder``: ``self.decoder.weight = tie_encoder.weight``) and ``1.decoder.bias``
  (``fastai/text/models/awdlstm.py``; ``core.py`` for the decoder).
* fastai 1.x (which trained this model) also saved ``0.rnns.{i}.module.weight_hh_l0``:
  ``self.module._parameters[layer] = F.dropout(w, p=self.weight_p, training=False)``
  (``fastai/text/models/awd_lstm.py`` of 1.x), an undropped copy; fastai 2.x drops it when it loads:
  ``clean_raw_keys`` deletes every key whose ``…_raw`` twin exists, then ``load_ignore_keys``
  copies the rest by position (``TextLearner.load_pretrained``, ``fastai/text/learner.py``).
  :func:`convert_state_dict` reads by name and prefers ``_raw`` in the same way.
* ``match_embeds(old_wgts, old_vocab, new_vocab)`` (same file) re-indexes ``0.encoder.weight``,
  ``0.encoder_dp.emb.weight``, ``1.decoder.weight`` and ``1.decoder.bias`` to the task's vocabulary,
  new words at the mean row: :func:`match_embeds` here.
"""

from __future__ import annotations

import importlib
import pickle
import re
import shutil
import warnings
from pathlib import Path

import keras
import numpy as np

from .data import CourseDataError, keras_home

WT103_URL = "https://s3.amazonaws.com/fast-ai-modelzoo/wt103-fwd.tgz"  # fastai's URLs.WT103_FWD
WT103_FNAME = "wt103-fwd.tgz"
WT103_WEIGHTS, WT103_VOCAB = "lstm_fwd.pth", "itos_wt103.pkl"
#: The architecture of fastai's pretrained model (fastai's ``awd_lstm_lm_config``: emb_sz=400,
#: n_hid=1152, n_layers=3; 60,000 tokens in ``itos_wt103.pkl``).
WT103_CONFIG = dict(vocab_size=60_000, emb=400, hidden=1152, layers=3)
#: Its parameters in PyTorch (two biases per LSTM): embedding 60,000 × 400 (tied with the decoder) +
#: three LSTMs + the decoder's bias. The Keras model has 44,322,464 (one bias per LSTM, their sum).
WT103_PARAMS = 44_333_280
#: fastai's dropouts for fine-tuning the language model (``awd_lstm_lm_config``; ``drop_mult``
#: multiplies them all: the fastai book uses 0.3). ``weight_p=0.2`` has no Keras counterpart here.
FASTAI_LM_DROPOUTS = dict(embed_dropout=0.02, input_dropout=0.25, hidden_dropout=0.15, output_dropout=0.1)
#: fastai's dropouts of the classifier's encoder (``awd_lstm_clas_config``; the book uses drop_mult=0.5).
#: Its ``output_p=0.4`` is the first dropout of the head (``utils.ulmfit.build_classifier(dropout=0.4)``),
#: not of the encoder, whose last LSTM has no dropout after it.
FASTAI_CLAS_DROPOUTS = dict(embed_dropout=0.05, input_dropout=0.4, hidden_dropout=0.3, output_dropout=0.0)


# --------------------------------------------------------------------------- Keras model


@keras.saving.register_keras_serializable(package="course")
class TiedEmbedding(keras.layers.ReversibleEmbedding):
    """Embedding whose matrix is also the language model's output projection (weight tying).

    ``layer(ids)`` looks words up; ``layer(h, reverse=True)`` returns ``h · Eᵀ`` (logits, no bias:
    see :class:`OutputBias`). It is ``keras.layers.ReversibleEmbedding`` (also exported as
    ``keras_hub.layers.ReversibleEmbedding``) with two additions:

    * ``pad_id``: the id that is masked (fastai's ``xxpad``, 1 in WT103, not Keras's 0);
      ``None`` for no mask. In a reverse call the incoming mask passes through unchanged.
    * ``embed_dropout``: AWD-LSTM's embedding dropout (fastai's ``EmbeddingDropout``): in
      training, whole rows of the matrix (word types, every occurrence in the batch) are zeroed
      with that probability and the rest scaled by ``1 / (1 - p)``. The reverse projection
      uses the matrix without dropout, as fastai's tied decoder does.
    """

    def __init__(self, input_dim, output_dim, pad_id=None, embed_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("mask_zero", None)
        kwargs.setdefault("tie_weights", True)
        super().__init__(input_dim, output_dim, **kwargs)
        if not 0 <= embed_dropout < 1:
            raise ValueError(f"embed_dropout debe estar en [0, 1) (recibido {embed_dropout}).")
        if pad_id is not None and not 0 <= int(pad_id) < input_dim:
            raise ValueError(f"pad_id={pad_id} no es un id del vocabulario (0…{input_dim - 1}).")
        self.pad_id = None if pad_id is None else int(pad_id)
        self.embed_dropout = float(embed_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if embed_dropout > 0 else None
        self.supports_masking = self.pad_id is not None

    def call(self, inputs, reverse=False, training=None):
        ops = keras.ops
        if reverse or not (training and self.embed_dropout > 0):
            return super().call(inputs, reverse=reverse)
        keep = keras.random.dropout(ops.ones((self.input_dim, 1), dtype=self.embeddings.dtype),
                                    self.embed_dropout, seed=self.seed_generator)
        return ops.take(self.embeddings * keep, ops.cast(inputs, "int32"), axis=0)

    def compute_mask(self, inputs, mask=None):
        if self.pad_id is None:
            return None
        if keras.backend.is_float_dtype(inputs.dtype):  # reverse call: hidden states in, logits out
            return mask
        return keras.ops.not_equal(inputs, self.pad_id)

    def compute_output_spec(self, inputs, reverse=False, training=None):
        return super().compute_output_spec(inputs, reverse=reverse)

    def get_config(self):
        config = super().get_config()
        config.update(pad_id=self.pad_id, embed_dropout=self.embed_dropout, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="course")
class OutputBias(keras.layers.Layer):
    """Adds a learnt bias of size ``units`` to the last axis (the tied decoder's ``1.decoder.bias``)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.supports_masking = True

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return inputs + self.bias

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def lstm_sizes(emb: int, hidden: int, layers: int) -> list[tuple[int, int]]:
    """(input size, units) of each LSTM of an AWD-LSTM: emb → hidden → … → hidden → emb."""
    if layers < 1:
        raise ValueError(f"layers debe ser ≥ 1 (recibido {layers}).")
    return [(emb if i == 0 else hidden, hidden if i < layers - 1 else emb) for i in range(layers)]


def build_awd_lstm(vocab_size: int = 60_000, emb: int = 400, hidden: int = 1152, layers: int = 3,
                   pad_id: int | None = 1, embed_dropout: float = 0.0, input_dropout: float = 0.0,
                   hidden_dropout: float = 0.0, output_dropout: float = 0.0, seed: int | None = None,
                   name: str = "awd_lstm"):
    """fastai's AWD-LSTM language model in Keras 3 (defaults: the WikiText-103 model's sizes).

    ``tokens → embedding (emb) → input dropout → [LSTM → dropout] × layers → logits = h · Eᵀ + b``.
    The LSTMs have ``hidden`` units except the last, which has ``emb`` so that the decoder can reuse
    the embedding matrix ``E`` (weight tying, Press & Wolf 2017; fastai's ``tie_weights=True``).
    Returns a functional ``keras.Model`` from ids ``(batch, time)`` to logits ``(batch, time, vocab)``.

    Layers (the names of :func:`utils.lm.build_lstm_lm`, so :mod:`utils.ulmfit` works unchanged):
    ``embedding`` (a :class:`TiedEmbedding`, also the decoder's matrix), ``input_dropout``,
    ``lstm_1`` … ``lstm_n``, ``dropout_1`` … ``dropout_n`` and ``lm_head`` (the decoder's bias). In
    :func:`utils.ulmfit.lm_layer_groups` the decoder's matrix therefore travels with the embedding
    (fastai's ``awd_lstm_lm_split`` puts encoder and decoder in one group too, but at the top).

    Padding: ``pad_id`` (fastai's ``xxpad``: 1 in WT103) is masked, so padded documents read like
    unpadded ones in a classifier (:class:`utils.ulmfit.ConcatPooling`). Pad at the END (as
    :func:`utils.fastai_tokenizer.encode_texts` does); ``None``: no mask.

    AWD-LSTM's regularisers, all off by default (inference, conversion checks); for fine-tuning
    use fastai's values, :data:`FASTAI_LM_DROPOUTS` (times a ``drop_mult``). What is kept:

    * ``embed_dropout``: fastai's ``EmbeddingDropout`` (``embed_p``), whole word types dropped.
    * ``input_dropout``: locked (variational) dropout on the embeddings (``input_p``): one mask per
      sequence, the same at every time step (``Dropout(noise_shape=(None, 1, None))``).
    * ``hidden_dropout``: locked dropout between LSTMs (``hidden_p``), on ``dropout_1`` … ``dropout_{n-1}``.
    * ``output_dropout``: locked dropout on the last LSTM's output (``output_p``, fastai's decoder), ``dropout_n``.

    What is not: **weight dropout** (``weight_p``, DropConnect on the hidden-to-hidden matrices,
    fastai's ``WeightDropout``), which would need a custom LSTM cell and lose cuDNN; Keras's
    ``recurrent_dropout`` is another regulariser (it drops units of ``h_{t-1}``) and also disables
    cuDNN. Also left out: AR/TAR (activation regularisation of the training loss) and fastai's
    stateful hidden state carried from one batch to the next (here each window starts from zeros).
    None of these changes the function the pretrained weights compute at inference.
    """
    kl = keras.layers
    if vocab_size < 2:
        raise ValueError(f"vocab_size debe ser ≥ 2 (recibido {vocab_size}).")
    for what, rate in (("input_dropout", input_dropout), ("hidden_dropout", hidden_dropout),
                       ("output_dropout", output_dropout)):
        if not 0 <= rate < 1:
            raise ValueError(f"{what} debe estar en [0, 1) (recibido {rate}).")
    sizes = lstm_sizes(emb, hidden, layers)

    def seed_of(k):  # a different seed per layer: equal seeds would give equal dropout masks
        return None if seed is None else seed + k

    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    embedding = TiedEmbedding(vocab_size, emb, pad_id=pad_id, embed_dropout=embed_dropout, seed=seed_of(0),
                              embeddings_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=seed_of(0)),
                              name="embedding")
    x = embedding(tokens)
    x = kl.Dropout(input_dropout, noise_shape=(None, 1, None), seed=seed_of(1), name="input_dropout")(x)
    for i, (_, units) in enumerate(sizes, 1):
        x = kl.LSTM(units, return_sequences=True, seed=seed_of(10 + i), name=f"lstm_{i}")(x)
        rate = hidden_dropout if i < layers else output_dropout
        x = kl.Dropout(rate, noise_shape=(None, 1, None), seed=seed_of(20 + i), name=f"dropout_{i}")(x)
    logits = OutputBias(vocab_size, name="lm_head")(embedding(x, reverse=True))
    return keras.Model(tokens, logits, name=name)


def with_dropouts(model, drop_mult: float = 1.0, **dropouts):
    """A copy of a :func:`build_awd_lstm` model with other dropouts (× ``drop_mult``), same weights.

    fastai fine-tunes the language model and the classifier with different dropouts
    (:data:`FASTAI_LM_DROPOUTS`, :data:`FASTAI_CLAS_DROPOUTS`) scaled by ``drop_mult``; e.g.
    ``ulmfit.classifier_from_lm(with_dropouts(lm, 0.5, **FASTAI_CLAS_DROPOUTS))``.
    """
    emb_layer = model.get_layer("embedding")
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm_")]
    if not lstms:
        raise ValueError("Este modelo no parece creado con build_awd_lstm (no tiene capas 'lstm_1'…).")
    unknown = set(dropouts) - set(FASTAI_LM_DROPOUTS)
    if unknown:
        raise ValueError(f"Dropouts desconocidos {sorted(unknown)}: usa {sorted(FASTAI_LM_DROPOUTS)}.")
    copy = build_awd_lstm(vocab_size=emb_layer.input_dim, emb=emb_layer.output_dim,
                          hidden=lstms[0].units if len(lstms) > 1 else emb_layer.output_dim, layers=len(lstms),
                          pad_id=emb_layer.pad_id, name=model.name,
                          **{k: v * drop_mult for k, v in dropouts.items()})
    copy.set_weights(model.get_weights())
    return copy


# --------------------------------------------------------------------------- fastai → Keras


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch.Tensor
        value = value.detach().cpu().float().numpy()
    return np.asarray(value)


def _normalize_keys(state_dict) -> dict[str, tuple[str, np.ndarray]]:
    """``{key without "0."/"1."/"module." prefixes: (original key, array)}``; unwraps ``{"model": …}``."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"state_dict debe ser un diccionario nombre → tensor; llegó {type(state_dict).__name__}.")
    if isinstance(state_dict.get("model"), dict):  # fastai's Learner.save(with_opt=True) format
        state_dict = state_dict["model"]
    out = {}
    for key, value in state_dict.items():
        # "module." before or after the index: DataParallel's wrapper, or fastai's classifier encoder
        # (SentenceEncoder keeps the AWD_LSTM in .module: "0.module.rnns.0…" in a saved classifier)
        short = re.sub(r"^[01]\.", "", key.removeprefix("module.")).removeprefix("module.")
        out[short] = (key, value)
    return out


def _find(norm: dict, candidates: list[str], what: str):
    """The first of ``candidates`` present in ``norm``: ``(original key, array)``; Spanish error otherwise."""
    for name in candidates:
        if name in norm:
            key, value = norm[name]
            return key, _to_numpy(value)
    sample = ", ".join(sorted(k for k, _ in norm.values())[:12])
    raise ValueError(f"Falta el tensor de {what} en el state_dict: se buscó «{candidates[0]}» "
                     f"(o {', '.join(f'«{c}»' for c in candidates[1:]) or 'nada más'}). Claves presentes: {sample}…")


def _check_shape(key: str, array: np.ndarray, expected: tuple, layer: str, what: str) -> None:
    if tuple(array.shape) != tuple(expected):
        raise ValueError(
            f"El tensor «{key}» tiene forma {tuple(array.shape)}, pero la capa «{layer}» del modelo Keras "
            f"espera {tuple(expected)} ({what}). Construye el modelo con las medidas del preentrenado "
            f"(WikiText-103: build_awd_lstm(vocab_size=60000, emb=400, hidden=1152, layers=3)).")


def convert_state_dict(state_dict: dict, model, check_tied: bool = True) -> dict[str, str]:
    """Copy fastai's AWD-LSTM language-model weights into a :func:`build_awd_lstm` model (in place).

    ``state_dict``: fastai's ``lstm_fwd.pth`` as read by :func:`load_wt103` (arrays or torch
    tensors; a ``{"model": state_dict}`` wrapper is unwrapped). Keys may carry the ``0.`` (encoder)
    and ``1.`` (decoder) prefixes of fastai's ``SequentialRNN(AWD_LSTM, LinearDecoder)`` or not.

    ======================================  =========================  ==================
    fastai tensor                            Keras weight               operation
    ======================================  =========================  ==================
    ``0.encoder.weight`` (V, emb)            ``embedding`` (V, emb)     copy
    ``0.rnns.{i}.module.weight_ih_l0``       ``lstm_{i+1}`` kernel      transpose
    ``0.rnns.{i}.weight_hh_l0_raw``          ``lstm_{i+1}`` recurrent   transpose
    ``…bias_ih_l0`` + ``…bias_hh_l0``        ``lstm_{i+1}`` bias        sum
    ``1.decoder.weight``                     (tied: the embedding)      checked equal
    ``1.decoder.bias`` (V,)                  ``lm_head`` bias           copy
    ======================================  =========================  ==================

    ``weight_hh_l0_raw`` is the weight-dropped LSTM's own parameter (fastai's ``WeightDropout``
    keeps the undropped matrix there); ``module.weight_hh_l0``, the copy that fastai 1.x also saved,
    is used only when ``_raw`` is missing, as is a plain ``rnns.{i}.weight_hh_l0``. The duplicate
    ``0.encoder_dp.emb.weight`` is used only when ``0.encoder.weight`` is missing. The gate order is
    the same in both libraries (module docstring). Every shape is checked, with an error in Spanish
    that names the tensor. With ``check_tied`` a decoder matrix different from the embedding is an
    error (this Keras model can only hold tied weights).

    Returns ``{Keras weight: the fastai tensors it came from}``.
    """
    norm = _normalize_keys(state_dict)
    try:
        emb_layer = model.get_layer("embedding")
        head = model.get_layer("lm_head")
    except ValueError as error:
        raise ValueError("Este modelo no parece creado con build_awd_lstm (faltan las capas "
                         "'embedding' y 'lm_head').") from error
    lstms = [layer for layer in model.layers if layer.name.startswith("lstm_")]
    n_file = len({int(m.group(1)) for k in norm for m in [re.match(r"rnns\.(\d+)\.", k)] if m})
    if n_file != len(lstms):
        raise ValueError(f"El state_dict tiene {n_file} capas LSTM (rnns.0 … rnns.{n_file - 1}) y el modelo "
                         f"Keras {len(lstms)}: usa build_awd_lstm(layers={n_file}).")
    mapping: dict[str, str] = {}

    key, enc = _find(norm, ["encoder.weight", "encoder_dp.emb.weight"], "embedding")
    _check_shape(key, enc, emb_layer.embeddings.shape, "embedding", "vocabulario × dimensión del embedding")
    emb_layer.embeddings.assign(enc.astype("float32"))
    mapping["embedding/embeddings"] = key

    for i, layer in enumerate(lstms):
        kernel, recurrent, bias = layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias
        p = f"rnns.{i}."
        k_ih, w_ih = _find(norm, [p + "module.weight_ih_l0", p + "weight_ih_l0"], f"entrada de la LSTM {i}")
        k_hh, w_hh = _find(norm, [p + "weight_hh_l0_raw", p + "module.weight_hh_l0_raw", p + "module.weight_hh_l0",
                                  p + "weight_hh_l0"], f"la matriz recurrente de la LSTM {i}")
        k_bi, b_ih = _find(norm, [p + "module.bias_ih_l0", p + "bias_ih_l0"], f"el sesgo de entrada de la LSTM {i}")
        k_bh, b_hh = _find(norm, [p + "module.bias_hh_l0", p + "bias_hh_l0"], f"el sesgo recurrente de la LSTM {i}")
        units = recurrent.shape[0]
        _check_shape(k_ih, w_ih, (kernel.shape[1], kernel.shape[0]), layer.name,
                     f"4·{units} × entradas, puertas i, f, g, o de PyTorch")
        _check_shape(k_hh, w_hh, (recurrent.shape[1], recurrent.shape[0]), layer.name, f"4·{units} × {units}")
        _check_shape(k_bi, b_ih, bias.shape, layer.name, f"4·{units}")
        _check_shape(k_bh, b_hh, bias.shape, layer.name, f"4·{units}")
        kernel.assign(w_ih.T.astype("float32"))
        recurrent.assign(w_hh.T.astype("float32"))
        bias.assign((b_ih + b_hh).astype("float32"))
        mapping[f"{layer.name}/kernel"] = f"{k_ih}ᵀ"
        mapping[f"{layer.name}/recurrent_kernel"] = f"{k_hh}ᵀ"
        mapping[f"{layer.name}/bias"] = f"{k_bi} + {k_bh}"

    if "decoder.weight" in norm:
        key, dec = _find(norm, ["decoder.weight"], "decodificador")
        _check_shape(key, dec, emb_layer.embeddings.shape, "embedding", "decodificador atado al embedding")
        if check_tied and not np.allclose(dec, enc, rtol=0, atol=1e-6):
            raise ValueError(f"«{key}» no es igual al embedding: este modelo ata las dos matrices "
                             "(fastai: tie_weights=True). Pasa check_tied=False para ignorarlo y usar el embedding.")
        mapping["(decoder matrix = embedding)"] = key
    if "decoder.bias" in norm:
        key, dec_bias = _find(norm, ["decoder.bias"], "sesgo del decodificador")
        _check_shape(key, dec_bias, head.bias.shape, "lm_head", "un sesgo por token del vocabulario")
        head.bias.assign(dec_bias.astype("float32"))
        mapping["lm_head/bias"] = key
    else:
        head.bias.assign(np.zeros(head.bias.shape, "float32"))
        warnings.warn("El state_dict no trae «1.decoder.bias»: el sesgo de salida queda a cero.", stacklevel=2)
    return mapping


def match_embeds(state_dict: dict, old_itos, new_itos) -> dict[str, np.ndarray]:
    """fastai's ``match_embeds``: re-index the embedding (and decoder) from ``old_itos`` to ``new_itos``.

    What ``language_model_learner(..., pretrained=True)`` does when the task has its own vocabulary
    (e.g. :func:`utils.fastai_tokenizer.make_vocab` on IMDB): a word of ``new_itos`` that the
    pretrained model knows keeps its row of the embedding and its decoder bias; a new word starts at
    the mean row and the mean bias. Returns a new state_dict (the input is not modified) whose
    ``0.encoder.weight``, ``0.encoder_dp.emb.weight``, ``1.decoder.weight`` and ``1.decoder.bias``
    have ``len(new_itos)`` rows. Build the Keras model with ``vocab_size=len(new_itos)``.
    """
    norm = _normalize_keys(state_dict)
    _, enc = _find(norm, ["encoder.weight", "encoder_dp.emb.weight"], "embedding")
    old_itos, new_itos = list(old_itos), list(new_itos)
    if enc.shape[0] != len(old_itos):
        raise ValueError(f"El embedding tiene {enc.shape[0]} filas y old_itos {len(old_itos)} tokens: "
                         "old_itos debe ser el vocabulario del modelo preentrenado (itos_wt103.pkl).")
    old_index = {t: i for i, t in enumerate(old_itos)}
    rows = np.array([old_index.get(t, -1) for t in new_itos])
    known = rows >= 0
    new_enc = np.where(known[:, None], enc[np.maximum(rows, 0)], enc.mean(axis=0))
    out = {original: _to_numpy(value) for original, value in norm.values()}
    prefix = "0." if "0.encoder.weight" in out or "0.encoder_dp.emb.weight" in out else ""
    dec_prefix = "1." if prefix else ""
    out[f"{prefix}encoder.weight"] = new_enc.astype("float32")
    if f"{prefix}encoder_dp.emb.weight" in out:
        out[f"{prefix}encoder_dp.emb.weight"] = new_enc.astype("float32")
    out[f"{dec_prefix}decoder.weight"] = new_enc.astype("float32")
    if "decoder.bias" in norm:
        bias = _to_numpy(norm["decoder.bias"][1])
        out[f"{dec_prefix}decoder.bias"] = np.where(known, bias[np.maximum(rows, 0)], bias.mean()).astype("float32")
    return out


# --------------------------------------------------------------------------- fastai's files


def _import_torch():
    """``import torch``, or the course's error saying why it is needed and what happens without it."""
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise CourseDataError(
            "Leer los pesos de fastai (lstm_fwd.pth, un state_dict de PyTorch guardado con torch.save) "
            "necesita PyTorch, y este entorno no lo tiene.\n"
            "Colab y Kaggle ya traen PyTorch instalado: abre el cuaderno allí para usar el modelo de ULMFiT "
            "preentrenado en WikiText-103. En tu ordenador basta la versión para CPU: "
            "pip install torch --index-url https://download.pytorch.org/whl/cpu\n"
            "Sin PyTorch, el cuaderno sigue por el camino de siempre: un modelo de lenguaje entrenado aquí "
            "con las críticas de IMDB."
        ) from error


def wt103_cache_folder() -> Path:
    """Where ``keras.utils.get_file("wt103-fwd.tgz", extract=True, cache_subdir="models")`` extracts it."""
    return keras_home() / "models" / "wt103-fwd_extracted"


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.rglob("*.pth")) and any(folder.rglob("*.pkl"))


def find_cached_wt103() -> Path | None:
    """A folder that already holds the two files, or None; never downloads.

    Looks in the course's cache (:func:`wt103_cache_folder`) and in fastai's own
    (``~/.fastai/models/wt103-fwd``, where ``untar_data(URLs.WT103_FWD)`` leaves it).
    """
    for folder in (wt103_cache_folder(), Path.home() / ".fastai" / "models" / "wt103-fwd"):
        if _has_files(folder):
            return folder
    return None


def download_wt103() -> Path:
    """Download and extract ``wt103-fwd.tgz`` into ``$KERAS_HOME/models`` (once); return the folder."""
    home = keras_home()
    try:
        (home / "models").mkdir(parents=True, exist_ok=True)
        folder = keras.utils.get_file(WT103_FNAME, origin=WT103_URL, extract=True, cache_subdir="models",
                                      cache_dir=str(home))
    except Exception as error:  # no internet, DNS, HTTP error, truncated archive…
        shutil.rmtree(wt103_cache_folder(), ignore_errors=True)  # never leave a half-extracted folder
        raise CourseDataError(
            f"No se ha podido obtener el modelo de lenguaje de fastai preentrenado en WikiText-103.\n"
            f"Se esperaba en la caché de Keras: {home / 'models' / WT103_FNAME}\n"
            f"y no se ha podido descargar de: {WT103_URL}\n"
            f"Causa: {type(error).__name__}: {error}\n"
            f"Qué hacer: conéctate a internet y vuelve a ejecutar la celda (se descarga una sola vez); o copia "
            f"{WT103_FNAME} en {home / 'models'}; o pasa path= con una carpeta que tenga {WT103_WEIGHTS} y "
            f"{WT103_VOCAB} (en Kaggle, p. ej., un conjunto de datos con esos dos ficheros)."
        ) from error
    return Path(folder)


def find_wt103_files(folder) -> tuple[Path, Path]:
    """``(weights .pth, vocabulary .pkl)`` inside ``folder`` (searched recursively), or a Spanish error.

    fastai's names (``lstm_fwd.pth``, ``itos_wt103.pkl``) are preferred; otherwise the only ``.pth``
    and the only ``.pkl`` of the folder, as fastai's ``language_model_learner`` takes them.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseDataError(f"No existe la carpeta {folder}: debería contener {WT103_WEIGHTS} y {WT103_VOCAB} "
                              f"(lo que trae {WT103_URL}).")
    found = []
    for name, ext, what in ((WT103_WEIGHTS, "pth", "los pesos"), (WT103_VOCAB, "pkl", "el vocabulario")):
        exact = sorted(folder.rglob(name))
        candidates = exact or sorted(folder.rglob(f"*.{ext}"))
        if not candidates:
            raise CourseDataError(
                f"Falta {name} ({what} del modelo de fastai) en {folder}.\n"
                f"La carpeta contiene: {sorted(p.name for p in folder.rglob('*') if p.is_file())[:20]}.\n"
                f"Qué hacer: borra la carpeta y vuelve a ejecutar la celda con internet (se descarga "
                f"{WT103_FNAME} de nuevo), o copia allí {name}.")
        if len(candidates) > 1:
            raise CourseDataError(f"Hay varios ficheros .{ext} en {folder} ({[p.name for p in candidates]}) y "
                                  f"ninguno se llama {name}: deja solo el del modelo WT103.")
        found.append(candidates[0])
    return found[0], found[1]


def read_itos(path) -> list[str]:
    """The vocabulary list of ``itos_wt103.pkl`` (a pickled list of str; needs no PyTorch)."""
    with open(path, "rb") as f:
        itos = pickle.load(f)
    if not isinstance(itos, (list, tuple)) or not itos or not all(isinstance(t, str) for t in itos):
        raise CourseDataError(f"{path} no contiene una lista de tokens (el itos de fastai); ¿fichero equivocado?")
    return list(itos)


def read_state_dict(path) -> dict[str, np.ndarray]:
    """``torch.load(path, map_location="cpu")`` → ``{name: float32 NumPy array}`` (needs PyTorch).

    Loads with ``weights_only=True`` (tensors only) and, if the file holds other pickled objects,
    once more without it: fastai's model zoo is the trusted source of this file.
    """
    torch = _import_torch()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # an older pickle with extra objects (e.g. fastai 1.x's optimizer state)
        state = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    return {k: _to_numpy(v).astype("float32") for k, v in state.items() if hasattr(v, "shape")}


def load_wt103(path=None) -> tuple[dict[str, np.ndarray], list[str]]:
    """fastai's WikiText-103 AWD-LSTM: ``(state_dict as NumPy arrays, itos: the 60,000-token list)``.

    ``path``: a folder that already has ``lstm_fwd.pth`` and ``itos_wt103.pkl`` (nothing is
    downloaded). By default the course's cache (then fastai's, ``~/.fastai/models/wt103-fwd``) and,
    if they do not have it, ``keras.utils.get_file("wt103-fwd.tgz", origin=WT103_URL, extract=True,
    cache_subdir="models")``. Without PyTorch it raises :class:`utils.data.CourseDataError` (before
    downloading anything) with a message in Spanish.
    """
    folder = Path(path) if path is not None else find_cached_wt103()
    if folder is None:
        _import_torch()  # no point in downloading what cannot be read
        folder = download_wt103()
    weights_file, itos_file = find_wt103_files(folder)
    _import_torch()
    return read_state_dict(weights_file), read_itos(itos_file)


def load_wt103_model(path=None, itos=None, **dropouts):
    """:func:`load_wt103` + :func:`wt103_model`: fastai's pretrained LM as a Keras model, ``(model, itos)``."""
    return wt103_model(*load_wt103(path), itos=itos, **dropouts)


def wt103_model(state, wt103_itos, itos=None, **dropouts):
    """:func:`build_awd_lstm` with the sizes of ``state`` + :func:`convert_state_dict`: ``(model, itos)``.

    ``state, wt103_itos``: what :func:`load_wt103` returns. ``itos``: the task's own vocabulary
    (:func:`utils.fastai_tokenizer.make_vocab`); the embedding and the decoder are re-indexed to it
    with :func:`match_embeds`, as fastai's ``language_model_learner`` does. ``None``: WikiText-103's
    own 60,000 tokens. ``dropouts`` go to :func:`build_awd_lstm` (e.g. ``**FASTAI_LM_DROPOUTS`` to
    fine-tune). The padding id is the vocabulary's ``xxpad``. Build it inside ``strategy.scope()``
    to train it distributed. Returns the model and the ``itos`` its ids follow.
    """
    if itos is None:
        itos = list(wt103_itos)
    else:
        state, itos = match_embeds(state, wt103_itos, itos), list(itos)
    norm = _normalize_keys(state)
    _, enc = _find(norm, ["encoder.weight", "encoder_dp.emb.weight"], "embedding")
    if enc.shape[0] != len(itos):
        raise CourseDataError(f"Los pesos tienen {enc.shape[0]} filas de embedding y el vocabulario {len(itos)} "
                              "tokens: ¿son de modelos distintos?")
    layers = len({int(m.group(1)) for k in norm for m in [re.match(r"rnns\.(\d+)\.", k)] if m})
    _, w_hh = _find(norm, ["rnns.0.weight_hh_l0_raw", "rnns.0.module.weight_hh_l0"], "la LSTM 0")
    pad_id = itos.index("xxpad") if "xxpad" in itos else None
    model = build_awd_lstm(vocab_size=len(itos), emb=enc.shape[1], hidden=w_hh.shape[1] if layers > 1 else enc.shape[1],
                           layers=layers, pad_id=pad_id, **dropouts)
    convert_state_dict(state, model)
    return model, itos
