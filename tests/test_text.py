"""Unit tests of utils.text (vectorisation, word vectors, attention, Keras layers)."""

import numpy as np
import pytest

from utils import text


@pytest.fixture()
def toy_vectors():
    words = ["king", "queen", "man", "woman", "apple"]
    vectors = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [5, -5, 0]], dtype="float32")
    return text.WordVectors(words, vectors)


def test_cosine_similarity_shapes_and_values():
    assert text.cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0)
    assert text.cosine_similarity([1, 1], [2, 2]) == pytest.approx(1.0)
    assert text.cosine_similarity([1, 0], [-3, 0]) == pytest.approx(-1.0)
    assert text.cosine_similarity([0, 0], [1, 0]) == 0.0  # zero vector, no NaN
    m = text.cosine_similarity(np.eye(3), np.eye(3)[:2])
    assert m.shape == (3, 2) and np.allclose(m, np.eye(3)[:, :2])
    assert text.cosine_similarity(np.eye(3), [1, 0, 0]).shape == (3,)
    with pytest.raises(ValueError, match="dimensiones distintas"):
        text.cosine_similarity([1, 0], [1, 0, 0])


def test_word_vectors_neighbours_and_analogy(toy_vectors):
    assert "king" in toy_vectors and "rey" not in toy_vectors and len(toy_vectors) == 5
    neighbours = toy_vectors.most_similar("king", k=2)
    assert [w for w, _ in neighbours][0] in {"queen", "man"} and "king" not in dict(neighbours)
    assert toy_vectors.similarity("man", "woman") == pytest.approx(0.0)
    # king - man + woman = (1, 0, 1) = queen
    assert toy_vectors.analogy("man", "king", "woman")[0][0] == "queen"
    assert np.allclose(toy_vectors.sentence_vector("King, man!"), [0.5, 1, 0])
    with pytest.raises(KeyError, match="no está en el vocabulario"):
        toy_vectors.vector("rey")
    with pytest.raises(ValueError, match="Ninguna palabra"):
        toy_vectors.sentence_vector("rey reina")
    with pytest.raises(ValueError, match="forma"):
        toy_vectors.nearest([1, 2])
    with pytest.raises(ValueError, match="coincidir"):
        text.WordVectors(["a"], np.zeros((2, 3)))


def test_embedding_matrix_rows_and_coverage():
    vocabulary = ["", "[UNK]", "queen", "zzz", "king"]
    matrix, coverage = text.embedding_matrix(vocabulary, ["king", "queen", "[UNK]"],
                                             np.array([[1, 2], [3, 4], [9, 9]], dtype="float32"))
    assert matrix.shape == (5, 2)
    assert np.allclose(matrix[0], 0) and np.allclose(matrix[1], 0) and np.allclose(matrix[3], 0)
    assert np.allclose(matrix[2], [3, 4]) and np.allclose(matrix[4], [1, 2])
    assert coverage == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="vacío"):
        text.embedding_matrix([], ["a"], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="N palabras"):
        text.embedding_matrix(["a"], ["a", "b"], np.zeros((1, 2)))


def test_make_vectorizer_int_and_count():
    texts = ["buena película", "mala película", "película"]
    vec = text.make_vectorizer(texts, max_tokens=10, sequence_length=4)
    vocab = vec.get_vocabulary()
    assert vocab[:3] == ["", "[UNK]", "película"]
    ids = np.asarray(vec(["buena película desconocida"]))
    assert ids.shape == (1, 4) and ids[0, 1] == 2 and ids[0, 2] == 1 and ids[0, 3] == 0
    bow = text.make_vectorizer(texts, output_mode="count")
    counts = np.asarray(bow(["película película"]))
    assert counts[0, bow.get_vocabulary().index("película")] == 2 and counts.sum() == 2
    with pytest.raises(ValueError, match="output_mode"):
        text.make_vectorizer(texts, output_mode="bag")
    with pytest.raises(ValueError, match="no vacía"):
        text.make_vectorizer([])


def test_softmax_thinking_machines_and_keras():
    assert np.allclose(text.softmax([14, 12]).round(2), [0.88, 0.12])  # 06's «Thinking Machines» example
    assert np.allclose(text.softmax(np.array([[1000.0, 1000.0]])), 0.5)  # stable
    import keras

    x = np.random.default_rng(0).normal(size=(3, 5))
    assert np.allclose(text.softmax(x, axis=0), keras.ops.convert_to_numpy(keras.ops.softmax(x, axis=0)), atol=1e-6)
    assert not np.allclose(text.softmax(x, axis=0), text.softmax(x, axis=1))


def test_the_course_takes_transformer_layers_from_kerashub():
    """06 and 07 use keras_hub.layers.TokenAndPositionEmbedding: positions are learned and added."""
    keras_hub = pytest.importorskip("keras_hub")
    import keras

    assert not hasattr(text, "TokenAndPositionEmbedding") and not hasattr(text, "scaled_dot_product_attention")
    layer = keras_hub.layers.TokenAndPositionEmbedding(vocabulary_size=7, sequence_length=5, embedding_dim=3)
    same = keras.ops.convert_to_numpy(layer(np.array([[4, 4, 4, 4, 4]])))[0]
    assert not np.allclose(same[0], same[1])  # the same token at two positions gets two vectors
    assert len(layer.trainable_weights) == 2  # token table and position table, both trained
    assert tuple(layer.position_embedding.position_embeddings.shape) == (5, 3)
