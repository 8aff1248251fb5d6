"""One module per op; importing a module registers it. Add new ops here."""

from . import conv2d, depthwise_conv2d, fully_connected, reshape  # noqa: F401
from .base import REGISTRY, ConstArray, Kernel, OpSpec  # noqa: F401
