"""tapedeck.utils.data's samplers, ConcatDataset, IterableDataset and ChainDataset: the
deterministic ones against Debian's PyTorch, the random ones against what they must draw."""
import collections

import pytest

import tapedeck as td
from tapedeck.utils import data

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")
tdata = torch.utils.data


class Stream(data.IterableDataset):
    def __init__(self, n, length=True):
        self.n, self.length = n, length

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.length:
            raise TypeError("a stream without a length")
        return self.n


class TorchStream(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def _batches(loader):
    return [b.tolist() if hasattr(b, "tolist") else b for b in loader]


def test_sequential_batch_samplers_and_concatenation_match_pytorch():
    items = list(range(10, 17))
    for drop_last in (False, True):
        ours = list(data.BatchSampler(data.SequentialSampler(items), 3, drop_last))
        theirs = list(tdata.BatchSampler(tdata.SequentialSampler(items), 3, drop_last))
        assert ours == theirs
        assert len(data.BatchSampler(data.SequentialSampler(items), 3, drop_last)) == len(theirs)
    ours = data.ConcatDataset([list(range(3)), list(range(10, 12))]) + data.TensorDataset(td.arange(2))
    theirs = tdata.ConcatDataset([list(range(3)), list(range(10, 12))]) + tdata.TensorDataset(torch.arange(2))
    assert len(ours) == len(theirs) == 7
    assert [ours[i] if not isinstance(ours[i], tuple) else ours[i][0].item() for i in range(-7, 7)] == \
        [theirs[i] if not isinstance(theirs[i], tuple) else theirs[i][0].item() for i in range(-7, 7)]
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    batches = _batches(data.DataLoader(data.ConcatDataset([list(range(3)), list(range(3, 5))]), batch_size=2))
    assert batches == _batches(tdata.DataLoader(tdata.ConcatDataset([list(range(3)), list(range(3, 5))]),
                                                batch_size=2))
    loader = data.DataLoader(list(range(8)), batch_sampler=data.BatchSampler(data.SequentialSampler(range(8)), 3, True))
    assert _batches(loader) == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2


def test_iterable_datasets_are_batched_as_they_stream():
    for batch_size, drop_last in ((3, False), (3, True), (None, False)):
        ours = _batches(data.DataLoader(Stream(7) + Stream(2), batch_size=batch_size, drop_last=drop_last))
        theirs = _batches(tdata.DataLoader(tdata.ChainDataset([TorchStream(7), TorchStream(2)]),
                                           batch_size=batch_size, drop_last=drop_last))
        assert ours == theirs
    assert len(data.DataLoader(Stream(7), batch_size=3)) == 3
    with pytest.raises(TypeError, match="a stream without a length"):
        len(data.DataLoader(Stream(7, length=False), batch_size=3))
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle option"):
        data.DataLoader(Stream(3), shuffle=True)
    assert data.get_worker_info() is None


def test_random_samplers_draw_what_they_must():
    td.manual_seed(0)
    once = list(data.RandomSampler(range(10)))
    assert sorted(once) == list(range(10))
    longer = list(data.RandomSampler(range(4), num_samples=10))
    assert len(longer) == 10 and sorted(longer[:4]) == [0, 1, 2, 3]  # whole permutations first
    draws = list(data.RandomSampler(range(3), replacement=True, num_samples=3000))
    assert set(draws) == {0, 1, 2} and all(900 < draws.count(k) < 1100 for k in range(3))
    subset = list(data.SubsetRandomSampler([5, 7, 9]))
    assert sorted(subset) == [5, 7, 9]
    weighted = list(data.WeightedRandomSampler([0.1, 0.0, 0.9], 2000))
    counts = collections.Counter(weighted)
    assert counts[1] == 0 and 150 < counts[0] < 260
    distinct = list(data.WeightedRandomSampler([1.0, 1.0, 2.0, 0.5], 4, replacement=False))
    assert sorted(distinct) == [0, 1, 2, 3]
    td.manual_seed(3)
    first = _batches(data.DataLoader(list(range(6)), batch_size=2, sampler=data.RandomSampler(range(6))))
    td.manual_seed(3)
    again = _batches(data.DataLoader(list(range(6)), batch_size=2, sampler=data.RandomSampler(range(6))))
    assert first == again and sorted(sum(first, [])) == list(range(6))


def test_sampler_errors_name_the_problem():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        data.RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        data.WeightedRandomSampler([1.0], 2, replacement=1)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        data.WeightedRandomSampler(td.ones(1, 2), 2)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        data.BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        data.DataLoader(list(range(3)), sampler=data.SequentialSampler(range(3)), shuffle=True)
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        data.ConcatDataset([Stream(2)])
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size, shuffle"):
        data.DataLoader(list(range(4)), batch_size=2, batch_sampler=data.BatchSampler(range(4), 2, False))
    assert data.DataLoader(list(range(4)), batch_sampler=data.BatchSampler(range(4), 2, False)).batch_size is None
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        data.RandomSampler([])
    with pytest.raises(ValueError, match="RandomSampler: the data source is empty"):
        list(data.RandomSampler([], num_samples=3))
    with pytest.raises(NotImplementedError, match="SubsetRandomSampler: generator= is not supported"):
        data.SubsetRandomSampler([1], generator=object())
