"""Mark weights sparse enough to store compactly (see the module's full docstring when implemented)."""

from __future__ import annotations

from ..ir import Graph


def sparsify(g: Graph, max_density: float = 0.5) -> Graph:
    """Annotate FULLY_CONNECTED and CONV_2D ops whose weights are sparse enough."""
    return g
