"""Keeps matplotlib on the IDE's backend (tapedeck.debug.mpl_backend: Agg, plt.show() sends
the figures to the Plots dock). A script's matplotlib.use(...) or plt.switch_backend(...)
naming another backend (or rcParams["backend"] set to one before the first figure) is
noted on stderr and answered with the IDE's backend: an interactive one would open
windows of its own beside the IDE and block plt.show() in the runner.

install() pins matplotlib now if it is imported, else as soon as it is; it imports nothing."""
import importlib.abc
import sys

BACKEND = "module://tapedeck.debug.mpl_backend"
_PINNED = "_tapedeck_pinned_backend"


def _requested(args, kwargs):
    """The backend a use() or switch_backend() call names, however it was passed."""
    if args:
        return args[0]
    for key in ("backend", "newbackend"):
        if key in kwargs:
            return kwargs[key]
    return None


def _wrap(module, name):
    original = getattr(module, name, None)
    if original is None or getattr(original, _PINNED, False):
        return

    def pinned(*args, **kwargs):
        chosen = _requested(args, kwargs)
        if chosen == BACKEND:
            return original(*args, **kwargs)
        # Anything else is answered with the IDE's backend, so matplotlib's state stays
        # whole (pyplot picks its backend through switch_backend on the first figure, with
        # whatever rcParams["backend"] says, even matplotlib's "choose for me" marker).
        if isinstance(chosen, str) and chosen.lower() != "agg":  # Agg is what the IDE draws with
            sys.stderr.write(f"tapedeck: matplotlib backend {chosen!r} ignored in the IDE; "
                             "plt.show() puts figures in the Plots dock\n")
        return original(BACKEND)

    setattr(pinned, _PINNED, True)
    pinned.__wrapped__ = original
    pinned.__doc__ = original.__doc__
    setattr(module, name, pinned)


def _pin(module):
    if module.__name__ == "matplotlib":
        _wrap(module, "use")
    elif module.__name__ == "matplotlib.pyplot":
        _wrap(module, "switch_backend")


class _PinOnImport(importlib.abc.MetaPathFinder):
    """Finds matplotlib and matplotlib.pyplot through the other finders and pins each
    module right after it runs."""

    def find_spec(self, name, path, target=None):
        if name not in ("matplotlib", "matplotlib.pyplot"):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module):
            run(module)
            _pin(module)

        loader.exec_module = exec_module
        return spec


def install():
    for name in ("matplotlib", "matplotlib.pyplot"):
        if name in sys.modules:
            _pin(sys.modules[name])
    if not any(isinstance(f, _PinOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PinOnImport())
