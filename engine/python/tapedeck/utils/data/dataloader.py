"""DataLoader: batches of a dataset, optionally shuffled; each iteration is an epoch. The
shuffle order comes from tapedeck's global generator (reproducible under manual_seed). A
TensorDataset (or a Subset of one) is batched with one index_select per tensor."""
import random
import sys

from ... import _C
from .dataset import IterableDataset, Subset, TensorDataset


def get_worker_info():
    """None: batches are made in the main process (PyTorch's answer there too)."""
    return None


def _is_numpy(value, kind):
    """Whether `value` is a NumPy array (kind "ndarray") or scalar (kind "generic"), without
    importing NumPy for datasets that never use it."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, getattr(numpy, kind))


def default_convert(sample):
    """A sample as DataLoader(batch_size=None) yields it: NumPy arrays and scalars as tensors,
    inside tuples, lists and dicts too; anything else as it is."""
    if (_is_numpy(sample, "ndarray") or _is_numpy(sample, "generic")) and sample.dtype.kind in "biuf":
        return _C.tensor(sys.modules["numpy"].asarray(sample))
    if isinstance(sample, dict):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):  # a namedtuple
        return type(sample)(*(default_convert(value) for value in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(value) for value in sample]
    return sample


def default_collate(batch):
    """Stacks tensors and NumPy arrays, turns numbers into tensors, keeps strings as a list,
    and recurses into tuples (namedtuples keep their type), lists and dicts, as PyTorch's."""
    first = batch[0]
    if isinstance(first, _C.Tensor):
        return _C.stack(list(batch), 0)
    if (_is_numpy(first, "ndarray") or _is_numpy(first, "generic")) and first.dtype.kind in "biuf":
        return _C.tensor(sys.modules["numpy"].stack(batch))  # one copy, of the arrays' own dtype
    if isinstance(first, (str, bytes)):
        return batch  # as given (from a tuple of samples, a tuple: PyTorch's too)
    if isinstance(first, bool):
        return _C.tensor(list(batch), dtype=_C.dtype.bool)
    if isinstance(first, int):
        return _C.tensor(list(batch), dtype=_C.dtype.int64)
    if isinstance(first, float):
        return _C.tensor(list(batch), dtype=_C.dtype.float64)
    if isinstance(first, dict):
        return {key: default_collate([example[key] for example in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(default_collate(items) for items in zip(*batch)))
    if isinstance(first, (tuple, list)):
        return [default_collate(items) for items in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch elements of type {type(first).__name__}")


class DataLoader:
    """Iterates `dataset` in batches of `batch_size` (shuffled each epoch when asked)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, generator=None, **unused):
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                     f"{name}={value}")
        elif batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                             "drop_last")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        elif batch_sampler is None and sampler is None and not (hasattr(dataset, "__len__")
                                                                 and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset must support len() and indexing (a Dataset, a list), got "
                            f"{type(dataset).__name__}")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if batch_sampler is not None:
            batch_size = None  # (the batch sampler decides, as PyTorch's)
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self._seed = generator if isinstance(generator, int) else None

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # (a TypeError for a stream without a length, as PyTorch's)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size

    def _order(self):
        if self.sampler is not None:
            return list(iter(self.sampler))
        order = list(range(len(self.dataset)))
        if self.shuffle:
            seed = self._seed if self._seed is not None else int(_C.randint(0, 2 ** 62, (1,)).item())
            random.Random(seed).shuffle(order)
            if self._seed is not None:
                self._seed += 1
        return order

    def _batches(self):
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield chunk

    def _tensors(self):
        """(tensors, index map) when batches can be cut with index_select, else None."""
        dataset, mapping = self.dataset, None
        if isinstance(dataset, Subset) and isinstance(dataset.dataset, TensorDataset):
            dataset, mapping = dataset.dataset, dataset.indices
        if isinstance(dataset, TensorDataset) and self.collate_fn is None:
            return dataset.tensors, mapping
        return None

    def _stream(self):
        """An IterableDataset's examples, batched as they come."""
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            for example in self.dataset:
                yield convert(example)
            return
        collate = self.collate_fn or default_collate
        batch = []
        for example in self.dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_size is None and self.batch_sampler is None:
            # No batching (PyTorch's batch_size=None): each sample, converted as collate_fn
            # or default_convert says.
            convert = self.collate_fn or default_convert
            for index in self._order():
                yield convert(self.dataset[index])
            return
        fast = self._tensors()
        for indices in self._batches():
            if fast is not None:
                tensors, mapping = fast
                if mapping is not None:
                    indices = [mapping[i] for i in indices]
                index = _C.tensor(indices, dtype=_C.dtype.int64)
                yield [t.index_select(0, index) for t in tensors]
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[i] for i in indices])
