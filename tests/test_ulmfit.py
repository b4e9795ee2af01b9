"""Tests of utils.ulmfit: slanted triangular LR, concat pooling, LM → classifier transfer, gradual unfreezing."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import finetune, lm, ulmfit


def test_slanted_triangular_shape():
    s = ulmfit.SlantedTriangular(1e-2, total_steps=1000, cut_frac=0.1, ratio=32)
    lrs = np.asarray(s(np.arange(1000)))
    assert lrs[0] == pytest.approx(1e-2 / 32)
    assert lrs.argmax() == 100 and lrs.max() == pytest.approx(1e-2)
    assert np.all(np.diff(lrs[:101]) > 0) and np.all(np.diff(lrs[100:]) < 0)
    assert float(s(1000)) == pytest.approx(1e-2 / 32, rel=1e-3)
    assert float(s(5000)) == pytest.approx(1e-2 / 32, rel=1e-3)  # stays at the minimum afterwards
    again = ulmfit.SlantedTriangular.from_config(s.get_config())
    assert float(again(300)) == pytest.approx(float(s(300)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_lr=0, total_steps=10), "max_lr"), (dict(max_lr=1e-3, total_steps=0), "total_steps"),
    (dict(max_lr=1e-3, total_steps=10, cut_frac=1.5), "cut_frac"),
    (dict(max_lr=1e-3, total_steps=10, ratio=0.5), "ratio"),
])
def test_slanted_triangular_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ulmfit.SlantedTriangular(**kwargs)


def test_slanted_triangular_drives_a_keras_optimizer():
    s = ulmfit.SlantedTriangular(1.0, total_steps=10)
    opt = keras.optimizers.SGD(s)
    v = keras.Variable(np.zeros(1, "float32"))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, "float32"), v)])
    expected = -sum(float(s(t)) for t in range(3))
    assert float(v.numpy()[0]) == pytest.approx(expected, rel=1e-5)


def test_concat_pooling_ignores_padding():
    seq = np.array([[[1.0], [3.0], [2.0], [9.0]]], dtype="float32")
    mask = np.array([[True, True, True, False]])
    out = np.asarray(ulmfit.ConcatPooling()(seq, mask=mask))
    np.testing.assert_allclose(out, [[2.0, 3.0, 2.0]])  # last real, max, mean
    out = np.asarray(ulmfit.ConcatPooling()(seq))
    np.testing.assert_allclose(out, [[9.0, 9.0, 3.75]])


def test_classifier_reads_padded_documents_like_unpadded_ones():
    keras.utils.set_random_seed(0)
    model = lm.build_lstm_lm(20, embed_dim=4, hidden_dim=6)
    clf = ulmfit.classifier_from_lm(model, num_classes=3)
    short = np.array([[3, 4, 5]], dtype="int32")
    padded = np.array([[3, 4, 5, 0, 0, 0]], dtype="int32")
    np.testing.assert_allclose(clf(short), clf(padded), atol=1e-5)
    assert tuple(clf(padded).shape) == (1, 3)


def test_classifier_from_lm_copies_encoder_weights_and_leaves_lm_untouched():
    keras.utils.set_random_seed(0)
    model = lm.build_lstm_lm(30, embed_dim=8, hidden_dim=8)
    lm_weights = [w.copy() for w in model.get_weights()]
    clf = ulmfit.classifier_from_lm(model)
    encoder = clf.get_layer("encoder")
    for name in ("embedding", "lstm_1", "lstm_2"):
        for a, b in zip(encoder.get_layer(name).get_weights(), model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    assert "lm_head" not in [layer.name for layer in encoder.layers if layer.weights]
    x = np.random.default_rng(0).integers(3, 30, (32, 10))
    y = np.random.default_rng(1).integers(0, 2, 32)
    clf.compile("adam", "sparse_categorical_crossentropy")
    clf.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(encoder.get_layer("embedding").get_weights()[0], lm_weights[0])
    for a, b in zip(model.get_weights(), lm_weights):
        np.testing.assert_array_equal(a, b)


def test_layer_groups_and_freezing():
    model = lm.build_lstm_lm(30, embed_dim=8, hidden_dim=8, num_layers=3)
    assert [g[0].name for g in ulmfit.lm_layer_groups(model)] == ["embedding", "lstm_1", "lstm_2", "lstm_3", "lm_head"]
    clf = ulmfit.classifier_from_lm(model)
    groups = ulmfit.classifier_layer_groups(clf)
    assert [g[0].name for g in groups] == ["embedding", "lstm_1", "lstm_2", "lstm_3", "head_dense"]
    finetune.freeze_to(clf, groups, 2)
    assert [all(layer.trainable for layer in g) for g in groups] == [False, False, False, True, True]
    with pytest.raises(ValueError, match="n_top"):
        finetune.freeze_to(clf, groups, len(groups) + 1)
    with pytest.raises(ValueError, match="encoder"):
        ulmfit.classifier_layer_groups(model)


def test_gradual_unfreezing_trains_top_first_and_learns(token_task):
    x, y, clf = token_task
    groups = ulmfit.classifier_layer_groups(clf)
    emb0 = groups[0][0].get_weights()[0].copy()
    lstm0 = groups[1][0].get_weights()[0].copy()
    first = ulmfit.fit_gradual_unfreezing(clf, groups, x, y, epochs_per_stage=1, stages=1, learning_rate=1e-2)
    assert len(first) == 1
    np.testing.assert_array_equal(groups[0][0].get_weights()[0], emb0)   # frozen in stage 1
    np.testing.assert_array_equal(groups[1][0].get_weights()[0], lstm0)
    histories = ulmfit.fit_gradual_unfreezing(clf, groups, x, y, epochs_per_stage=[2, 2, 5],
                                              learning_rate=1e-2, batch_size=16)
    assert len(histories) == 3
    assert not np.allclose(groups[0][0].get_weights()[0], emb0)            # unfrozen at the end
    assert clf.evaluate(x, y, verbose=0)[1] > 0.8  # chance: 0.5
    merged = ulmfit.merge_histories(histories)
    assert len(merged["accuracy"]) == 9
    with pytest.raises(ValueError, match="stages"):
        ulmfit.fit_gradual_unfreezing(clf, groups, x, y, stages=9)
    with pytest.raises(ValueError, match="epochs_per_stage"):
        ulmfit.fit_gradual_unfreezing(clf, groups, x, y, epochs_per_stage=[1, 1])
    unknown = tf.data.Dataset.from_tensor_slices((x, y)).filter(lambda a, b: True).batch(16)
    with pytest.raises(ValueError, match="assert_cardinality"):
        ulmfit.fit_gradual_unfreezing(clf, groups, unknown)


def test_notebook_full_mode_path_with_a_tiny_wt103_offline():
    """Notebook 10's full-mode branch, with a small stand-in for fastai's WT103 (random tensors: a test
    of the plumbing, never a pretrained model): fastai tokens → the task's vocabulary → match_embeds →
    the AWD-LSTM in Keras → stage 2 (discriminative rates, STLR) → classifier with fastai's dropouts →
    gradual unfreezing, one stage per group, all under the strategy's scope."""
    from utils import awd_lstm
    from utils import fastai_tokenizer as ft
    from utils.optim import discriminative_optimizer

    keras.utils.set_random_seed(0)
    texts = ["This movie was GREAT, really great!!!", "Awful. I hated it and the actors too.",
             "A fine film; the cast is great.", "Not good at all, the plot is AWFUL."] * 8
    labels = np.array([1, 0, 1, 0] * 8)
    tokens = ft.tokenize_texts(texts)
    vocab = ft.FastaiVocab(ft.make_vocab(tokens, min_freq=1))
    wt103_itos = ft.SPECIAL_TOKENS + ["the", "movie", "great", "film", "zzz"]
    rng = np.random.default_rng(0)
    emb, hid, n = 8, 12, len(wt103_itos)
    state = {"0.encoder.weight": rng.uniform(-0.1, 0.1, (n, emb)).astype("float32")}
    state["1.decoder.weight"] = state["0.encoder.weight"]
    state["1.decoder.bias"] = np.zeros(n, "float32")
    for i, (n_in, n_out) in enumerate(awd_lstm.lstm_sizes(emb, hid, 3)):
        p = f"0.rnns.{i}."
        state[p + "weight_hh_l0_raw"] = rng.normal(0, 0.1, (4 * n_out, n_out)).astype("float32")
        state[p + "module.weight_ih_l0"] = rng.normal(0, 0.1, (4 * n_out, n_in)).astype("float32")
        state[p + "module.bias_ih_l0"] = state[p + "module.bias_hh_l0"] = np.zeros(4 * n_out, "float32")
    strategy = tf.distribute.get_strategy()
    with strategy.scope():
        model, itos = awd_lstm.wt103_model(state, wt103_itos, itos=vocab.itos,
                                           **{k: 0.3 * p for k, p in awd_lstm.FASTAI_LM_DROPOUTS.items()})
    assert itos == vocab.itos and model.get_layer("embedding").input_dim == len(vocab)
    np.testing.assert_allclose(model.get_layer("embedding").embeddings[vocab.stoi["great"]],
                               state["0.encoder.weight"][wt103_itos.index("great")])
    ids = np.concatenate([vocab.numericalize(t) for t in tokens])
    lm_groups = ulmfit.lm_layer_groups(model)
    ds = lm.lm_dataset(ids, 8, 4)
    with strategy.scope():
        model.compile(optimizer=discriminative_optimizer(lm_groups, ulmfit.SlantedTriangular(2e-3, len(ds)), decay=2.6),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ds, epochs=1, verbose=0)
    clf_epochs = [1] * (len(lm_groups) - 1) + [2]
    assert clf_epochs == [1, 1, 1, 1, 2]
    x = ft.encode_texts(texts, vocab, 16)
    assert x[0, 0] == vocab.bos_id and (x == vocab.pad_id).any()
    with strategy.scope():
        clf = ulmfit.classifier_from_lm(awd_lstm.with_dropouts(model, 0.5, **awd_lstm.FASTAI_CLAS_DROPOUTS))
    histories = ulmfit.fit_gradual_unfreezing(clf, ulmfit.classifier_layer_groups(clf), x, labels,
                                              epochs_per_stage=clf_epochs, batch_size=8, verbose=0)
    assert len(histories) == 5 and all(np.isfinite(h.history["loss"]).all() for h in histories)
    assert clf.predict(x, verbose=0).shape == (len(texts), 2)
