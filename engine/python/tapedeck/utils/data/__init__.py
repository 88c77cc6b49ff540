"""tapedeck.utils.data: Dataset, TensorDataset, Subset, random_split and DataLoader, as
PyTorch's (single process: num_workers is accepted and ignored)."""
from .dataset import Dataset, TensorDataset, Subset, random_split  # noqa: F401
from .dataloader import DataLoader, default_collate, default_convert  # noqa: F401
