"""Helpers of the deep-learning and transfer-learning course (``import utils``)."""

from . import config, data

data.configure_caches()  # every download cache (Keras, TF Hub, KaggleHub, Hugging Face) under $KERAS_HOME

from .config import SEED, is_fast, pick, progress  # noqa: E402
from .device import DeviceInfo, setup  # noqa: E402

__all__ = ["FAST", "SEED", "DeviceInfo", "is_fast", "pick", "progress", "setup"]
__version__ = config.VERSION


def __getattr__(name):  # ``utils.FAST``: the current mode (see ``utils.config``)
    if name == "FAST":
        return config.is_fast()
    raise AttributeError(name)
