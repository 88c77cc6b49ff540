"""The layers added for attention, resizing, transposed convolutions, more activations,
normalisations and losses: against Debian's PyTorch (weights loaded through state_dict;
outputs, input and parameter gradients, repr) and their own error messages and edges."""
import math

import numpy as np
import pytest

import tapedeck as td
import tapedeck.nn as nn
import tapedeck.nn.functional as F
from nn_parity import assert_close, compare, constant, names_and_shapes, needs_torch, pair, rand, to_td, torch


class _Bound:
    """A module called with fixed keyword arguments (compare passes its inputs positionally)."""

    def __init__(self, module, **kwargs):
        self.module, self.kwargs = module, kwargs

    def __call__(self, *inputs):
        return self.module(*inputs, **self.kwargs)

    def named_parameters(self):
        return self.module.named_parameters()


def _causal(length, source):
    return np.triu(np.ones((length, source), dtype=bool), k=1)  # True: not attended


ATTENTION = [  # (constructor keywords, forward keywords, input shapes, forward masks as numpy arrays)
    ({}, {}, [(4, 3, 8), (5, 3, 8), (5, 3, 8)], {}),
    ({"batch_first": True}, {"average_attn_weights": False}, [(3, 4, 8), (3, 5, 8), (3, 5, 8)], {}),
    ({"kdim": 3, "vdim": 5}, {}, [(4, 2, 8), (6, 2, 3), (6, 2, 5)], {}),
    ({"bias": False}, {"need_weights": False}, [(4, 2, 8), (4, 2, 8), (4, 2, 8)], {}),
    ({}, {}, [(4, 2, 8), (5, 2, 8), (5, 2, 8)],
     {"attn_mask": _causal(4, 5), "key_padding_mask": np.array([[False] * 4 + [True], [False] * 5])}),
    ({}, {}, [(4, 2, 8), (5, 2, 8), (5, 2, 8)], {"attn_mask": rand(4, 4, 5, seed=9)}),  # float, [N * H, L, S]
    ({}, {}, [(4, 8), (5, 8), (5, 8)], {"key_padding_mask": np.array([False, True, False, False, False])}),
]


@needs_torch
@pytest.mark.parametrize("build,call,shapes,masks", ATTENTION, ids=[f"attention{i}" for i in range(len(ATTENTION))])
def test_multihead_attention_matches_pytorch(build, call, shapes, masks):
    theirs, ours = torch.nn.MultiheadAttention(8, 2, **build), nn.MultiheadAttention(8, 2, **build)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    inputs = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    compare(_Bound(theirs, **call, **{k: torch.tensor(v) for k, v in masks.items()}),
            _Bound(ours, **call, **{k: to_td(v) for k, v in masks.items()}), *inputs)


@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"norm_first": True, "activation": "gelu"},
                                    {"batch_first": True, "activation": torch.nn.functional.gelu if torch else None}])
def test_transformer_encoder_layer_matches_pytorch(kwargs):
    ours_kwargs = dict(kwargs)
    if callable(kwargs.get("activation")):
        ours_kwargs["activation"] = F.gelu
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **ours_kwargs)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    padding = np.array([[False, False, True], [False, False, False], [False, True, True], [False] * 3])
    compare(_Bound(theirs, src_key_padding_mask=torch.tensor(padding)),
            _Bound(ours, src_key_padding_mask=to_td(padding)), rand(3, 4, 8) if not kwargs.get("batch_first")
            else rand(4, 3, 8))


@needs_torch
def test_transformer_encoder_matches_pytorch():
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2,
                                        norm=torch.nn.LayerNorm(8))
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=nn.LayerNorm(8))
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    # The copies are separate parameters, not one layer shared.
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    compare(_Bound(theirs, mask=torch.tensor(_causal(5, 5))), _Bound(ours, mask=to_td(_causal(5, 5))), rand(5, 2, 8))


INTERPOLATIONS = [  # (input shape, interpolate keywords)
    ((2, 3, 5), {"scale_factor": 2}),
    ((2, 3, 5), {"size": 7, "mode": "nearest"}),
    ((1, 2, 5), {"scale_factor": 1.5, "mode": "nearest"}),
    # As many outputs as inputs (twice as many), read at 1 / 1.1 (1 / 2.1). PyTorch 1.13's backward of
    # these takes the same-size (double-size) shortcut its forward does not: its gradient does not
    # belong to its own values, so only the values are compared (NEAREST_BACKWARD_DIFFERS).
    ((1, 2, 5), {"scale_factor": 1.1, "mode": "nearest"}),
    ((1, 2, 5), {"scale_factor": 2.1, "mode": "nearest"}),
    ((1, 2, 7), {"size": 3, "mode": "nearest-exact"}),
    ((1, 2, 6), {"scale_factor": 0.5, "mode": "linear"}),
    ((2, 1, 5), {"size": 9, "mode": "linear", "align_corners": True}),
    ((2, 3, 4, 5), {"scale_factor": 2, "mode": "nearest"}),
    ((2, 3, 4, 5), {"size": (7, 3), "mode": "bilinear"}),
    ((1, 2, 4, 5), {"scale_factor": (1.5, 2.5), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 2, 4, 5), {"scale_factor": 1.7, "mode": "bilinear"}),
    ((1, 2, 6, 6), {"size": (3, 4), "mode": "area"}),
    ((1, 2, 9), {"scale_factor": 0.5, "mode": "area"}),
    ((1, 1, 3, 4, 2), {"scale_factor": 2, "mode": "trilinear"}),
    ((1, 1, 3, 4, 2), {"size": (2, 5, 3), "mode": "nearest"}),
]


NEAREST_BACKWARD_DIFFERS = ({"scale_factor": 1.1, "mode": "nearest"}, {"scale_factor": 2.1, "mode": "nearest"})


@needs_torch
@pytest.mark.parametrize("shape,kwargs", INTERPOLATIONS, ids=[f"interpolate{i}" for i in range(len(INTERPOLATIONS))])
def test_interpolate_matches_pytorch(shape, kwargs):
    data = rand(*shape, seed=3)
    theirs_in, ours_in = torch.tensor(data, requires_grad=True), to_td(data, requires_grad=True)
    theirs = torch.nn.functional.interpolate(theirs_in, **kwargs)
    ours = F.interpolate(ours_in, **kwargs)
    assert_close(ours, theirs, f"interpolate{kwargs}")
    weights = rand(*theirs.shape, seed=4)
    (theirs * torch.tensor(weights)).sum().backward()
    (ours * to_td(weights)).sum().backward()
    if kwargs in NEAREST_BACKWARD_DIFFERS:
        # The adjoint of the values: each output's weight goes back to the input it was read from.
        index = [0, 0, 1, 2, 3] if kwargs["scale_factor"] == 1.1 else [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
        expected = np.zeros(shape)
        for out, source in enumerate(index):
            expected[..., source] += weights[..., out]
        np.testing.assert_allclose(ours_in.grad.numpy(), expected, rtol=1e-12, atol=1e-12)
    else:
        assert_close(ours_in.grad, theirs_in.grad, f"interpolate{kwargs} grad")
    # float32: the same source pixels and weights (PyTorch's kernels compute them in float32).
    single = np.float32(data)
    np.testing.assert_allclose(F.interpolate(td.tensor(single), **kwargs).numpy(),
                               torch.nn.functional.interpolate(torch.tensor(single), **kwargs).numpy(),
                               rtol=1e-6, atol=1e-6)


@needs_torch
def test_upsampling_and_padding_layers_match_pytorch():
    layers = [("Upsample", (None, 2)), ("Upsample", ((6, 7), None, "bilinear", True)), ("UpsamplingNearest2d", (None, 3)),
              ("UpsamplingBilinear2d", ((5, 8),)), ("ZeroPad2d", ((1, 0, 2, 1),)), ("ConstantPad2d", (2, -0.5)),
              ("ReflectionPad2d", (1,)), ("ReplicationPad2d", ((2, 1, 0, 3),))]
    for name, args in layers:
        theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        assert repr(ours) == repr(theirs)
        compare(theirs, ours, rand(2, 3, 4, 5))
        if "Pad" in name:
            compare(theirs, ours, rand(3, 4, 5))  # unbatched
    for name, args, shape in [("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ReflectionPad1d", ((2, 1),), (3, 5)),
                              ("ReplicationPad1d", (2,), (2, 3, 4)), ("ConstantPad3d", (1, 0.5), (1, 2, 3, 4, 2)),
                              ("ReflectionPad3d", (1,), (2, 3, 4, 2)), ("ReplicationPad3d", ((1, 0, 0, 1, 2, 0),),
                                                                          (1, 2, 3, 4, 2))]:
        theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        assert repr(ours) == repr(theirs)
        compare(theirs, ours, rand(*shape))


TRANSPOSED = [  # (constructor arguments, input shape)
    ((3, 2, 3), (2, 3, 4, 5)),
    ((4, 3, 3, 2, 1, 1), (1, 4, 3, 3)),
    ((4, 6, (3, 2), 1, 0, 0, 2, False, 2), (2, 4, 3, 4)),
    ((2, 3, 2, 2), (2, 3, 3)),  # unbatched
]


@needs_torch
@pytest.mark.parametrize("args,shape", TRANSPOSED, ids=[f"transposed{i}" for i in range(len(TRANSPOSED))])
def test_conv_transpose2d_matches_pytorch(args, shape):
    theirs, ours = torch.nn.ConvTranspose2d(*args), nn.ConvTranspose2d(*args)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    compare(theirs, ours, rand(*shape))


@needs_torch
def test_conv_transpose2d_output_size_matches_pytorch():
    theirs, ours = pair(torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), nn.ConvTranspose2d(2, 3, 3, stride=2,
                                                                                                    padding=1))
    size = (1, 3, 8, 7)
    compare(_Bound(theirs, output_size=size), _Bound(ours, output_size=size), rand(1, 2, 4, 4))
    with pytest.raises(ValueError, match=r"output_size \[9, 7\] is not reachable from input \[1, 2, 4, 4\]: dim 0 can "
                                         r"be 7 to 8"):
        ours(to_td(rand(1, 2, 4, 4)), output_size=(9, 7))


@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"norm_first": True, "activation": "gelu", "batch_first": True}])
def test_transformer_decoder_layer_and_stack_match_pytorch(kwargs):
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2,
                                        norm=torch.nn.LayerNorm(8))
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2, norm=nn.LayerNorm(8))
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    batch_first = kwargs.get("batch_first", False)
    tgt, memory = (rand(2, 4, 8), rand(2, 5, 8, seed=1)) if batch_first else (rand(4, 2, 8), rand(5, 2, 8, seed=1))
    causal = _causal(4, 4)
    padding = np.array([[False] * 4 + [True], [False] * 5])
    compare(_Bound(theirs, tgt_mask=torch.tensor(causal), memory_key_padding_mask=torch.tensor(padding)),
            _Bound(ours, tgt_mask=to_td(causal), memory_key_padding_mask=to_td(padding)), tgt, memory)


@needs_torch
def test_transformer_matches_pytorch():
    theirs = torch.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0)
    ours = nn.Transformer(8, 2, 2, 1, 16, dropout=0.0)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(3)
    assert_close(nn.Transformer.generate_square_subsequent_mask(3), mask, "square subsequent mask")
    compare(_Bound(theirs, tgt_mask=mask), _Bound(ours, tgt_mask=to_td(mask)), rand(5, 2, 8), rand(3, 2, 8, seed=1))


@needs_torch
@pytest.mark.parametrize("name", ["elu", "selu", "celu", "hardsigmoid", "hardswish", "mish", "hardtanh", "relu6"])
def test_inplace_activations_match_pytorch(name):
    """inplace=True writes into the input, and the gradient still reaches what the input came from."""
    data = rand(2, 5, seed=11) * 4.0
    results = []
    for lib, make in ((torch.nn.functional, lambda a: torch.tensor(a, requires_grad=True)),
                      (F, lambda a: to_td(a, requires_grad=True))):
        x = make(data)
        w = x * 1.5
        out = getattr(lib, name)(w, inplace=True)
        assert out is w
        (w * w).sum().backward()
        results.append((w, x.grad))
    for (ours, theirs), what in zip(zip(results[1], results[0]), ("value", "grad")):
        assert_close(ours, theirs, f"{name} inplace {what}")



def _signs(*shape, seed=0):
    return np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0)


def _probabilities(*shape, seed=0):
    e = np.exp(rand(*shape, seed=seed))
    return e / e.sum(-1, keepdims=True)


MORE_LOSSES = [  # (module name, constructor keywords, inputs: arrays; float ones that need no gradient are constants)
    ("KLDivLoss", {"reduction": "batchmean"}, lambda: [np.log(_probabilities(3, 4)), _probabilities(3, 4, seed=1)]),
    ("KLDivLoss", {"reduction": "sum", "log_target": True},
     lambda: [np.log(_probabilities(3, 4)), np.log(_probabilities(3, 4, seed=1))]),
    ("KLDivLoss", {"reduction": "none"}, lambda: [rand(3, 4), constant([[0.0, 0.5, 0.5, 0.0]] * 3)]),
    ("CosineSimilarity", {"dim": 1}, lambda: [rand(3, 4), rand(3, 4, seed=1)]),
    ("CosineSimilarity", {"dim": 0}, lambda: [rand(3, 4), rand(1, 4, seed=1)]),
    ("PairwiseDistance", {}, lambda: [rand(3, 4), rand(3, 4, seed=1)]),
    ("PairwiseDistance", {"p": 1.0, "keepdim": True}, lambda: [rand(3, 4), rand(3, 4, seed=1)]),
    ("CosineEmbeddingLoss", {"margin": 0.2}, lambda: [rand(5, 4), rand(5, 4, seed=1), constant(_signs(5, seed=2))]),
    ("MarginRankingLoss", {"margin": 0.5}, lambda: [rand(6), rand(6, seed=1), _signs(6, seed=2)]),
    ("HingeEmbeddingLoss", {"margin": 0.7}, lambda: [rand(6), constant(_signs(6, seed=2))]),
    ("SoftMarginLoss", {"reduction": "sum"}, lambda: [rand(6), constant(_signs(6, seed=2))]),
    ("TripletMarginLoss", {"margin": 2.0}, lambda: [rand(4, 5), rand(4, 5, seed=1), rand(4, 5, seed=2)]),
    ("TripletMarginLoss", {"swap": True, "p": 1.0}, lambda: [rand(4, 5), rand(4, 5, seed=1), rand(4, 5, seed=2)]),
    ("PoissonNLLLoss", {}, lambda: [rand(4, 3), constant(np.floor(np.abs(rand(4, 3, seed=1)) * 3))]),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "reduction": "sum"},
     lambda: [np.abs(rand(4, 3)) + 0.5, constant(np.floor(np.abs(rand(4, 3, seed=1)) * 3))]),
    ("GaussianNLLLoss", {}, lambda: [rand(4, 3), rand(4, 3, seed=1), np.abs(rand(4, 3, seed=2)) + 0.1]),
    ("GaussianNLLLoss", {"full": True, "reduction": "sum"}, lambda: [rand(4, 3), rand(4, 3, seed=1),
                                                                      np.abs(rand(4, 1, seed=2)) + 0.1]),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs,inputs", MORE_LOSSES, ids=[f"{n}{i}" for i, (n, _, _) in enumerate(MORE_LOSSES)])
def test_more_losses_match_pytorch(name, kwargs, inputs):
    theirs, ours = getattr(torch.nn, name)(**kwargs), getattr(nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    compare(theirs, ours, *inputs())


def test_attention_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be divisible by num_heads \(3\)"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(NotImplementedError, match="add_bias_kv and add_zero_attn are not supported"):
        nn.MultiheadAttention(8, 2, add_bias_kv=True)
    attention = nn.MultiheadAttention(8, 2)
    x = td.randn(4, 3, 8)
    with pytest.raises(ValueError, match=r"a 2-D attn_mask must be \[L, S\] = \[4, 4\], got \[4, 5\]"):
        attention(x, x, x, attn_mask=td.zeros(4, 5))
    with pytest.raises(ValueError, match=r"key_padding_mask must be \[N, S\] = \[3, 4\], got \[4, 3\]"):
        attention(x, x, x, key_padding_mask=td.zeros(4, 3, dtype=td.bool))
    with pytest.raises(TypeError, match="attn_mask must be bool .* or float .*, got tapedeck.int64"):
        attention(x, x, x, attn_mask=td.zeros(4, 4, dtype=td.int64))
    with pytest.raises(ValueError, match=r"query's last dim is 6"):
        attention(td.randn(4, 3, 6), x, x)
    with pytest.raises(ValueError, match=r"must all be 3-D \(batched\) or all 2-D"):
        attention(x, x[0], x[0])
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(td.randn(5, 2, 8), td.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(td.randn(5, 2, 8), td.randn(3, 2, 6))
    with pytest.raises(TypeError, match="TransformerDecoderLayer: activation must be 'relu', 'gelu' or a callable"):
        nn.TransformerDecoderLayer(8, 2, activation=3)
    # A fully masked row is NaN, as PyTorch's (softmax of -inf everywhere).
    out, weights = attention(x, x, x, key_padding_mask=td.ones(3, 4, dtype=td.bool))
    assert math.isnan(out.sum().item()) and weights.shape == (3, 4, 4)


def test_interpolate_and_padding_layer_errors_name_the_problem():
    x = td.randn(1, 2, 4, 5)
    with pytest.raises(ValueError, match=r"give exactly one of size and scale_factor \(both were given\)"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="mode='bicubic' is not supported by tapedeck yet"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"mode must be one of .*, got 'cubic'"):
        F.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match=r"size has 3 values for 2 spatial dims"):
        F.interpolate(x, size=(2, 3, 4))
    with pytest.raises(ValueError, match=r"the output size \[0, 1\] must be positive"):
        F.interpolate(x, scale_factor=0.2)
    with pytest.raises(ValueError, match=r"ReflectionPad2d: expected a 3-D \(unbatched\) or 4-D input, got \[5\]"):
        nn.ReflectionPad2d(1)(td.ones(5))
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or 4 ints, got \(1, 2\)"):
        nn.ZeroPad2d((1, 2))
    # Nearest upsampling of integers keeps their dtype; the gradient of a bilinear resize is a sum.
    assert F.interpolate(td.arange(4).reshape(1, 1, 4), scale_factor=2).tolist() == [[[0, 0, 1, 1, 2, 2, 3, 3]]]
    y = x.clone().requires_grad_()
    F.interpolate(y, scale_factor=2, mode="bilinear").sum().backward()
    assert abs(y.grad.sum().item() - 4 * y.numel()) < 1e-3


def test_conv_transpose2d_errors_name_the_problem():
    x, w = td.randn(1, 2, 3, 3), td.randn(2, 2, 3, 3)
    with pytest.raises(td.TapedeckError, match=r"output_padding \[2, 2\] must be smaller than either stride \[2, 2\] "
                                                r"or dilation \[1, 1\]"):
        F.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(td.TapedeckError, match=r"output_padding \[1, 1\] of at least the stride \[1, 1\] \(allowed by "
                                                r"PyTorch when the dilation is larger\) is not supported yet"):
        F.conv_transpose2d(x, w, output_padding=1, dilation=2)
    with pytest.raises(td.TapedeckError, match=r"would be \[1, 2, -1, -1\] \(padding \[3, 3\] too large\)"):
        F.conv_transpose2d(x, w, padding=3)
    with pytest.raises(td.TapedeckError, match="the 2 input channels cannot be split into groups=3"):
        F.conv_transpose2d(x, w, groups=3)
    with pytest.raises(td.TapedeckError, match=r"has 3 channels, but weight of shape \[2, 2, 3, 3\] expects 2"):
        F.conv_transpose2d(td.randn(1, 3, 3, 3), w)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(in_channels=2\): expected input \[N, 2, H, W\]"):
        nn.ConvTranspose2d(2, 3, 3)(td.randn(1, 4, 3, 3))
    # A learned upsampling doubles the size with stride 2.
    assert nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1)(x).shape == (1, 3, 6, 6)


def test_activations_keep_finite_gradients_far_from_zero():
    # The exponential of the branch where() leaves out never sees the other side of 0.
    for name in ("elu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "softsign", "tanhshrink"):
        x = td.tensor([-100.0, -3.0, 0.5, 3.0, 100.0], requires_grad=True)
        getattr(F, name)(x).sum().backward()
        assert all(math.isfinite(g) for g in x.grad.tolist()), (name, x.grad.tolist())
    with pytest.raises(ValueError, match=r"prelu: weight of 3 values needs an input with as many channels"):
        F.prelu(td.ones(2, 4), td.ones(3))
    with pytest.raises(ValueError, match="glu: halving dim -1 needs an even size, got 3"):
        F.glu(td.ones(2, 3))
    with pytest.raises(ValueError, match=r"PReLU: num_parameters must be an int >= 1, got 0"):
        nn.PReLU(0)


def test_channel_dropout_and_instance_norm_options():
    td.manual_seed(0)
    x = td.ones(4, 8, 3, 3)
    y = nn.Dropout2d(0.5)(x)
    # Whole channels are zero or scaled by 1 / (1 - p), and some of each.
    per_channel = y.reshape(4, 8, 9)
    kept = [(row.min().item(), row.max().item()) for sample in per_channel for row in sample]
    assert all(lo == hi and lo in (0.0, 2.0) for lo, hi in kept)
    assert 0 < sum(lo == 0.0 for lo, _ in kept) < len(kept)
    assert (nn.Dropout2d(0.5).eval()(x) == x).all().item()
    assert (nn.Dropout1d(1.0)(td.ones(2, 3, 4)) == 0).all().item()
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D \(unbatched\) or 4-D input, got \[2, 3\]"):
        nn.Dropout2d()(td.ones(2, 3))
    with pytest.raises(NotImplementedError, match="InstanceNorm2d: track_running_stats=True is not supported"):
        nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"GroupNorm\(num_channels=4\): expected input \[N, 4, ...\], got \[2, 3\]"):
        nn.GroupNorm(2, 4)(td.ones(2, 3))


def test_dropout2d_of_3d_input_drops_per_channel_of_each_sample_as_pytorch():
    td.manual_seed(1)
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        y = F.dropout2d(td.ones(6, 4, 5), 0.5)
    rows = y.reshape(24, 5)
    assert all(row.min().item() == row.max().item() for row in rows)  # each (n, c) kept or dropped whole
    per_sample = [set(rows[i * 4:(i + 1) * 4, 0].tolist()) for i in range(6)]
    assert any(len(s) == 2 for s in per_sample)  # within one sample, some channels kept and some dropped


def test_reductions_name_themselves_in_errors():
    x = td.randn(2, 3)
    with pytest.raises(td.TapedeckError, match=r"max: dim 5 is out of range"):
        x.max(5)
    with pytest.raises(td.TapedeckError, match=r"min: cannot reduce over dim 1 of size 0"):
        td.zeros(2, 0).min(1)
    with pytest.raises(td.TapedeckError, match=r"std: dim 4 is out of range"):
        x.std(4)
    with pytest.raises(td.TapedeckError, match=r"linear: input of shape \[2, 3\] does not match weight of shape \[4\]"):
        F.linear(x, td.ones(4))
    with pytest.raises(ValueError, match=r"group_norm: weight must have one value per channel \(\[4\]\), got \[3\]"):
        F.group_norm(td.ones(2, 4, 3), 2, td.ones(3))
    assert nn.GroupNorm(2, 4)(td.ones(0, 4, 3)).shape == (0, 4, 3)
    with pytest.raises(ValueError, match=r"for unbatched inputs, key_padding_mask must be a 1-D tensor \[S\], got "
                                         r"\[1, 4\]"):
        x2 = td.randn(4, 8)
        nn.MultiheadAttention(8, 2)(x2, x2, x2, key_padding_mask=td.zeros(1, 4, dtype=td.bool))
