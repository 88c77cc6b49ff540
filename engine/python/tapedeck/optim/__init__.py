"""tapedeck.optim: SGD, Adam, AdamW, RMSprop and Adagrad under PyTorch's names and
arguments, and learning-rate schedulers (tapedeck.optim.lr_scheduler)."""
from .optimizer import Optimizer  # noqa: F401
from .engine_optimizers import SGD, Adam, AdamW, RMSprop  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from . import lr_scheduler  # noqa: F401
