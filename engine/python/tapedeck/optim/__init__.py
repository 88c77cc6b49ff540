"""tapedeck.optim: SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Adadelta, NAdam, RAdam and Rprop
under PyTorch's names and arguments, and learning-rate schedulers (tapedeck.optim.lr_scheduler)."""
from .optimizer import Optimizer  # noqa: F401
from .engine_optimizers import SGD, Adam, AdamW, RMSprop  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .more_optimizers import Adadelta, Adamax, NAdam, RAdam, Rprop  # noqa: F401
from . import lr_scheduler  # noqa: F401
