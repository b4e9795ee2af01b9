"""Classifiers on a BERT encoder and their layer groups (for :mod:`utils.finetune`)."""

from __future__ import annotations

import numpy as np

from .inputs import bert_inputs

POOLINGS = ("cls", "mean")


def pool(outputs, inputs, pooling: str):
    if pooling not in POOLINGS:
        raise ValueError(f"pooling debe ser uno de {POOLINGS}; recibido {pooling!r}.")
    if pooling == "cls":  # the [CLS] vector after BERT's pooler (dense + tanh)
        return outputs["pooled_output"]
    import keras

    # the mean of the token vectors over the real tokens (padding masked out)
    return keras.layers.GlobalAveragePooling1D(name="mean_pooling")(outputs["sequence_output"],
                                                                   mask=inputs["padding_mask"])


def copy_backbone(backbone):
    """An independent copy of a BERT encoder: same architecture, dtype and (copied) weights.

    Built where it is called, so under ``strategy.scope()`` its variables belong to the strategy.
    """
    if not hasattr(backbone, "token_embedding") or not hasattr(backbone, "hidden_dim"):
        raise ValueError(
            f"backbone debe ser un keras_hub.models.BertBackbone (p. ej. load_bert().backbone); "
            f"recibido {type(backbone).__name__}."
        )
    config = backbone.get_config()
    config["trainable"] = True
    copy = type(backbone).from_config(config)
    copy.set_weights(backbone.get_weights())
    return copy


def build_classifier(backbone, num_classes: int = 2, pooling: str = "cls", trainable: bool = False,
                     dropout: float = 0.1, name: str | None = None):
    """Encoder → pooling ([CLS] or mean) → dropout → ``Dense(num_classes)`` logits.

    The classifier gets **its own copy** of ``backbone`` (:func:`copy_backbone`): the encoder
    passed in is never changed, neither its ``trainable`` flags nor, by training, its weights, so
    two classifiers built from one encoder are independent. :func:`backbone_of` gives the copy.
    ``trainable=False`` freezes the copy (feature extraction: only the head learns);
    ``trainable=True`` fine-tunes every weight the pooling uses (BERT's pooler only with "cls");
    use a small learning rate, ~2e-5–5e-5. For gradual unfreezing, :func:`utils.finetune.freeze_to`
    sets the flags group by group (:func:`layer_groups`).
    Build it under ``strategy.scope()`` when training with a ``tf.distribute`` strategy.
    The model takes the dict of :func:`utils.bert.text_dataset` and returns logits: compile with
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
    if pooling not in POOLINGS:
        raise ValueError(f"pooling debe ser uno de {POOLINGS}; recibido {pooling!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout debe estar en [0, 1); recibido {dropout!r}.")
    encoder = copy_backbone(backbone)  # ours: its flags and weights may change
    encoder.trainable = bool(trainable)
    if "pooled_dense" in [layer.name for layer in encoder.layers]:  # BERT's pooler (dense + tanh on
        # [CLS]) only trains with "cls" pooling: with "mean" it gets no gradient (and Keras warns)
        encoder.get_layer("pooled_dense").trainable = bool(trainable) and pooling == "cls"
    inputs = bert_inputs()
    pooled = pool(encoder(inputs), inputs, pooling)
    x = keras.layers.Dropout(dropout, name="head_dropout")(pooled)
    logits = keras.layers.Dense(int(num_classes), dtype="float32", name="logits")(x)  # float32 logits
    default = f"bert_{'fine_tuning' if trainable else 'features'}_{pooling}"
    return keras.Model(inputs, logits, name=name or default)


def backbone_of(classifier):
    """The BERT encoder inside a :func:`build_classifier` model (its own copy)."""
    backbones = [layer for layer in classifier.layers if hasattr(layer, "token_embedding")]
    if not backbones or "logits" not in [layer.name for layer in classifier.layers]:
        raise ValueError("Este modelo no parece creado con bert.build_classifier() (falta el codificador o 'logits').")
    return backbones[0]


def classifier_layer_groups(classifier, num_groups: int = 3) -> list[list]:
    """Layer groups of a :func:`build_classifier` model (bottom → top), for ULMFiT's techniques.

    The encoder is cut into ``num_groups`` groups of consecutive transformer blocks (the
    embeddings go with the lowest group) and the head (``logits``) is one more group:
    ``num_groups + 1`` in all, the input of :func:`utils.ulmfit.fit_gradual_unfreezing` and
    :func:`utils.optim.discriminative_optimizer`. BERT's pooler is left out: it is trainable
    only with ``pooling="cls"`` (see :func:`build_classifier`).
    """
    backbone = backbone_of(classifier)
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
    backbone = backbone_of(classifier)
    uses_pooler = "mean_pooling" not in [layer.name for layer in classifier.layers]  # pooling="cls"
    if uses_pooler and "pooled_dense" in [layer.name for layer in backbone.layers]:
        groups[-1] = [backbone.get_layer("pooled_dense")] + groups[-1]
    return groups


