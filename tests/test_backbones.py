"""Every backbone family that notebook 04 names goes through the helpers its full mode calls.

Keras builds each one offline with ``weights=None`` (random weights), so a bug that only full mode
or Colab would reach (a family whose layer names the block rules do not know, an off-by-one top
block) fails here.
"""

import keras
import numpy as np
import pytest

from utils import finetune, transfer

SIZE = 96  # the smallest input every family accepts (InceptionV3 needs ≥ 75 px)


@pytest.fixture(scope="module", params=sorted(transfer.BACKBONES))
def family(request):
    keras.utils.set_random_seed(0)
    base, preprocess = transfer.load_backbone(request.param, image_size=SIZE, weights=None)
    return request.param, base, preprocess


def test_blocks_cover_the_backbone_and_the_top_block_learns(family):
    name, base, _ = family
    blocks = transfer.layer_blocks(base)
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
    images = np.random.default_rng(0).uniform(0, 255, (2, SIZE, SIZE, 3)).astype("float32")
    assert model.predict(images, verbose=0).shape == (2, 3)
    features = transfer.feature_model(base, preprocess).predict(images, verbose=0)
    assert features.shape == (2, base.output_shape[-1])
    cam = transfer.grad_cam(model, images)
    assert cam.ndim == 3 and cam.shape[0] == 2 and np.isfinite(cam).all()
    assert 0.0 <= cam.min() and cam.max() <= 1.0
