"""tapedeck.nn.utils.rnn (pad_sequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence) and RNN/GRU/LSTM over a PackedSequence, against Debian's PyTorch: the packed
data, the outputs and final states, and the gradients of the inputs and every parameter."""
import numpy as np
import pytest

import tapedeck as td
from nn_parity import pair, torch

rnn_utils = td.nn.utils.rnn
pytestmark = pytest.mark.skipif(torch is None, reason="the comparison needs Debian's python3-torch")


def _d(t):
    return t.detach().numpy()


LAYERS = [  # (constructor(nn), lengths, enforce_sorted, with an initial state)
    (lambda nn: nn.RNN(3, 4), [4, 2, 1], True, False),
    (lambda nn: nn.GRU(3, 4, num_layers=2), [2, 4, 3], False, True),
    (lambda nn: nn.LSTM(3, 4, bidirectional=True), [1, 4, 4, 2], False, True),
    (lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True), [3, 5, 2], False, False),
    (lambda nn: nn.GRU(3, 2, bidirectional=True, batch_first=True), [4, 3], True, False),
]


@pytest.mark.parametrize("build,lengths,enforce_sorted,with_state", LAYERS, ids=[f"layer{i}" for i in range(len(LAYERS))])
def test_recurrent_layers_over_packed_sequences_match_pytorch(build, lengths, enforce_sorted, with_state):
    theirs, ours = pair(build(torch.nn), build(td.nn))
    batch, steps = len(lengths), max(lengths)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((batch, steps, 3) if theirs.batch_first else (steps, batch, 3))
    directions = 2 if theirs.bidirectional else 1
    state_shape = (theirs.num_layers * directions, batch, theirs.hidden_size)
    states = [rng.standard_normal(state_shape) for _ in range(2)]
    lstm = isinstance(theirs, torch.nn.LSTM)
    results = []
    for lib, module, utils in ((torch, theirs, torch.nn.utils.rnn), (td, ours, rnn_utils)):
        inputs = lib.tensor(x, requires_grad=True)
        hx = None
        if with_state:
            hx = [lib.tensor(s, requires_grad=True) for s in states]
            hx = tuple(hx) if lstm else hx[0]
        packed = utils.pack_padded_sequence(inputs, lengths, batch_first=theirs.batch_first,
                                            enforce_sorted=enforce_sorted)
        out, final = module(packed, hx)
        finals = list(final) if lstm else [final]
        padded, out_lengths = utils.pad_packed_sequence(out, batch_first=theirs.batch_first, padding_value=0.5)
        loss = (padded * lib.tensor(np.linspace(-1, 1, padded.numel()).reshape(tuple(padded.shape)))).sum()
        for i, f in enumerate(finals):
            loss = loss + (f * (i + 2.0)).sum()
        loss.backward()
        states_in = [] if hx is None else (list(hx) if lstm else [hx])
        results.append({"data": _d(packed.data), "out": _d(out.data), "padded": _d(padded),
                        "lengths": out_lengths.tolist(), "finals": [_d(f) for f in finals],
                        "grads": [_d(inputs.grad)] + [_d(s.grad) for s in states_in],
                        "params": {n: _d(p.grad) for n, p in module.named_parameters()}})
    theirs_r, ours_r = results
    for key in ("data", "out", "padded"):
        np.testing.assert_allclose(ours_r[key], theirs_r[key], rtol=1e-10, atol=1e-12, err_msg=key)
    assert ours_r["lengths"] == theirs_r["lengths"] == list(lengths)
    for key in ("finals", "grads"):
        for i, (o, t) in enumerate(zip(ours_r[key], theirs_r[key])):
            np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-11, err_msg=f"{key} {i}")
    for name, grad in theirs_r["params"].items():
        np.testing.assert_allclose(ours_r["params"][name], grad, rtol=1e-9, atol=1e-11, err_msg=name)


def test_padding_and_packing_lists_of_sequences():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in (3, 1, 4)]
    for batch_first in (False, True):
        ours = rnn_utils.pad_sequence([td.tensor(a) for a in arrays], batch_first=batch_first, padding_value=-7.0)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first=batch_first,
                                                 padding_value=-7.0)
        np.testing.assert_array_equal(_d(ours), _d(theirs))
    ours = rnn_utils.pack_sequence([td.tensor(a) for a in arrays], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    np.testing.assert_array_equal(_d(ours.data), _d(theirs.data))
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.sorted_indices.tolist() == theirs.sorted_indices.tolist()
    assert ours.unsorted_indices.tolist() == theirs.unsorted_indices.tolist()
    padded, lengths = rnn_utils.pad_packed_sequence(ours, total_length=6)
    assert tuple(padded.shape) == (6, 3, 2) and lengths.tolist() == [3, 1, 4]


def test_packing_errors_name_the_problem():
    x = td.ones(4, 2, 3)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(x, [2, 4])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn_utils.pack_padded_sequence(x, [4, 0])
    with pytest.raises(ValueError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3"):
        rnn_utils.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(RuntimeError, match="a length of 5 is longer than the 4 steps of the input"):
        rnn_utils.pack_padded_sequence(x, [5, 2])
    packed = rnn_utils.pack_padded_sequence(x, [4, 2])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest sequence"):
        rnn_utils.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(ValueError, match=r"LSTM: expected a PackedSequence of 5 features, got data of shape \[6, 3\]"):
        td.nn.LSTM(5, 2)(packed)
