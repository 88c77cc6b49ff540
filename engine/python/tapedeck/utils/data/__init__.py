"""tapedeck.utils.data: datasets (Dataset, TensorDataset, Subset, ConcatDataset,
IterableDataset, ChainDataset, random_split), samplers and DataLoader, as PyTorch's (single
process: num_workers is accepted and ignored)."""
from .dataset import (  # noqa: F401
    ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split,
)
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401
from .sampler import (  # noqa: F401
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)
