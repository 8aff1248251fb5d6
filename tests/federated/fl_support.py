"""Helpers for the federated tests (a module with a name no other test folder uses)."""

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "federated_digits"
MODEL = f"{EXAMPLE / 'model.py'}:make_model"  # the example's model factory, as --model takes it


def load_example():
    """examples/federated_digits/run.py as a module (by path: 'run' is too common a name to import)."""
    spec = importlib.util.spec_from_file_location("federated_digits_run", EXAMPLE / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
