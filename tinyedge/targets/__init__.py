"""Where generated C runs: the host (cffi), emulated boards, exported projects."""
