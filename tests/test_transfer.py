"""utils.transfer: heads, classifiers, features, layer groups and what is trained."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import backbones, finetune, transfer
from utils.data import CourseDataError
from utils.optim import discriminative_optimizer

SIZE = 32


# Function-scoped: the tests freeze and train these backbones, so each test gets its own (no test
# depends on what an earlier one did to a shared model).
@pytest.fixture
def base():
    keras.utils.set_random_seed(0)
    backbone, preprocess = backbones.load_backbone("MobileNetV2", image_size=SIZE, weights=None, alpha=0.35)
    return backbone, preprocess


def _images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, SIZE, SIZE, 3)).astype("float32")


def _trainable_blocks(model):
    """Names of the backbone's blocks with at least one trainable weight."""
    blocks = backbones.layer_blocks(backbones.find_backbone(model))
    return [name for name, layers in blocks if any(l.trainable_weights for l in layers)]


def test_layer_groups_are_the_blocks_then_the_head(base):
    backbone, preprocess = base
    model = transfer.build_classifier(backbone, preprocess)
    groups = transfer.layer_groups(model)
    with_weights = [[l for l in layers if l.weights] for _, layers in backbones.layer_blocks(backbone)]
    assert groups[:-1] == [g for g in with_weights if g]
    assert groups[-1] == [model.get_layer("head")]


def test_freeze_to_trains_the_top_blocks_with_batchnorm_frozen(base):
    backbone, preprocess = base
    model = transfer.build_classifier(backbone, preprocess)
    groups = transfer.layer_groups(model)
    finetune.freeze_to(model, groups, 3)  # the head and the top two blocks
    assert _trainable_blocks(model) == ["block_15", "block_16"]
    trainable = [l for l in backbone.layers if l.trainable_weights]
    assert trainable and not any(isinstance(l, keras.layers.BatchNormalization) for l in trainable)
    assert model.get_layer("head").trainable_weights
    finetune.freeze_to(model, groups, 3, train_bn=True)
    assert any(isinstance(l, keras.layers.BatchNormalization) for l in backbone.layers if l.trainable_weights)
    finetune.freeze_to(model, groups, 1)  # only the head: the extractor
    assert _trainable_blocks(model) == [] and model.get_layer("head").trainable_weights


def test_build_classifier_and_trainable_counts(base):
    backbone, preprocess = base
    model = transfer.build_classifier(backbone, preprocess, num_classes=2)
    backbone.trainable = False
    assert model.output_shape == (None, 1)
    counts = transfer.trainable_counts(model)
    assert counts["entrenables"] == 1280 + 1  # only the linear head
    assert counts["congelados"] == backbone.count_params()
    finetune.freeze_to(model, transfer.layer_groups(model), 4)  # three blocks and the head
    assert transfer.trainable_counts(model)["entrenables"] > 1281
    five = transfer.build_classifier(backbone, preprocess, num_classes=5)
    assert five.output_shape == (None, 5)
    with pytest.raises(ValueError, match="input_shape"):
        transfer.build_classifier(keras.applications.MobileNetV2(alpha=0.35, weights=None, include_top=False))


def test_feature_model_and_extract_features_keep_labels_aligned(base):
    backbone, preprocess = base
    fm = transfer.feature_model(backbone, preprocess, ["block_3_expand_relu", "out_relu"], pooling="avgmax")
    x, y = _images(10), np.arange(10)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10, seed=1).batch(4)
    (low, top), labels = transfer.extract_features(fm, ds)
    assert low.shape[0] == top.shape[0] == 10 and top.shape[1] == 2 * 1280
    direct = fm.predict(x, verbose=0)[1]
    np.testing.assert_allclose(top, direct[labels], rtol=1e-4, atol=1e-4)  # row i ↔ label i
    with pytest.raises(ValueError, match="no encontradas"):
        transfer.feature_model(backbone, preprocess, ["nope"])


@pytest.fixture
def pretrained():
    try:  # real ImageNet weights (offline: from the Keras cache); random weights are too "dead"
        return backbones.load_backbone("MobileNetV2", image_size=96, alpha=0.35)
    except CourseDataError as error:
        pytest.skip(f"sin los pesos de MobileNetV2 (α=0.35): {error}")


def test_discriminative_rates_move_lower_blocks_less(pretrained):
    backbone, preprocess = pretrained
    keras.utils.set_random_seed(1)
    model = transfer.build_classifier(backbone, preprocess)
    head = model.get_layer("head")
    finetune.freeze_to(model, transfer.layer_groups(model), 3)  # the head and the top two blocks
    blocks = dict(backbones.layer_blocks(backbone))
    low, high = blocks["block_15"][0], blocks["block_16"][0]  # the expand 1×1 convs
    groups = [blocks["block_15"], blocks["block_16"], head]
    before = [low.kernel.numpy().copy(), high.kernel.numpy().copy(), head.layers[-1].kernel.numpy().copy()]
    model.compile(optimizer=discriminative_optimizer(groups, learning_rate=1e-3, decay=10.0),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    x = np.random.default_rng(2).uniform(0, 255, (8, 96, 96, 3)).astype("float32")
    model.fit(x, np.arange(8) % 2, epochs=1, batch_size=8, verbose=0)
    after = [low.kernel.numpy(), high.kernel.numpy(), head.layers[-1].kernel.numpy()]
    moves = [float(np.abs(a - b).mean()) for a, b in zip(after, before)]
    assert 0 < moves[0] < moves[1] < moves[2]
    assert moves[2] / moves[0] > 20  # ~decay² = 100 with Adam's first step
    frozen = blocks["block_1"][0]
    assert not frozen.trainable


def test_plot_top_predictions():
    import matplotlib.pyplot as plt

    from utils import plots

    images = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3))
    preds = [[("tabby", 0.7), ("tiger_cat", 0.2), ("Egyptian_cat", 0.05)]] * 4
    fig = plots.plot_top_predictions(images, preds, ncols=2, title="top-3")
    bars = [ax for ax in fig.axes if ax.patches]
    assert len(bars) == 4 and [t.get_text() for t in bars[0].get_yticklabels()][0] == "tabby"
    assert bars[0].patches[0].get_width() == pytest.approx(0.7)
    with pytest.raises(ValueError, match="predicciones"):
        plots.plot_top_predictions(images, preds[:2])
    plt.close("all")


@pytest.mark.parametrize("fast", [True, False])
def test_extract_features_progress_follows_the_mode(base, monkeypatch, capsys, fast):
    from utils import config

    backbone, preprocess = base
    fm = transfer.feature_model(backbone, preprocess)
    ds = tf.data.Dataset.from_tensor_slices((_images(6), np.arange(6))).batch(2)
    unknown = ds.filter(lambda x, y: True)  # cardinality unknown: the bar is closed at the end
    monkeypatch.setattr(config, "_mode", (fast, "x"))
    capsys.readouterr()
    features, labels = transfer.extract_features(fm, ds)
    out = capsys.readouterr().out
    assert features.shape[0] == 6 and list(labels) == list(range(6))
    assert (out == "") if fast else ("3/3" in out and "lote" in out)
    transfer.extract_features(fm, unknown)
    out = capsys.readouterr().out
    assert (out == "") if fast else ("3/3" in out and out.endswith("\n"))  # the bar is closed
    transfer.extract_features(fm, ds, verbose=0)  # an explicit verbose wins over the mode
    assert capsys.readouterr().out == ""
    transfer.extract_features(fm, unknown, verbose=1)
    assert "3/3" in capsys.readouterr().out


def test_binomial_interval():
    lo, hi = transfer.binomial_interval(0.9, 200)
    assert lo < 0.9 < hi and hi - lo == pytest.approx(0.084, abs=0.002)
    narrow = transfer.binomial_interval(0.9, 2000)
    assert narrow[1] - narrow[0] < (hi - lo) / 3  # ten times the images: about a third as wide
    assert transfer.binomial_interval(1.0, 50)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        transfer.binomial_interval(1.2, 10)
