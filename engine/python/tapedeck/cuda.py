"""tapedeck.cuda, as torch.cuda for scripts that choose their device: this build runs on
the CPU, so is_available() is False and `device = "cuda" if torch.cuda.is_available() else
"cpu"` picks the CPU. Seeding is accepted and does nothing, as PyTorch does without a GPU."""


def is_available():
    """Whether a GPU can run tensors: never in this build (its engine is CPU only)."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeds the GPU's generator: with no GPU, silently nothing (as PyTorch)."""


def manual_seed_all(seed):
    """Seeds every GPU's generator: with no GPU, silently nothing (as PyTorch)."""
