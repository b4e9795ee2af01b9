"""BERT in notebook 09 (contextual representations and fine-tuning), Keras 3 + KerasHub.

One module per concern; every name is also here, as ``from utils import bert as ub; ub.X``:

- :mod:`.loading`: :func:`load_bert` (a KerasHub preset, downloaded on Colab, or the local
  all-MiniLM-L6-v2, ``"minilm"``, which works offline) → :class:`Bert` (encoder, tokenizer,
  preprocessor);
- :mod:`.inputs`: :class:`HeadTailPreprocessor` (``truncation="head+tail"``) and
  :func:`text_dataset` (texts → ``tf.data`` of BERT inputs);
- :mod:`.models`: :func:`build_classifier` (encoder → [CLS] or mean pooling → dropout → logits,
  on its own copy of the encoder), :func:`backbone_of` and :func:`layer_groups` for
  :mod:`utils.finetune`;
- :mod:`.analysis`: :func:`encode` (sentence vectors), :func:`word_vectors` (contextual vs
  static), :func:`similarity_matrix`, :func:`attention_scores` (drawn by :func:`utils.plots.plot_attention_from`).

Weight snapshots are generic: :mod:`utils.weights` (``encoder_weights`` is its ``snapshot``).
The BERT fine-tuning schedule (warm-up, then linear decay) is :class:`utils.finetune.WarmupLinearDecay`.
"""

import importlib.util  # noqa: F401  (tests patch ub.importlib.util.find_spec)

from ..weights import snapshot as encoder_weights
from ..weights import weights_changed
from .analysis import attention_scores, encode, similarity_matrix, word_vectors
from .inputs import INPUT_NAMES, HeadTailPreprocessor, keep_head_and_tail, text_dataset
from .loading import (LOCAL_MINILM, MINILM_HF, MINILM_MODULE, TRUNCATIONS, Bert, download_minilm,
                      keras_hub_folder, load_bert, minilm_path)
from .models import POOLINGS, backbone_of, build_classifier, classifier_layer_groups, copy_backbone, layer_groups

__all__ = [
    "LOCAL_MINILM", "MINILM_HF", "MINILM_MODULE", "TRUNCATIONS", "Bert", "download_minilm", "keras_hub_folder",
    "load_bert", "minilm_path", "INPUT_NAMES", "HeadTailPreprocessor", "keep_head_and_tail", "text_dataset",
    "POOLINGS", "backbone_of", "build_classifier", "classifier_layer_groups", "copy_backbone", "layer_groups",
    "attention_scores", "encode", "similarity_matrix", "word_vectors",
    "encoder_weights", "weights_changed",
]
