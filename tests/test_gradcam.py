"""utils.gradcam: Grad-CAM on a toy network whose answer is known, and on a real backbone."""

import keras
import numpy as np
import pytest

from utils import backbones, transfer
from utils.gradcam import grad_cam


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
    cam = grad_cam(model, image, class_index=1)
    assert cam.shape == (8, 8) and cam.min() >= 0 and cam.max() == pytest.approx(1.0)
    assert cam[:2, :2].mean() == pytest.approx(1.0) and cam[4:, 4:].max() == 0
    # Class 0 of a binary output is explained by the negative logit: nothing supports it here.
    assert grad_cam(model, image, class_index=0).max() == 0
    batch = grad_cam(model, np.stack([image, image]))
    assert batch.shape == (2, 8, 8)
    with pytest.raises(ValueError, match="0 o 1"):
        grad_cam(model, image, class_index=3)


def test_grad_cam_on_a_real_backbone():
    keras.utils.set_random_seed(0)
    backbone, preprocess = backbones.load_backbone("MobileNetV2", image_size=32, weights=None, alpha=0.35)
    model = transfer.build_classifier(backbone, preprocess)
    cam = grad_cam(model, np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32"), layer_name="block_13_expand_relu")
    assert cam.shape == (2, 2, 2)
    assert np.all((cam >= 0) & (cam <= 1))
