import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import transfer
from utils.data import CourseDataError
from utils.optim import discriminative_optimizer

SIZE = 32


@pytest.fixture(scope="module")
def base():
    keras.utils.set_random_seed(0)
    backbone, preprocess = transfer.load_backbone("MobileNetV2", image_size=SIZE, weights=None, alpha=0.35)
    return backbone, preprocess


def _images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, SIZE, SIZE, 3)).astype("float32")


def test_preprocess_is_the_family_one():
    pp = transfer.get_preprocess("MobileNetV2")
    out = np.asarray(pp(np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")))
    np.testing.assert_allclose(out.ravel(), [-1, 0, 1], atol=1e-6)
    # ResNet50 uses caffe-style BGR mean subtraction, not [-1, 1]
    out = np.asarray(transfer.get_preprocess("ResNet50")(np.full((1, 1, 1, 3), 255.0, "float32")))
    assert out.max() > 100
    with pytest.raises(ValueError, match="desconocida"):
        transfer.get_preprocess("AlexNet")


def test_layer_blocks_of_mobilenet_v2(base):
    backbone, _ = base
    blocks = transfer.layer_blocks(backbone)
    names = [name for name, _ in blocks]
    assert names[0] == "stem" and names[1] == "expanded_conv"
    assert names[2:] == [f"block_{i}" for i in range(1, 17)]
    assert sum(len(layers) for _, layers in blocks) == len(backbone.layers)
    assert blocks[-1][1][-1].name == "out_relu"  # the final 1×1 conv joins the last block


def test_layer_blocks_other_families():
    m = keras.applications.MobileNet(alpha=0.25, weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))
    names = [n for n, _ in transfer.layer_blocks(m)]
    assert names == ["stem"] + [f"conv_{i}" for i in range(1, 14)]


def test_freeze_up_to_and_unfreeze_top_blocks(base):
    backbone, _ = base
    n = transfer.freeze_up_to(backbone, "block_15_project_BN")
    trainable = [l.name for l in backbone.layers if l.trainable and l.weights]
    assert n == len(trainable) and trainable[0] == "block_16_expand"
    assert not any("BN" in name or "bn" in name for name in trainable)  # BatchNorm kept frozen
    assert transfer.freeze_up_to(backbone, "block_15_project_BN", train_bn=True) > n

    unfrozen = transfer.unfreeze_top_blocks(backbone, 2)
    assert unfrozen == ["block_15", "block_16"]
    trainable = {l.name for l in backbone.layers if l.trainable and l.weights}
    assert "block_15_expand" in trainable and "block_14_expand" not in trainable
    assert transfer.unfreeze_top_blocks(backbone, 0) == [] and not backbone.trainable_weights
    with pytest.raises(ValueError, match="entre 0 y"):
        transfer.unfreeze_top_blocks(backbone, 99)
    with pytest.raises(ValueError, match="no está"):
        transfer.freeze_up_to(backbone, "no_such_layer")


def test_build_classifier_and_trainable_counts(base):
    backbone, preprocess = base
    backbone.trainable = False
    model = transfer.build_classifier(backbone, preprocess, num_classes=2)
    assert model.output_shape == (None, 1)
    counts = transfer.trainable_counts(model)
    assert counts["entrenables"] == 1280 + 1  # only the linear head
    assert counts["congelados"] == backbone.count_params()
    transfer.unfreeze_top_blocks(backbone, 3)
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


def test_grad_cam_shape_range_and_focus():
    # A tiny "backbone" whose channel 0 lights up only in the top-left corner; the head reads
    # channel 0, so Grad-CAM must point at the top-left corner.
    inputs = keras.Input((8, 8, 3))
    conv = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")
    backbone = keras.Model(inputs, conv(inputs), name="toy")
    conv.set_weights([np.array([[[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]], "float32")])
    head = keras.Sequential([keras.layers.Dense(1, use_bias=False)])
    model = transfer.build_classifier(backbone, None, head=head)
    head.layers[0].set_weights([np.array([[1.0], [0.0]], "float32")])
    image = np.zeros((8, 8, 3), "float32")
    image[:2, :2, 0] = 1.0
    image[:, :, 1] = 0.5
    cam = transfer.grad_cam(model, image, class_index=1)
    assert cam.shape == (8, 8) and cam.min() >= 0 and cam.max() == pytest.approx(1.0)
    assert cam[:2, :2].mean() == pytest.approx(1.0) and cam[4:, 4:].max() == 0
    # Class 0 of a binary output is explained by the negative logit: nothing supports it here.
    assert transfer.grad_cam(model, image, class_index=0).max() == 0
    batch = transfer.grad_cam(model, np.stack([image, image]))
    assert batch.shape == (2, 8, 8)
    with pytest.raises(ValueError, match="0 o 1"):
        transfer.grad_cam(model, image, class_index=3)


def test_grad_cam_on_a_real_backbone(base):
    backbone, preprocess = base
    model = transfer.build_classifier(backbone, preprocess)
    cam = transfer.grad_cam(model, _images(2), layer_name="block_13_expand_relu")
    assert cam.shape == (2, 2, 2)
    assert np.all((cam >= 0) & (cam <= 1))


@pytest.fixture(scope="module")
def pretrained():
    try:  # real ImageNet weights (offline: from the Keras cache); random weights are too "dead"
        return transfer.load_backbone("MobileNetV2", image_size=96, alpha=0.35)
    except CourseDataError as error:
        pytest.skip(f"sin los pesos de MobileNetV2 (α=0.35): {error}")


def test_discriminative_rates_move_lower_blocks_less(pretrained):
    backbone, preprocess = pretrained
    keras.utils.set_random_seed(1)
    model = transfer.build_classifier(backbone, preprocess)
    head = model.get_layer("head")
    names = transfer.unfreeze_top_blocks(backbone, 2)
    blocks = dict(transfer.layer_blocks(backbone))
    low, high = blocks[names[0]][0], blocks[names[1]][0]  # the expand 1×1 convs
    groups = [blocks[names[0]], blocks[names[1]], head]
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


def _toy_backbone():
    """A small CNN named like keras.applications: stem, block_1, block_2, block_3."""
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", name="Conv1")(inputs)
    for i in (1, 2, 3):
        x = keras.layers.Conv2D(4, 3, padding="same", name=f"block_{i}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"block_{i}_BN")(x)
        x = keras.layers.ReLU(name=f"block_{i}_relu")(x)
    return keras.Model(inputs, x, name="toy_backbone")


def test_load_backbone_validation_and_offline_error(monkeypatch):
    import keras

    with pytest.raises(ValueError, match="desconocida"):
        transfer.load_backbone("ResNet1000")
    with pytest.raises(ValueError, match="weights"):
        transfer.load_backbone("MobileNetV2", weights="random")

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/x.h5: None -- "
                        "[Errno -3] Temporary failure in name resolution")

    offline.__name__ = "ResNet50"
    monkeypatch.setattr(keras.applications, "ResNet50", offline)
    with pytest.raises(CourseDataError, match="sin conexión a internet") as error:
        transfer.load_backbone("ResNet50", image_size=SIZE)
    assert "ResNet50" in str(error.value) and "dañado" not in str(error.value)


def test_a_corrupt_cached_weights_file_is_named_not_blamed_on_the_network():
    from utils.data import keras_home

    bad = keras_home() / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_96_no_top.h5"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"this is not an HDF5 file")
    try:
        with pytest.raises(CourseDataError) as error:
            transfer.load_backbone("MobileNetV2", image_size=96, alpha=0.5)
    finally:
        bad.unlink()
    message = str(error.value)
    assert "dañado o incompleto" in message and "Bórralo" in message and "sin conexión" not in message


def test_a_wrong_argument_keeps_keras_own_error():
    with pytest.raises(ValueError) as error:  # MobileNetV2 has no alpha 0.6: Keras says which ones exist
        transfer.load_backbone("MobileNetV2", image_size=96, alpha=0.6)
    assert not isinstance(error.value, CourseDataError)


def test_images_per_second_times_only_the_measured_batches(monkeypatch):
    """One warm-up batch (not timed), then ``repeats`` timed batches of the requested shape."""
    clock = iter([10.0, 12.0])  # start, end: 2 s for the timed batches
    monkeypatch.setattr(transfer.time, "perf_counter", lambda: next(clock))
    shapes = []

    class Model:
        def predict_on_batch(self, x):
            shapes.append(x.shape)

    assert transfer.images_per_second(Model(), 48, batch_size=8, repeats=3) == pytest.approx(8 * 3 / 2.0)
    assert shapes == [(8, 48, 48, 3)] * 4
    with pytest.raises(ValueError):
        transfer.images_per_second(Model(), 48, repeats=0)


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
