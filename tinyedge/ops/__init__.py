"""One module per op; importing a module registers it. Add one line per new op."""

from .base import REGISTRY, ConstArray, Kernel, OpSpec  # noqa: F401

# isort: off
from . import conv2d  # noqa: F401,E402
from . import depthwise_conv2d  # noqa: F401,E402
from . import fully_connected  # noqa: F401,E402
from . import reshape  # noqa: F401,E402
# (activations)
from . import softmax  # noqa: F401,E402
from . import logistic  # noqa: F401,E402
from . import tanh  # noqa: F401,E402
from . import relu  # noqa: F401,E402
from . import leaky_relu  # noqa: F401,E402
from . import hard_swish  # noqa: F401,E402
from . import quantize  # noqa: F401,E402
from . import dequantize  # noqa: F401,E402
# (elementwise)
from . import add  # noqa: F401,E402
from . import sub  # noqa: F401,E402
from . import mul  # noqa: F401,E402
from . import maximum_minimum  # noqa: F401,E402
from . import pad  # noqa: F401,E402
from . import concatenation  # noqa: F401,E402
# (pooling and spatial)
from . import pooling  # noqa: F401,E402
from . import mean  # noqa: F401,E402
from . import space_batch  # noqa: F401,E402
# isort: on
