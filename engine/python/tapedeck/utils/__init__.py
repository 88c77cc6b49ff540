"""tapedeck.utils: data loading (tapedeck.utils.data)."""
from . import data  # noqa: F401
