"""python -m tapedeck.run script.py [args]: runs a PyTorch-style script on Tapedeck, with
`import torch` (and torch.nn, torch.nn.functional, torch.optim, torch.utils.data,
torch.autograd, torch.linalg and their submodules) resolving to tapedeck's modules. Nothing is installed or changed: the
aliases live in this process's sys.modules only, so a real PyTorch stays untouched."""
import importlib
import runpy
import sys

_ALIASES = ["", ".nn", ".nn.functional", ".nn.init", ".nn.utils", ".nn.utils.rnn", ".optim", ".optim.lr_scheduler",
            ".utils", ".utils.data", ".utils.data.sampler", ".utils.data.dataset", ".autograd", ".autograd.functional",
            ".linalg", ".distributions", ".special"]


def alias_torch():
    """Makes `import torch...` give tapedeck's modules in this process."""
    import tapedeck
    for suffix in _ALIASES:
        try:
            module = importlib.import_module("tapedeck" + suffix)
        except ImportError:
            continue
        sys.modules["torch" + suffix] = module
    return tapedeck


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m tapedeck.run script.py [args...]", file=sys.stderr)
        return 2
    alias_torch()
    sys.argv = argv
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
