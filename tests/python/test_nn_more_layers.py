"""The layers of nn/_layers.py and nn/modules/more_layers.py (1-D convolutions and pooling,
adaptive max pooling, pixel and channel shuffles, unfold/fold, the shrinks, Bilinear) against
Debian's PyTorch: outputs, input and parameter gradients, repr; and their errors."""
import numpy as np
import pytest

import tapedeck as td
import tapedeck.nn as nn
import tapedeck.nn.functional as F
from nn_parity import assert_close, compare, needs_torch, pair, rand, torch


class _Call:
    """A functional layer as a module (compare() calls it on its inputs)."""

    def __init__(self, function, *args, **kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self, *inputs):
        return self.function(*inputs, *self.args, **self.kwargs)

    def named_parameters(self):
        return []


FUNCTIONAL = [  # (name, call(F, *inputs), input shapes)
    ("conv1d", lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
     [(2, 4, 9), (6, 2, 3), (6,)]),
    ("conv1d_unbatched_same", lambda F, x, w: F.conv1d(x, w, padding="same"), [(3, 7), (2, 3, 3)]),
    ("conv_transpose1d", lambda F, x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     [(2, 3, 5), (3, 4, 3), (4,)]),
    ("conv_transpose1d_groups", lambda F, x, w: F.conv_transpose1d(x, w, groups=3, dilation=2), [(1, 3, 4), (3, 2, 2)]),
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 3, 2, 1), [(2, 3, 8)]),
    ("avg_pool1d", lambda F, x: F.avg_pool1d(x, 2), [(3, 7)]),
    ("adaptive_avg_pool1d", lambda F, x: F.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    ("adaptive_max_pool1d", lambda F, x: F.adaptive_max_pool1d(x, 4), [(2, 3, 7)]),
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, (2, 3)), [(2, 3, 5, 7)]),
    ("adaptive_max_pool2d_none", lambda F, x: F.adaptive_max_pool2d(x, (None, 1)), [(3, 4, 5)]),
    ("pixel_shuffle", lambda F, x: F.pixel_shuffle(x, 2), [(2, 8, 3, 4)]),
    ("pixel_unshuffle", lambda F, x: F.pixel_unshuffle(x, 3), [(5, 2, 6, 3)]),
    ("channel_shuffle", lambda F, x: F.channel_shuffle(x, 3), [(2, 6, 2, 2)]),
    ("unfold", lambda F, x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), [(2, 3, 5, 6)]),
    ("unfold_unbatched", lambda F, x: F.unfold(x, 2), [(2, 3, 3)]),
    ("fold", lambda F, x: F.fold(x, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), [(2, 18, 15)]),
    ("softshrink_hardshrink", lambda F, x: F.softshrink(x, 0.3) + F.hardshrink(x, 0.6) * 2, [(3, 4)]),
    ("bilinear", lambda F, a, b, w, bias: F.bilinear(a, b, w, bias), [(2, 3, 4), (2, 3, 5), (6, 4, 5), (6,)]),
    ("conv3d", lambda F, x, w, b: F.conv3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
     [(2, 4, 5, 6, 7), (6, 2, 3, 2, 3), (6,)]),
    ("conv3d_unbatched_same", lambda F, x, w: F.conv3d(x, w, padding="same"), [(2, 4, 4, 4), (3, 2, 3, 1, 3)]),
    ("max_pool3d", lambda F, x: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0)), [(2, 3, 5, 6, 7)]),
    ("avg_pool3d", lambda F, x: F.avg_pool3d(x, 3, 2, 1), [(3, 5, 6, 7)]),
    ("adaptive_avg_pool3d", lambda F, x: F.adaptive_avg_pool3d(x, (3, None, 4)), [(2, 3, 5, 6, 7)]),
]


# PyTorch 1.13 has no derivative for channel_shuffle (values only; ours is differentiable).
NO_TORCH_GRADIENT = {"channel_shuffle", "ChannelShuffle"}


@needs_torch
@pytest.mark.parametrize("name,call,shapes", FUNCTIONAL, ids=[f[0] for f in FUNCTIONAL])
def test_functional_layers_match_pytorch(name, call, shapes):
    inputs = [rand(*s, seed=i + 3) for i, s in enumerate(shapes)]
    if name in NO_TORCH_GRADIENT:
        assert_close(call(F, *map(td.tensor, inputs)), call(torch.nn.functional, *map(torch.tensor, inputs)), name)
        return
    compare(_Call(lambda *xs: call(torch.nn.functional, *xs)), _Call(lambda *xs: call(F, *xs)), *inputs)


MODULES = [  # (constructor(nn), input shapes)
    (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1), [(2, 3, 5)]),
    (lambda nn: nn.ConvTranspose1d(2, 4, 2, groups=2, bias=False), [(2, 6)]),
    (lambda nn: nn.MaxPool1d(2, 1, padding=1), [(2, 3, 6)]),
    (lambda nn: nn.AvgPool1d(3, 2), [(2, 3, 7)]),
    (lambda nn: nn.AvgPool1d((3,), padding=(1,)), [(2, 3, 7)]),
    (lambda nn: nn.MaxPool1d(3, dilation=(1,)), [(2, 3, 7)]),
    (lambda nn: nn.AdaptiveAvgPool1d(2), [(2, 3, 5)]),
    (lambda nn: nn.AdaptiveMaxPool1d(3), [(2, 3, 5)]),
    (lambda nn: nn.AdaptiveMaxPool2d(1), [(2, 3, 4, 4)]),
    (lambda nn: nn.PixelShuffle(2), [(1, 4, 2, 3)]),
    (lambda nn: nn.PixelUnshuffle(2), [(1, 1, 4, 6)]),
    (lambda nn: nn.ChannelShuffle(2), [(1, 4, 3)]),
    (lambda nn: nn.Unfold(2, padding=1), [(1, 2, 3, 3)]),
    (lambda nn: nn.Fold((3, 3), 2), [(1, 8, 4)]),
    (lambda nn: nn.Softshrink(0.2), [(3, 4)]),
    (lambda nn: nn.Hardshrink(), [(3, 4)]),
    (lambda nn: nn.Bilinear(3, 4, 5), [(2, 3), (2, 4)]),
    (lambda nn: nn.Conv3d(2, 3, (2, 3, 3), stride=2, padding=1), [(1, 2, 4, 5, 5)]),
    (lambda nn: nn.MaxPool3d(2), [(1, 2, 4, 4, 4)]),
    (lambda nn: nn.AvgPool3d((1, 2, 2), padding=(0, 1, 1)), [(1, 2, 3, 4, 4)]),
    (lambda nn: nn.AdaptiveAvgPool3d(2), [(1, 2, 3, 5, 4)]),
    (lambda nn: nn.BatchNorm3d(2), [(3, 2, 2, 3, 2)]),
    (lambda nn: nn.Bilinear(3, 3, 2, bias=False), [(3,), (3,)]),
]


@needs_torch
@pytest.mark.parametrize("build,shapes", MODULES, ids=[f"module{i}" for i in range(len(MODULES))])
def test_modules_match_pytorch(build, shapes):
    theirs, ours = pair(build(torch.nn), build(nn))
    assert repr(ours) == repr(theirs)
    inputs = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    if type(ours).__name__ in NO_TORCH_GRADIENT:
        assert_close(ours(*map(td.tensor, inputs)), theirs(*map(torch.tensor, inputs)), repr(ours))
        return
    compare(theirs, ours, *inputs)


@needs_torch
def test_conv_transpose1d_output_size_and_gumbel_softmax():
    theirs, ours = pair(torch.nn.ConvTranspose1d(2, 3, 3, stride=3), nn.ConvTranspose1d(2, 3, 3, stride=3))
    x = rand(1, 2, 4)
    assert tuple(ours(td.tensor(x), output_size=[14]).shape) == tuple(
        theirs(torch.tensor(x), output_size=[14]).shape) == (1, 3, 14)
    with pytest.raises(ValueError, match="ConvTranspose1d: output_size 20 is not reachable"):
        ours(td.tensor(x), output_size=[20])
    td.manual_seed(0)
    logits = td.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    assert soft.sum().item() == pytest.approx(1.0)
    hard = F.gumbel_softmax(logits.expand(500, 3), hard=True)
    assert sorted(set(hard.sum(1).tolist())) == [1.0] and set(hard.reshape(-1).tolist()) <= {0.0, 1.0}
    counts = hard.sum(0).tolist()
    assert counts[1] > counts[0] > counts[2]  # the largest logit wins most often
    (hard * td.tensor([1.0, 2.0, 3.0])).sum().backward()  # straight through: the soft sample's gradient
    assert logits.grad is not None and logits.grad.abs().sum().item() > 0


def test_more_layers_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"conv1d: expected a 2-D or 3-D input, got \[2, 3, 4, 5\]"):
        F.conv1d(td.ones(2, 3, 4, 5), td.ones(1, 3, 2))
    with pytest.raises(RuntimeError, match=r"pixel_shuffle: expected \[\*, C \* 4, H, W\], got \[1, 6, 2, 2\]"):
        F.pixel_shuffle(td.ones(1, 6, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"fold: expected \[N, C \* 4, 4\] for output_size \[3, 3\]"):
        F.fold(td.ones(1, 8, 5), 3, 2)
    with pytest.raises(RuntimeError, match="unfold: the kernel 4x4 .* does not fit the padded 3x3 input"):
        F.unfold(td.ones(1, 1, 3, 3), 4)
    with pytest.raises(NotImplementedError, match="adaptive_max_pool2d: return_indices=True is not supported"):
        F.adaptive_max_pool2d(td.ones(1, 1, 2, 2), 1, return_indices=True)
    with pytest.raises(NotImplementedError, match="MaxPool1d: ceil_mode=True is not supported"):
        nn.MaxPool1d(2, ceil_mode=True)
    with pytest.raises(RuntimeError, match=r"bilinear: expected weight \[out, 3, 4\]"):
        F.bilinear(td.ones(2, 3), td.ones(2, 4), td.ones(5, 4, 3))
    with pytest.raises(RuntimeError, match="softshrink: lambda must be >= 0"):
        F.softshrink(td.ones(2), -1.0)
    with pytest.raises(ValueError, match="pixel_shuffle: upscale_factor must be a positive int, got 0"):
        F.pixel_shuffle(td.ones(1, 4, 2, 2), 0)
    with pytest.raises(RuntimeError, match=r"channel_shuffle: expected an input of at least 3 dims \[N, C, \*\]"):
        F.channel_shuffle(td.ones(2, 6), 3)
    with pytest.raises(RuntimeError, match="channel_shuffle: the 4 channels do not split into 3 groups"):
        F.channel_shuffle(td.ones(1, 4, 2), 3)
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\), got Tensor"):
        nn.LSTM(2, 3)(td.ones(4, 1, 2), td.zeros(1, 1, 3))
    assert F.hardshrink(td.tensor([float("nan"), 0.2, -0.75])).tolist()[1:] == [0.0, -0.75]
    assert F.hardshrink(td.tensor([float("nan")])).isnan().all()
    # unfold then fold with non-overlapping windows gives the input back.
    x = td.tensor(np.arange(24.0).reshape(1, 2, 3, 4))
    assert F.fold(F.unfold(x, (3, 2), stride=(3, 2)), (3, 4), (3, 2), stride=(3, 2)).tolist() == x.tolist()


def test_orthogonal_and_dirac_initialisation():
    td.manual_seed(0)
    for shape in ((4, 6), (6, 4), (3, 2, 2)):
        w = td.empty(*shape, dtype=td.float64)
        assert nn.init.orthogonal_(w, gain=2.0) is w
        flat = w.reshape(shape[0], -1)
        gram = td.matmul(flat, flat.t()) if shape[0] <= flat.shape[1] else td.matmul(flat.t(), flat)
        np.testing.assert_allclose(gram.numpy(), 4.0 * np.eye(gram.shape[0]), atol=1e-12)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        nn.init.orthogonal_(td.empty(3))
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 2, 1, 3, 3), 1)):
        ours = nn.init.dirac_(td.empty(*shape), groups)
        theirs = torch.nn.init.dirac_(torch.empty(*shape), groups)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        nn.init.dirac_(td.empty(2, 2))
    # A layer initialised with them trains as any other (the weights are plain parameters).
    layer = nn.Linear(3, 3)
    nn.init.orthogonal_(layer.weight)
    layer(td.ones(2, 3)).sum().backward()
    assert layer.weight.grad is not None


LOSSES = [  # (constructor(nn), input shapes, target(lib) or None for a second float input)
    (lambda nn: nn.MultiLabelSoftMarginLoss(), [(3, 4)], lambda lib: lib.tensor([[1.0, 0, 0, 1], [0, 0, 0, 0],
                                                                               [1, 1, 1, 0]], dtype=lib.float64)),
    (lambda nn: nn.MultiLabelSoftMarginLoss(reduction="none"), [(2, 3)],
     lambda lib: lib.tensor([[1.0, 0, 1], [0, 1, 0]], dtype=lib.float64)),
    (lambda nn: nn.MultiMarginLoss(), [(3, 4)], lambda lib: lib.tensor([0, 3, 1])),
    (lambda nn: nn.MultiMarginLoss(p=2, margin=0.5, reduction="sum"), [(3, 4)], lambda lib: lib.tensor([2, 2, 0])),
    (lambda nn: nn.MultiMarginLoss(reduction="none"), [(4,)], lambda lib: lib.tensor(1)),
    (lambda nn: nn.MultiLabelMarginLoss(), [(2, 4)], lambda lib: lib.tensor([[3, 0, -1, 1], [1, 2, 3, 0]])),
    (lambda nn: nn.MultiLabelMarginLoss(reduction="none"), [(4,)], lambda lib: lib.tensor([2, -1, 0, 0])),
]


@pytest.mark.parametrize("build,shapes,target", LOSSES, ids=[f"loss{i}" for i in range(len(LOSSES))])
def test_more_losses_match_pytorch(build, shapes, target):
    x = rand(*shapes[0], seed=2)
    results = []
    for lib, nn_ in ((torch, torch.nn), (td, nn)):
        inp = lib.tensor(x, requires_grad=True)
        out = build(nn_)(inp, target(lib))
        (out * lib.tensor(np.linspace(1, 2, out.numel()).reshape(tuple(out.shape)))).sum().backward()
        results.append((out.detach().numpy(), inp.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_weighted_margin_losses_and_triplets_with_distances():
    x = rand(3, 4, seed=1)
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    outs = []
    for lib, nn_ in ((torch, torch.nn), (td, nn)):
        inp = lib.tensor(x, requires_grad=True)
        a, p, n = (lib.tensor(rand(2, 5, seed=s), requires_grad=True) for s in (3, 4, 5))
        total = (nn_.MultiMarginLoss(weight=lib.tensor(weight))(inp, lib.tensor([1, 0, 3]))
                 + nn_.MultiLabelSoftMarginLoss(weight=lib.tensor(weight))(inp, lib.tensor((x > 0) * 1.0))
                 + nn_.TripletMarginWithDistanceLoss()(a, p, n)
                 + nn_.TripletMarginWithDistanceLoss(
                     distance_function=lambda u, v, lib=lib: 1 - lib.nn.functional.cosine_similarity(u, v),
                     margin=0.3, swap=True, reduction="sum")(a, p, n))
        total.backward()
        outs.append([total.detach().numpy(), inp.grad.numpy(), a.grad.numpy(), n.grad.numpy()])
    for ours, theirs in zip(outs[1], outs[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)


def test_edges_of_the_margin_losses_and_3d_pooling_match_pytorch():
    """Ties, hinges exactly at zero and repeated labels route gradients as PyTorch's do."""
    results = []
    for lib in (torch, td):
        F_ = lib.nn.functional
        cube = lib.ones(1, 1, 2, 2, 2, dtype=lib.float64, requires_grad=True)
        F_.max_pool3d(cube, 2).sum().backward()
        scores = lib.tensor([[0.3, 0.1, 0.8, 0.2], [0.5, 0.5, 0.5, 0.5]], dtype=lib.float64, requires_grad=True)
        multilabel = F_.multilabel_margin_loss(scores, lib.tensor([[2, 2, 0, -1], [1, -1, 3, 3]]), reduction="none")
        hinge = F_.multi_margin_loss(scores, lib.tensor([1, 2]), reduction="none")
        (multilabel.sum() + hinge.sum()).backward()
        single = F_.multi_margin_loss(lib.tensor([1.0, 2.0, 0.5]), lib.tensor([1]), reduction="none")
        results.append([cube.grad, scores.grad, multilabel, hinge, single])
    for theirs, ours in zip(*results):
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(RuntimeError, match="multilabel_margin_loss: target label -2 is out of range for 4 classes"):
        F.multilabel_margin_loss(td.ones(1, 4), td.tensor([[-2, 0, 1, 2]]))
    with pytest.raises(RuntimeError, match="max_pool3d: pad should be at most half of kernel size"):
        F.max_pool3d(td.ones(1, 1, 3, 4, 4), (2, 3, 3), stride=1, padding=(2, 1, 1))


def test_dropout3d_zeroes_whole_channels():
    td.manual_seed(1)
    out = nn.Dropout3d(0.5)(td.ones(4, 8, 2, 2, 2))
    per_channel = out.reshape(32, 8)
    assert set(per_channel.amin(1).tolist()) <= {0.0, 2.0} and per_channel.amin(1).tolist() == per_channel.amax(
        1).tolist()
    assert nn.Dropout3d(0.5).eval()(td.ones(2, 2, 1, 1, 1)).tolist() == td.ones(2, 2, 1, 1, 1).tolist()
    with pytest.raises(RuntimeError, match=r"conv3d: expected a 4-D or 5-D input \[N, C, D, H, W\]"):
        F.conv3d(td.ones(2, 3, 4), td.ones(1, 3, 1, 1, 1))
