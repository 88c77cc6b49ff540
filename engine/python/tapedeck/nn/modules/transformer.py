"""MultiheadAttention, the Transformer's encoder and decoder layers and stacks, and
nn.Transformer, as PyTorch 1.13 has them (the same parameters, state_dict keys, masks and
results), written with the engine's ops: every projection, score, softmax and weighted sum
is on the tape, inside the module's group, so a learner can open a head and watch
attention being computed."""
import copy
import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .activation import Dropout
from .container import ModuleList
from .linear import Linear, _check_device, _check_sizes, _empty
from .module import Module
from .normalization import LayerNorm


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for attention's output projection (its repr and type
    name match PyTorch's; tapedeck has no quantization to keep it from)."""


def _shape_of(value):
    return list(value.shape) if isinstance(value, _C.Tensor) else type(value).__name__


def _float_mask(mask, what, dtype):
    """A bool mask (True: not attended) as 0 / -inf scores, a float mask as it is."""
    if not isinstance(mask, _C.Tensor):
        raise TypeError(f"MultiheadAttention: {what} must be a tensor, got {type(mask).__name__}")
    if mask.dtype == _C.dtype.bool:
        return _C.zeros(*mask.shape, dtype=dtype).masked_fill(mask, float("-inf"))
    if not mask.is_floating_point():
        raise TypeError(f"MultiheadAttention: {what} must be bool (True: not attended) or float (added to the "
                        f"scores), got {mask.dtype}")
    return mask.to(dtype)


class MultiheadAttention(Module):
    """Attention over num_heads heads of embed_dim // num_heads: softmax(q k^T / sqrt(d) + mask) v,
    with query, key and value projected in and the heads' outputs projected out. Inputs are
    [L, N, E] ([N, L, E] with batch_first, or [L, E] unbatched); returns (output, weights),
    the weights averaged over the heads unless average_attn_weights=False, None without
    need_weights."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        _check_device("MultiheadAttention", device)
        _check_sizes("MultiheadAttention", embed_dim=embed_dim, num_heads=num_heads)
        if num_heads == 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported by "
                                      "tapedeck yet")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(_empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(_empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(_empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's: Xavier-uniform projections, zero biases (out_proj's weight keeps Linear's)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def _projections(self):
        """(weight, bias) of q, k and v: slices of the packed ones, or the separate ones."""
        e = self.embed_dim
        b = self.in_proj_bias
        biases = (None, None, None) if b is None else (b[0:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[0:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return list(zip(weights, biases))

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True):
        for what, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, _C.Tensor):
                raise TypeError(f"MultiheadAttention: {what} must be a tensor, got {type(t).__name__}")
        batched = query.dim() == 3
        if query.dim() not in (2, 3) or key.dim() != query.dim() or value.dim() != query.dim():
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D (batched) or all 2-D "
                             f"(unbatched), got {list(query.shape)}, {list(key.shape)} and {list(value.shape)}")
        if batched and self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                if not isinstance(key_padding_mask, _C.Tensor) or key_padding_mask.dim() != 1:
                    raise ValueError(f"MultiheadAttention: for unbatched inputs, key_padding_mask must be a 1-D "
                                     f"tensor [S], got {_shape_of(key_padding_mask)}")
                key_padding_mask = key_padding_mask.unsqueeze(0)
        output, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                       average_attn_weights)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        return output, weights

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average):
        """The sequence-first, batched computation: query [L, N, E], key [S, N, kdim], value [S, N, vdim]."""
        length, batch, embed = query.shape
        source = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        if embed != self.embed_dim:
            raise ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}): query's last dim is {embed}")
        if key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
            raise ValueError(f"MultiheadAttention: key {list(key.shape)} and value {list(value.shape)} must have "
                             f"the same length and query's batch ({batch})")
        if key.shape[2] != self.kdim or value.shape[2] != self.vdim:
            raise ValueError(f"MultiheadAttention(kdim={self.kdim}, vdim={self.vdim}): key's last dim is "
                             f"{key.shape[2]}, value's {value.shape[2]}")
        (wq, bq), (wk, bk), (wv, bv) = self._projections()
        q = F.linear(query, wq, bq).reshape(length, batch * heads, head_dim).transpose(0, 1)
        k = F.linear(key, wk, bk).reshape(source, batch * heads, head_dim).transpose(0, 1)
        v = F.linear(value, wv, bv).reshape(source, batch * heads, head_dim).transpose(0, 1)
        mask = self._mask(attn_mask, key_padding_mask, batch, length, source, q.dtype)
        scores = _C.bmm(q / math.sqrt(head_dim), k.transpose(1, 2))
        if mask is not None:
            scores = scores + mask
        weights = scores.softmax(-1)
        if self.training and self.dropout > 0.0:
            weights = F.dropout(weights, p=self.dropout)
        heads_out = _C.bmm(weights, v)  # [N * H, L, head_dim]
        merged = heads_out.transpose(0, 1).reshape(length * batch, embed)
        output = self.out_proj(merged).reshape(length, batch, embed)
        if not need_weights:
            return output, None
        weights = weights.reshape(batch, heads, length, source)
        return output, weights.mean(1) if average else weights

    def _mask(self, attn_mask, key_padding_mask, batch, length, source, dtype):
        """attn_mask and key_padding_mask merged into one float mask [1 or N * H, L, S] (None: none)."""
        heads = self.num_heads
        mask = None
        if attn_mask is not None:
            mask = _float_mask(attn_mask, "attn_mask", dtype)
            if mask.dim() == 2:
                if tuple(mask.shape) != (length, source):
                    raise ValueError(f"MultiheadAttention: a 2-D attn_mask must be [L, S] = [{length}, {source}], "
                                     f"got {list(mask.shape)}")
                mask = mask.unsqueeze(0)
            elif mask.dim() != 3 or tuple(mask.shape) != (batch * heads, length, source):
                raise ValueError(f"MultiheadAttention: attn_mask must be [L, S] or [N * num_heads, L, S] = "
                                 f"[{batch * heads}, {length}, {source}], got {list(mask.shape)}")
        if key_padding_mask is not None:
            padding = _float_mask(key_padding_mask, "key_padding_mask", dtype)
            if tuple(padding.shape) != (batch, source):
                raise ValueError(f"MultiheadAttention: key_padding_mask must be [N, S] = [{batch}, {source}], got "
                                 f"{list(padding.shape)}")
            padding = padding.reshape(batch, 1, 1, source).expand(batch, heads, 1, source)
            padding = padding.reshape(batch * heads, 1, source)
            mask = padding if mask is None else mask + padding
        return mask


_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def _activation(activation, layer):
    """'relu', 'gelu' or a callable (a function, or a module, which is then registered)."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"{layer}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection, dropout and
    LayerNorm (after each block, or before with norm_first=True): PyTorch's encoder layer."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        super().__init__()
        _check_device("TransformerEncoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, type(self).__name__)

    def forward(self, src, src_mask=None, src_key_padding_mask=None):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _stack(module, layer, what, num_layers, norm):
    """module.layers: num_layers deep copies of layer (each its own parameters); then norm."""
    name = type(module).__name__
    if not isinstance(layer, Module):
        raise TypeError(f"{name}: {what} must be a Module, got {type(layer).__name__}")
    _check_sizes(name, num_layers=num_layers)
    module.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
    module.num_layers = num_layers
    module.norm = norm


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer (each its own parameters) applied in turn, then norm."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        _stack(self, encoder_layer, "encoder_layer", num_layers, norm)
        # PyTorch's nested-tensor fast path (eval, no_grad, batch_first, a key padding mask) is not
        # taken: it returns 0 at padded positions, where this (like PyTorch's training path) gives
        # what the layers compute there. Unpadded positions agree.
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return self.norm(output) if self.norm is not None else output


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention over the encoder's output (memory) and a
    feed-forward block, each with a residual connection, dropout and LayerNorm (after each
    block, or before with norm_first=True): PyTorch's decoder layer."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        super().__init__()
        _check_device("TransformerDecoderLayer", device)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                                 dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, type(self).__name__)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer (each its own parameters) applied in turn, then norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        _stack(self, decoder_layer, "decoder_layer", num_layers, norm)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask)
        return self.norm(output) if self.norm is not None else output


class Transformer(Module):
    """An encoder stack and a decoder stack (each ending in a LayerNorm), as in "Attention Is
    All You Need": forward(src, tgt) encodes src and decodes tgt attending to it."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=F.relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, device=None, dtype=None):
        super().__init__()
        _check_device("Transformer", device)

        def stack(custom, layer_class, stack_class, count):
            if custom is not None:
                return custom
            layer = layer_class(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                                norm_first, dtype=dtype)
            return stack_class(layer, count, LayerNorm(d_model, eps=layer_norm_eps, dtype=dtype))
        self.encoder = stack(custom_encoder, TransformerEncoderLayer, TransformerEncoder, num_encoder_layers)
        self.decoder = stack(custom_decoder, TransformerDecoderLayer, TransformerDecoder, num_decoder_layers)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self):
        """PyTorch's: Xavier-uniform for every parameter of two or more dims."""
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None):
        batch_dim = 0 if self.batch_first else 1
        if src.dim() == 3 and tgt.dim() == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask)

    @staticmethod
    def generate_square_subsequent_mask(sz, device="cpu"):
        """[sz, sz] float: -inf above the diagonal (a position sees itself and earlier ones), 0 elsewhere."""
        return _C.full((sz, sz), float("-inf")).triu(1)
