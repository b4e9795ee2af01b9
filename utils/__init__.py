"""Helpers of the deep-learning and transfer-learning course (``import utils``)."""

from .config import FAST, SEED, is_fast, pick
from .device import DeviceInfo, setup

__all__ = ["FAST", "SEED", "DeviceInfo", "is_fast", "pick", "setup"]
__version__ = "0.1.0"
