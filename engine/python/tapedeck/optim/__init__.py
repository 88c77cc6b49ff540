"""tapedeck.optim: SGD, Adam, AdamW and RMSprop under PyTorch's names and arguments, and
learning-rate schedulers (tapedeck.optim.lr_scheduler)."""
from .optimizer import Optimizer  # noqa: F401
from .engine_optimizers import SGD, Adam, AdamW, RMSprop  # noqa: F401
from . import lr_scheduler  # noqa: F401
