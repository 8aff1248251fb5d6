"""One module per op; importing a module registers it. Add one line per new op."""

from .base import REGISTRY, ConstArray, Kernel, OpSpec  # noqa: F401

# isort: off
from . import conv2d  # noqa: F401,E402
from . import depthwise_conv2d  # noqa: F401,E402
from . import fully_connected  # noqa: F401,E402
from . import reshape  # noqa: F401,E402
# (activations)
# (elementwise)
# (pooling and spatial)
# isort: on
