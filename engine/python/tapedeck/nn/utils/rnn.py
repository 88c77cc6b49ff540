"""tapedeck.nn.utils.rnn: variable-length sequences, as PyTorch's. A PackedSequence holds the
steps of a batch of sequences sorted by length, longest first, time-major: step t's rows are
those of the batch_sizes[t] sequences still running. RNN, GRU and LSTM take one and stop
each sequence at its own end. Packing and padding are index_select and index_add, so they
are recorded and differentiated."""
import collections

from ... import _C

_i64 = _C.dtype.int64


class PackedSequence(collections.namedtuple("PackedSequence",
                                            ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """data [sum of lengths, *]; batch_sizes (int64, one per step); sorted_indices (the batch
    order by length, longest first; None when it was sorted already) and its inverse."""

    def __new__(cls, data, batch_sizes, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self):
        return False


def _invert(permutation):
    n = permutation.numel()
    return _C.zeros(n, dtype=_i64).index_add(0, permutation, _C.arange(n, dtype=_i64))


def _lengths(lengths, batch):
    values = lengths.tolist() if isinstance(lengths, _C.Tensor) else [int(v) for v in lengths]
    if len(values) != batch:
        raise ValueError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} (batch_size={batch})")
    if values and min(values) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    return values


def _steps(lengths_sorted):
    """batch_sizes: how many of the (sorted) sequences are running at each step."""
    longest = lengths_sorted[0] if lengths_sorted else 0
    return [sum(1 for n in lengths_sorted if n > t) for t in range(longest)]


def _packed_rows(batch_sizes, order, batch):
    """For each packed row (step-major), its row in the [T * B] flattened padded batch."""
    return [t * batch + order[b] for t, size in enumerate(batch_sizes) for b in range(size)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch [T, B, *] ([B, T, *] with batch_first) of sequences of `lengths`."""
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    values = _lengths(lengths, batch)
    if max(values, default=0) > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {max(values)} is longer than the {steps} steps of the "
                           f"input")
    if enforce_sorted:
        if any(a < b for a, b in zip(values, values[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = list(range(batch)), None
    else:
        order = sorted(range(batch), key=lambda b: -values[b])  # stable: ties keep their order
        sorted_indices = _C.tensor(order, dtype=_i64)
    batch_sizes = _steps([values[b] for b in order])
    rows = _C.tensor(_packed_rows(batch_sizes, order, batch), dtype=_i64)
    data = input.reshape(steps * batch, *input.shape[2:]).index_select(0, rows)
    return PackedSequence(data, _C.tensor(batch_sizes, dtype=_i64), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch [T, B, *] (in the original order) and the lengths, pack_padded_sequence's inverse."""
    sizes = sequence.batch_sizes.tolist()
    steps, batch = len(sizes), (sizes[0] if sizes else 0)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    rows = _C.tensor(_packed_rows(sizes, list(range(batch)), batch), dtype=_i64)
    data = sequence.data
    shape = [steps * batch, *data.shape[1:]]
    padded = _C.zeros(*shape, dtype=data.dtype).index_add(0, rows, data)
    if padding_value != 0:
        filled = _C.zeros(steps * batch).index_add(0, rows, _C.ones(rows.numel())) > 0
        padded = padded.masked_fill(~filled.reshape(-1, *([1] * (data.dim() - 1))), padding_value)
    padded = padded.reshape(steps, batch, *data.shape[1:])
    lengths = [sum(1 for size in sizes if size > b) for b in range(batch)]
    lengths = _C.tensor(lengths, dtype=_i64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths.index_select(0, sequence.unsorted_indices)
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0):
    """Sequences [L_i, *] padded to the longest: [T, B, *] ([B, T, *] with batch_first)."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            s = _C.cat([s, _C.full([missing, *s.shape[1:]], float(padding_value), dtype=s.dtype)], 0)
        padded.append(s)
    return _C.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of sequences [L_i, *] (longest first unless enforce_sorted=False)."""
    sequences = list(sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)
