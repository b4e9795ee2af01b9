"""utils.finetune: one fine-tuning core for vision backbones, LSTM language models and BERT."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import backbones, finetune, lm, transfer, ulmfit


def _vision_classifier():
    keras.utils.set_random_seed(0)
    base, preprocess = backbones.load_backbone("MobileNetV2", image_size=32, weights=None, alpha=0.35)
    return transfer.build_classifier(base, preprocess, num_classes=2), base


def _lstm_classifier(vocab=30):
    keras.utils.set_random_seed(0)
    model = lm.build_lstm_lm(vocab, embed_dim=8, hidden_dim=8, num_layers=2)
    return ulmfit.classifier_from_lm(model, num_classes=3, hidden_dim=8)


def _trainable_layers(groups):
    return [i for i, g in enumerate(groups) if any(l.trainable_weights for l in g)]


def test_slanted_triangular_shape_and_config():
    s = finetune.SlantedTriangular(1e-2, total_steps=1000, cut_frac=0.1, ratio=32)
    rates = np.array([float(s(t)) for t in (0, 50, 100, 550, 1000)])
    assert rates[0] == pytest.approx(1e-2 / 32) and rates[2] == pytest.approx(1e-2)
    assert rates[1] == pytest.approx((rates[0] + rates[2]) / 2, rel=1e-3)  # linear warm-up
    assert rates[3] < rates[2] and rates[4] == pytest.approx(1e-2 / 32)
    assert finetune.SlantedTriangular.from_config(s.get_config()).get_config() == s.get_config()


@pytest.mark.parametrize("family", ["vision", "lstm"])
def test_freeze_to_trains_exactly_the_top_groups(family):
    model = _vision_classifier()[0] if family == "vision" else _lstm_classifier()
    groups = finetune.layer_groups(model)
    for n in range(len(groups) + 1):
        finetune.freeze_to(model, groups, n)
        assert _trainable_layers(groups) == list(range(len(groups) - n, len(groups)))
        expected = sum(len(l.trainable_weights) for g in groups for l in g)
        assert len(model.trainable_weights) == expected  # nothing outside the groups trains
    with pytest.raises(ValueError, match="n_top"):
        finetune.freeze_to(model, groups, len(groups) + 1)


def test_batchnorm_stays_frozen_unless_asked():
    model, base = _vision_classifier()
    groups = finetune.layer_groups(model)
    finetune.freeze_to(model, groups, len(groups))
    bns = [l for l in base.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert bns and not any(l.trainable for l in bns)
    finetune.freeze_to(model, groups, len(groups), train_bn=True)
    assert all(l.trainable for l in bns)


def test_default_loss_matches_logits_and_rejects_probabilities():
    binary = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    loss, metrics = finetune.default_loss_and_metrics(binary)
    assert isinstance(loss, keras.losses.BinaryCrossentropy) and loss.get_config()["from_logits"]
    acc = metrics[0]
    acc.update_state([1, 0], [[0.3], [-0.2]])  # logits: positive = class 1
    assert float(acc.result()) == 1.0
    multi = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    assert finetune.default_loss_and_metrics(multi)[0].get_config()["from_logits"]
    softmax = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="softmax")])
    with pytest.raises(ValueError, match="logits"):
        finetune.default_loss_and_metrics(softmax)


def test_every_course_classifier_returns_logits():
    for model in (_vision_classifier()[0], _lstm_classifier()):
        finetune.default_loss_and_metrics(model)  # raises on softmax/sigmoid outputs


def test_gradual_unfreezing_of_an_lstm_classifier_learns_top_first(token_task):
    x, y, clf = token_task
    groups = finetune.layer_groups(clf)
    embedding_before = groups[0][0].get_weights()[0].copy()
    history = finetune.gradual_unfreezing(clf, groups, x, y, epochs_per_stage=[2, 2, 5], learning_rate=1e-2,
                                          stage_lr_factor=0.5, batch_size=16)
    assert history["stage"] == [0, 0, 1, 1] + [2] * 5 and history["groups"] == [1, 1, 2, 2] + [3] * 5
    assert clf.evaluate(x, y, verbose=0)[1] > 0.8  # chance: 0.5
    assert np.abs(groups[0][0].get_weights()[0] - embedding_before).max() > 0  # the last stage trains everything
    with pytest.raises(ValueError, match="stages"):
        finetune.gradual_unfreezing(clf, groups, x, y, stages=[0])
    with pytest.raises(ValueError, match="epochs_per_stage"):
        finetune.gradual_unfreezing(clf, groups, x, y, stages=[1, 2], epochs_per_stage=[1])


def test_gradual_unfreezing_of_a_vision_classifier_on_a_dataset():
    model, base = _vision_classifier()
    groups = finetune.layer_groups(model)
    images = np.random.default_rng(1).uniform(0, 255, (16, 32, 32, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((images, np.arange(16) % 2)).batch(8)
    lowest = groups[0][0].get_weights()[0].copy()
    history = finetune.gradual_unfreezing(model, groups, ds, stages=[1, 3], learning_rate=1e-3,
                                          schedule="constant", optimizer="adamw")
    assert history["groups"] == [1, 3] and set(history) >= {"loss", "accuracy", "stage"}
    np.testing.assert_array_equal(groups[0][0].get_weights()[0], lowest)  # never unfrozen
    assert len(model.trainable_weights) == sum(len(l.trainable_weights) for g in groups[-3:] for l in g)


def test_merge_histories():
    assert finetune.merge_histories([{"loss": [1.0]}, {"loss": [0.5]}]) == {"loss": [1.0, 0.5]}
    with pytest.raises(ValueError):
        finetune.merge_histories([])
