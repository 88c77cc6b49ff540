"""tapedeck.nn: PyTorch's nn in pure Python over the engine. Modules register their
Parameters, buffers and submodules; calling one pushes its qualified name as the tape
scope, as the engine's C++ modules do.

    import tapedeck as torch
    import tapedeck.nn as nn
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
"""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Parameter  # noqa: F401
