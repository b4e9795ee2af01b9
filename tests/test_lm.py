"""Tests of utils.lm: tokenisation, LM windows, perplexity, temperature sampling and the LSTM LM."""

import keras
import numpy as np
import pytest

from utils import config, lm


def test_tokenize_splits_punctuation_and_lowercases():
    assert lm.tokenize("¡Hola, Mundo! It's fine.") == ["¡", "hola", ",", "mundo", "!", "it's", "fine", "."]
    assert lm.tokenize("Árbol", lower=False) == ["Árbol"]
    with pytest.raises(TypeError, match="texto"):
        lm.tokenize(3)


def test_vocabulary_build_encode_decode():
    vocab = lm.Vocabulary.build(["el perro come", "el gato come", "el perro"], max_size=6)
    assert vocab.itos[:3] == list(lm.SPECIALS)
    assert len(vocab) == 6
    assert vocab.itos[3] == "el"  # the most frequent word comes first
    ids = vocab.encode("el perro vuela")
    assert ids[0] == vocab.stoi["el"] and ids[2] == vocab.stoi[lm.UNK]
    assert vocab.decode(vocab.encode("el perro come")) == "el perro come"
    assert vocab.decode([0, vocab.stoi["el"], 0]) == "el"
    with pytest.raises(ValueError, match="vocabulario"):
        vocab.decode([99])
    with pytest.raises(ValueError, match="mayor"):
        lm.Vocabulary.build(["a"], max_size=2)
    with pytest.raises(ValueError, match="empezar"):
        lm.Vocabulary(["a", "b"])


def test_corpus_ids_and_windows_are_shifted_by_one():
    vocab = lm.Vocabulary.build(["a b c d e f g h"], max_size=20)
    ids = lm.corpus_ids(["a b c d", "e f g h"], vocab)
    bos = vocab.stoi[lm.BOS]
    assert ids[0] == bos and ids[5] == bos and len(ids) == 10
    x, y = lm.lm_windows(ids, seq_len=3)
    assert x.shape == y.shape == (3, 3)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(x[0], ids[:3])
    np.testing.assert_array_equal(y[0], ids[1:4])
    x2, _ = lm.lm_windows(ids, seq_len=3, stride=1)
    assert len(x2) == 7
    with pytest.raises(ValueError, match="más de seq_len"):
        lm.lm_windows(ids, seq_len=50)
    with pytest.raises(ValueError, match="1-D"):
        lm.lm_windows(ids[None, :], seq_len=3)


def test_lm_dataset_batches():
    ids = np.arange(3, 203)
    batches = list(lm.lm_dataset(ids, seq_len=10, batch_size=4, shuffle=False))
    x, y = batches[0]
    assert x.shape == (4, 10)
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])


def test_lm_dataset_shuffles_with_the_course_seed(monkeypatch):
    ids = np.arange(3, 203)
    first = lambda ds: next(iter(ds))[0].numpy()
    monkeypatch.setattr(config, "SEED", 7)  # what COURSE_SEED=7 does
    np.testing.assert_array_equal(first(lm.lm_dataset(ids, 10, 4)), first(lm.lm_dataset(ids, 10, 4, seed=7)))
    assert not np.array_equal(first(lm.lm_dataset(ids, 10, 4)), first(lm.lm_dataset(ids, 10, 4, seed=8)))


def test_pad_and_encode_texts():
    padded = lm.pad_ids([[5, 6, 7], [8]], max_len=2)
    np.testing.assert_array_equal(padded, [[5, 6], [8, 0]])
    vocab = lm.Vocabulary.build(["hola mundo"], max_size=10)
    enc = lm.encode_texts(["hola mundo", "hola"], vocab, max_len=4)
    assert enc.shape == (2, 4) and enc[0, 0] == vocab.stoi[lm.BOS] and enc[1, 2] == 0
    with pytest.raises(ValueError, match="max_len"):
        lm.pad_ids([[1]], 0)


def test_perplexity_of_uniform_model_is_vocabulary_size():
    assert lm.perplexity_from_probs(np.full(50, 1 / 7)) == pytest.approx(7)
    assert lm.perplexity_from_probs([1.0, 1.0]) == pytest.approx(1)
    with pytest.raises(ValueError, match="suaviza"):
        lm.perplexity_from_probs([0.5, 0.0])


def test_unigram_perplexity():
    rng = np.random.default_rng(0)
    uniform = rng.integers(0, 10, 20_000)
    assert lm.unigram_perplexity(uniform, uniform, 10) == pytest.approx(10, rel=0.01)
    skewed = rng.choice(10, 20_000, p=[0.91] + [0.01] * 9)
    assert lm.unigram_perplexity(skewed, skewed, 10) < 2
    with pytest.raises(ValueError, match="vocab_size"):
        lm.unigram_probs([0, 12], 10)


def test_apply_temperature_sharpens_and_flattens():
    p = np.array([0.5, 0.3, 0.2])
    np.testing.assert_allclose(lm.apply_temperature(p, 1.0), p)
    cold, hot = lm.apply_temperature(p, 0.1), lm.apply_temperature(p, 10.0)
    assert cold[0] > 0.99 and cold.sum() == pytest.approx(1)
    assert hot.max() - hot.min() < 0.05
    assert lm.apply_temperature(np.array([0.5, 0.5, 0.0]), 2.0)[2] == 0  # impossible stays impossible
    with pytest.raises(ValueError, match="temperatura"):
        lm.apply_temperature(p, 0)


def test_sample_next_follows_the_distribution():
    rng = np.random.default_rng(0)
    assert lm.sample_next([0, 0, 1.0, 0], rng=rng) == 2
    draws = [lm.sample_next([0.7, 0.3], rng=rng) for _ in range(3000)]
    assert np.mean(draws) == pytest.approx(0.3, abs=0.03)


def test_build_lstm_lm_shapes_and_encoder_shares_layers():
    model = lm.build_lstm_lm(30, embed_dim=8, hidden_dim=12, num_layers=3)
    out = model(np.ones((2, 5), dtype="int32"))
    assert tuple(out.shape) == (2, 5, 30)
    assert [layer.name for layer in lm.encoder_layers(model)] == ["embedding", "lstm_1", "lstm_2", "lstm_3"]
    encoder = lm.lm_encoder(model)
    assert tuple(encoder(np.ones((2, 5), dtype="int32")).shape) == (2, 5, 8)
    assert encoder.get_layer("lstm_1") is model.get_layer("lstm_1")
    with pytest.raises(ValueError, match="vocab_size"):
        lm.build_lstm_lm(2)
    with pytest.raises(ValueError, match="build_lstm_lm"):
        lm.encoder_layers(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


def test_model_perplexity_of_constant_logits_is_vocabulary_size():
    model = lm.build_lstm_lm(25, embed_dim=4, hidden_dim=4, num_layers=1)
    head = model.get_layer("lm_head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    x = np.random.default_rng(0).integers(3, 25, (6, 7))
    assert lm.model_perplexity(model, x, x, batch_size=4) == pytest.approx(25, rel=1e-4)
    with pytest.raises(ValueError, match="misma forma"):
        lm.model_perplexity(model, x, x[:, :3])


def test_lstm_lm_learns_a_repeating_sequence():
    keras.utils.set_random_seed(0)
    vocab = lm.Vocabulary.build(["uno dos tres cuatro cinco"], max_size=10)
    ids = lm.corpus_ids(["uno dos tres cuatro cinco"] * 200, vocab)
    model = lm.build_lstm_lm(len(vocab), embed_dim=16, hidden_dim=32, num_layers=1, embed_dropout=0, dropout=0)
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = lm.lm_windows(ids, 12)
    before = lm.model_perplexity(model, x, y)
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    after = lm.model_perplexity(model, x, y)
    assert before > 5 and after < 1.3
    text = lm.generate(model, vocab, "uno dos", num_tokens=3, temperature=0.5)
    assert text == "uno dos tres cuatro cinco"


def test_output_bias_starts_the_model_as_the_unigram_model():
    ids = np.random.default_rng(0).choice(20, 5000, p=np.linspace(1, 3, 20) / np.linspace(1, 3, 20).sum())
    p = lm.unigram_probs(ids, 20)
    model = lm.build_lstm_lm(20, embed_dim=4, hidden_dim=4, num_layers=1, output_bias=np.log(p))
    head = model.get_layer("lm_head")
    head.set_weights([np.zeros_like(head.get_weights()[0]), head.get_weights()[1]])
    x, y = lm.lm_windows(ids, 10)
    assert lm.model_perplexity(model, x, y) == pytest.approx(lm.unigram_perplexity(ids, ids, 20), rel=1e-3)
    with pytest.raises(ValueError, match="output_bias"):
        lm.build_lstm_lm(20, output_bias=np.zeros(3))


def test_plot_helpers_used_by_the_language_model_notebooks():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from utils import plots

    fig = plots.plot_token_probabilities(["a", "b", "c"], {"T = 0.5": [0.8, 0.15, 0.05], "T = 2": [0.4, 0.3, 0.3]})
    assert len(fig.axes[0].patches) == 6
    with pytest.raises(ValueError, match="tokens"):
        plots.plot_token_probabilities(["a"], {"x": [0.5, 0.5]})
    table = pd.DataFrame({"A": [1.0, 5.0], "B": [2.0, 3.0]}, index=["t1", "t2"])
    fig = plots.plot_score_heatmap(table)
    starred = [t.get_text() for t in fig.axes[0].texts if "★" in t.get_text()]
    assert starred == ["2.0 ★", "5.0 ★"]
    with pytest.raises(ValueError, match="DataFrame"):
        plots.plot_score_heatmap([[1, 2]])


def test_lstm_lm_can_start_from_pretrained_vectors():
    matrix = np.arange(40, dtype="float32").reshape(10, 4)
    model = lm.build_lstm_lm(10, embed_dim=4, hidden_dim=4, num_layers=1, embedding_matrix=matrix)
    np.testing.assert_allclose(model.get_layer("embedding").get_weights()[0], matrix)
    with pytest.raises(ValueError, match="embed_dim"):
        lm.build_lstm_lm(10, embed_dim=8, embedding_matrix=matrix)


@pytest.mark.parametrize("fast", [True, False])
def test_model_perplexity_progress_follows_the_mode(monkeypatch, capsys, fast):
    from utils import config

    model = lm.build_lstm_lm(25, embed_dim=4, hidden_dim=4, num_layers=1)
    x = np.random.default_rng(0).integers(3, 25, (6, 7))
    monkeypatch.setattr(config, "_mode", (fast, "x"))
    capsys.readouterr()
    quiet = lm.model_perplexity(model, x, x, batch_size=4, verbose=0)
    assert capsys.readouterr().out == ""
    assert lm.model_perplexity(model, x, x, batch_size=4) == pytest.approx(quiet)
    out = capsys.readouterr().out
    assert (out == "") if fast else ("2/2" in out)


def test_notebook_08_solution_4_learns_its_position_embeddings():
    """Solution 4 of notebook 08 (a causal Transformer LM): its position embeddings are trained weights.

    Built from ``keras.ops.arange`` outside a layer they would be a constant of the graph, computed once
    with random values and never updated; inside ``TokenAndPositionEmbedding`` they are a weight.
    """
    import re
    import textwrap
    from pathlib import Path

    import nbformat

    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "08_modelos_de_lenguaje.ipynb", 4)
    solutions = next(c.source for c in notebook.cells if c.cell_type == "markdown" and "Soluciones" in c.source)
    item = solutions.split("\n4. ", 1)[1].split("\n5. ", 1)[0]
    code = textwrap.dedent(re.search(r"```python\n(.*?)```", item, re.S).group(1))
    build, train = code.split("decoder.fit(", 1)
    keras.utils.set_random_seed(0)
    ids = lm.corpus_ids(["uno dos tres cuatro cinco seis"] * 60, lm.Vocabulary.build(["uno dos tres cuatro cinco seis"]))
    seq_len = 8
    namespace = {"keras": keras, "lm": lm, "np": np, "seq_len": seq_len, "V": 10, "num_epochs": 2, "VERBOSE": 0,
                 "train_ds": lm.lm_dataset(ids, seq_len, 16), "x_val": lm.lm_windows(ids, seq_len)[0][:8],
                 "y_val": lm.lm_windows(ids, seq_len)[1][:8]}
    exec(build, namespace)
    decoder = namespace["decoder"]
    positions = [w for w in decoder.trainable_weights if w.path.split("/")[-2:-1] == ["position_embedding"]]
    assert len(positions) == 1 and tuple(positions[0].shape) == (seq_len, 128)
    before = positions[0].numpy().copy()
    exec("decoder.fit(" + train, namespace)
    assert not np.allclose(before, positions[0].numpy()), "Entrenar debe cambiar los embeddings de posición"
    # What the solution warns against: an Embedding called on keras.ops.arange outside the graph is a constant
    tokens = keras.Input((seq_len,), dtype="int32")
    const = keras.layers.Embedding(seq_len, 4, name="loose_positions")(keras.ops.arange(seq_len))
    loose = keras.Model(tokens, keras.layers.Embedding(10, 4)(tokens) + const)
    assert not [w for w in loose.trainable_weights if "loose_positions" in w.path]
