"""utils.backbones: the table of families, loading, blocks and speed.

The second half sends every backbone family that notebook 04 names through the helpers its full
mode calls. Keras builds each one offline with ``weights=None`` (random weights), so a bug that
only full mode or Colab would reach (a family whose layer names the block rules do not know, an
off-by-one top block) fails here.
"""

import keras
import numpy as np
import pytest

from utils import backbones, finetune, transfer
from utils.data import CourseDataError
from utils.gradcam import grad_cam

SIZE = 32


@pytest.fixture(scope="module")
def base():
    keras.utils.set_random_seed(0)
    return backbones.load_backbone("MobileNetV2", image_size=SIZE, weights=None, alpha=0.35)


def test_preprocess_is_the_family_one():
    pp = backbones.get_preprocess("MobileNetV2")
    out = np.asarray(pp(np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")))
    np.testing.assert_allclose(out.ravel(), [-1, 0, 1], atol=1e-6)
    # ResNet50 uses caffe-style BGR mean subtraction, not [-1, 1]
    out = np.asarray(backbones.get_preprocess("ResNet50")(np.full((1, 1, 1, 3), 255.0, "float32")))
    assert out.max() > 100
    with pytest.raises(ValueError, match="desconocida"):
        backbones.get_preprocess("AlexNet")


def test_layer_blocks_of_mobilenet_v2(base):
    backbone, _ = base
    blocks = backbones.layer_blocks(backbone)
    names = [name for name, _ in blocks]
    assert names[0] == "stem" and names[1] == "expanded_conv"
    assert names[2:] == [f"block_{i}" for i in range(1, 17)]
    assert sum(len(layers) for _, layers in blocks) == len(backbone.layers)
    assert blocks[-1][1][-1].name == "out_relu"  # the final 1×1 conv joins the last block


def test_layer_blocks_other_families():
    m = keras.applications.MobileNet(alpha=0.25, weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))
    names = [n for n, _ in backbones.layer_blocks(m)]
    assert names == ["stem"] + [f"conv_{i}" for i in range(1, 14)]


def test_load_backbone_validation_and_offline_error(monkeypatch):
    import keras

    with pytest.raises(ValueError, match="desconocida"):
        backbones.load_backbone("ResNet1000")
    with pytest.raises(ValueError, match="weights"):
        backbones.load_backbone("MobileNetV2", weights="random")

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/x.h5: None -- "
                        "[Errno -3] Temporary failure in name resolution")

    offline.__name__ = "ResNet50"
    monkeypatch.setattr(keras.applications, "ResNet50", offline)
    with pytest.raises(CourseDataError, match="sin conexión a internet") as error:
        backbones.load_backbone("ResNet50", image_size=SIZE)
    assert "ResNet50" in str(error.value) and "dañado" not in str(error.value)


def test_a_corrupt_cached_weights_file_is_named_not_blamed_on_the_network():
    from utils.data import keras_home

    bad = keras_home() / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_96_no_top.h5"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"this is not an HDF5 file")
    try:
        with pytest.raises(CourseDataError) as error:
            backbones.load_backbone("MobileNetV2", image_size=96, alpha=0.5)
    finally:
        bad.unlink()
    message = str(error.value)
    assert "dañado o incompleto" in message and "Bórralo" in message and "sin conexión" not in message


def test_a_wrong_argument_keeps_keras_own_error():
    with pytest.raises(ValueError) as error:  # MobileNetV2 has no alpha 0.6: Keras says which ones exist
        backbones.load_backbone("MobileNetV2", image_size=96, alpha=0.6)
    assert not isinstance(error.value, CourseDataError)


def test_images_per_second_times_only_the_measured_batches(monkeypatch):
    """One warm-up batch (not timed), then ``repeats`` timed batches of the requested shape."""
    clock = iter([10.0, 12.0])  # start, end: 2 s for the timed batches
    monkeypatch.setattr(backbones.time, "perf_counter", lambda: next(clock))
    shapes = []

    class Model:
        def predict_on_batch(self, x):
            shapes.append(x.shape)

    assert backbones.images_per_second(Model(), 48, batch_size=8, repeats=3) == pytest.approx(8 * 3 / 2.0)
    assert shapes == [(8, 48, 48, 3)] * 4
    with pytest.raises(ValueError):
        backbones.images_per_second(Model(), 48, repeats=0)


def test_find_backbone(base):
    backbone, preprocess = base
    model = transfer.build_classifier(backbone, preprocess)
    assert backbones.find_backbone(model) is backbone
    with pytest.raises(ValueError, match="red base"):
        backbones.find_backbone(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))


# ----- every family, random weights

FAMILY_SIZE = 96  # the smallest input every family accepts (InceptionV3 needs ≥ 75 px)


@pytest.fixture(scope="module", params=sorted(backbones.BACKBONES))
def family(request):
    keras.utils.set_random_seed(0)
    base, preprocess = backbones.load_backbone(request.param, image_size=FAMILY_SIZE, weights=None)
    return request.param, base, preprocess


def test_blocks_cover_the_backbone_and_the_top_block_learns(family):
    name, base, _ = family
    blocks = backbones.layer_blocks(base)
    assert len(blocks) >= 5, f"{name}: {[b for b, _ in blocks]}"
    assert [l for _, layers in blocks for l in layers] == list(base.layers)  # every layer, in order, once
    assert sum(len(l.weights) for l in blocks[-1][1]) > 0, f"{name}: el bloque superior no tiene pesos"
    assert blocks[0][0] == "stem"


def test_groups_unfreezing_features_and_grad_cam(family):
    name, base, preprocess = family
    model = transfer.build_classifier(base, preprocess, num_classes=3)
    groups = finetune.layer_groups(model)
    finetune.freeze_to(model, groups, 3)
    trainable = [i for i, g in enumerate(groups) if any(l.trainable_weights for l in g)]
    assert trainable == [len(groups) - 3, len(groups) - 2, len(groups) - 1], name
    images = np.random.default_rng(0).uniform(0, 255, (2, FAMILY_SIZE, FAMILY_SIZE, 3)).astype("float32")
    assert model.predict(images, verbose=0).shape == (2, 3)
    features = transfer.feature_model(base, preprocess).predict(images, verbose=0)
    assert features.shape == (2, base.output_shape[-1])
    cam = grad_cam(model, images)
    assert cam.ndim == 3 and cam.shape[0] == 2 and np.isfinite(cam).all()
    assert 0.0 <= cam.min() and cam.max() <= 1.0
