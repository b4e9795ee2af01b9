"""HubLayer: a TF Hub SavedModel inside a Keras 3 model, frozen or fine-tuned.

No TF Hub model can be downloaded here, so the test builds a real SavedModel with the
structure of TF Hub's text embeddings (nnlm: words hashed to rows of an embedding table,
averaged) and loads it through ``tensorflow_hub.load``, as the notebooks do with a URL.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils.data import CourseDataError
from utils.hub import HubLayer


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
