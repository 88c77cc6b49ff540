"""Recurrent layers written from tensor ops (so autograd and the tape see linear, sigmoid,
tanh, ...): RNNCell, GRUCell, LSTMCell, and RNN, GRU, LSTM looping them over time, with
PyTorch's parameter names, shapes, gate orders and initialisation."""
import math
import warnings

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_linear = _C._nn.linear
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def _rnn_step(nonlinearity):
    activation = _C.tanh if nonlinearity == "tanh" else _C.relu

    def step(gi, gh, state):
        return activation(gi + gh)
    return step


def _gru_step(gi, gh, h):
    """Gate order r, z, n: n = tanh(i_n + r * h_n); h' = (1 - z) n + z h."""
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    reset = _C.sigmoid(i_r + h_r)
    update = _C.sigmoid(i_z + h_z)
    candidate = _C.tanh(i_n + reset * h_n)
    return candidate + update * (h - candidate)


def _lstm_step(gi, gh, state):
    """Gate order i, f, g, o: c' = f c + i g; h' = o tanh(c')."""
    _, c = state
    i, f, g, o = (gi + gh).chunk(4, -1)
    c_next = _C.sigmoid(f) * c + _C.sigmoid(i) * _C.tanh(g)
    return _C.sigmoid(o) * _C.tanh(c_next), c_next


def _init_uniform(module):
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


def _state_check(name, given, expected):
    if list(given.shape) != list(expected):
        raise RuntimeError(f"{name}: expected hidden size {tuple(expected)}, got {list(given.shape)}")


class RNNCellBase(Module):
    """weight_ih [G*hidden, input], weight_hh [G*hidden, hidden], bias_ih, bias_hh [G*hidden]
    (G gates), all U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        dtype = dtype if dtype is not None else _C.dtype.float32
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_C.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(_C.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_C.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        """U(-1/sqrt(hidden), 1/sqrt(hidden)) for every weight and bias."""
        _init_uniform(self)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _prepare(self, input):
        name = type(self).__name__
        if input.dim() not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input [batch, {self.input_size}] or [{self.input_size}], got "
                             f"{list(input.shape)}")
        batched = input.dim() == 2
        return (input if batched else input.unsqueeze(0)), batched

    def _state(self, given, input, batched):
        expected = (input.shape[0], self.hidden_size)
        if given is None:
            return _C.zeros(*expected, dtype=input.dtype)
        given = given if batched else given.unsqueeze(0)
        _state_check(type(self).__name__, given, expected)
        return given

    def _projections(self, input, h):
        p = self._parameters  # direct, not through __getattr__: cells run once per time step
        return _linear(input, p["weight_ih"], p["bias_ih"]), _linear(h, p["weight_hh"], p["bias_hh"])


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity '{nonlinearity}' (expected 'tanh' or 'relu')")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        h = self._state(hx, input, batched)
        out = _rnn_step(self.nonlinearity)(*self._projections(input, h), h)
        return out if batched else out.squeeze(0)


class GRUCell(RNNCellBase):
    """A GRU step (gates r, z, n, as PyTorch's)."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        h = self._state(hx, input, batched)
        out = _gru_step(*self._projections(input, h), h)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """An LSTM step (gates i, f, g, o); hx is (h, c); returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prepare(input)
        h, c = (None, None) if hx is None else hx
        h, c = self._state(h, input, batched), self._state(c, input, batched)
        h, c = _lstm_step(*self._projections(input, h), (h, c))
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class RNNBase(Module):
    """Stacked recurrent layers over a sequence [L, N, input] ([N, L, input] with
    batch_first; [L, input] unbatched); parameters weight_ih_l{k}[_reverse], ..."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and num_layers=1")
        if proj_size != 0:
            raise NotImplementedError(f"{name}: proj_size is not supported yet")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{name}: hidden_size and num_layers must be positive, got {hidden_size}, {num_layers}")
        dtype = dtype if dtype is not None else _C.dtype.float32
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for prefix, shape in shapes:
                    key = f"{prefix}_l{layer}{suffix}"
                    self.register_parameter(key, Parameter(_C.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(key)
        self.reset_parameters()

    def reset_parameters(self):
        """U(-1/sqrt(hidden), 1/sqrt(hidden)) for every weight and bias."""
        _init_uniform(self)

    def flatten_parameters(self):
        """A no-op (kept for PyTorch scripts that call it)."""

    @property
    def all_weights(self):
        """[[weight_ih, weight_hh, bias_ih, bias_hh] per layer and direction]."""
        per = 4 if self.bias else 2
        weights = [getattr(self, key) for key in self._flat_weights_names]
        return [weights[i:i + per] for i in range(0, len(weights), per)]

    def _layer_weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        p = self._parameters
        return (p["weight_ih" + suffix], p["weight_hh" + suffix], p.get("bias_ih" + suffix),
                p.get("bias_hh" + suffix))

    def _step(self):
        if self.mode == "GRU":
            return _gru_step
        if self.mode == "LSTM":
            return _lstm_step
        return _rnn_step("tanh" if self.mode == "RNN_TANH" else "relu")

    def _initial_state(self, hx, batch, dtype, name):
        lstm = self.mode == "LSTM"
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if hx is None:
            h0 = _C.zeros(*expected, dtype=dtype)
            return h0, (h0 if lstm else None)
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            h0, c0 = hx
            _state_check(name, h0, expected)
            _state_check(name, c0, expected)
            return h0, c0
        _state_check(name, hx, expected)
        return hx, None

    def _layers(self, layer_input, h0, c0, sizes=None):
        """Every layer and direction over [T, B, features]; with sizes (a packed batch, sorted
        longest first), step t updates only the first sizes[t] rows, so each sequence stops at
        its end (and, backwards, starts there). Returns the last layer's [T, B, H * dirs], and
        the final states h_n, c_n (lists, one per layer and direction)."""
        lstm = self.mode == "LSTM"
        directions = 2 if self.bidirectional else 1
        steps, batch = layer_input.shape[0], layer_input.shape[1]
        step = self._step()
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
                index = layer * directions + direction
                state = (h0[index], c0[index]) if lstm else h0[index]
                projected = _linear(layer_input, w_ih, b_ih)  # every step's input projection at once
                out = [None] * steps
                for t in (range(steps) if direction == 0 else range(steps - 1, -1, -1)):
                    active = batch if sizes is None else sizes[t]
                    if active == batch:
                        h = state[0] if lstm else state
                        state = step(projected[t], _linear(h, w_hh, b_hh), state)
                    else:  # the sequences that ended (or, backwards, have not begun) keep their state
                        running = (state[0][:active], state[1][:active]) if lstm else state[:active]
                        h = running[0] if lstm else running
                        new = step(projected[t][:active], _linear(h, w_hh, b_hh), running)
                        state = (tuple(_C.cat([a, b[active:]], 0) for a, b in zip(new, state)) if lstm
                                 else _C.cat([new, state[active:]], 0))
                    out[t] = state[0] if lstm else state
                outputs.append(_C.stack(out, 0))
                h_n.append(state[0] if lstm else state)
                if lstm:
                    c_n.append(state[1])
            layer_input = outputs[0] if directions == 1 else _C.cat(outputs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, h_n, c_n

    def _forward_packed(self, packed, hx, name):
        from ..utils.rnn import PackedSequence, _packed_rows
        lstm = self.mode == "LSTM"
        sizes = packed.batch_sizes.tolist()
        steps, batch = len(sizes), sizes[0]
        data = packed.data
        if data.dim() != 2 or data.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected a PackedSequence of {self.input_size} features, got data of shape "
                             f"{list(data.shape)}")
        rows = _C.tensor(_packed_rows(sizes, list(range(batch)), batch), dtype=_C.dtype.int64)
        padded = _C.zeros(steps * batch, self.input_size, dtype=data.dtype).index_add(0, rows, data)
        if hx is not None and packed.sorted_indices is not None:  # given in the batch's own order
            if lstm and not isinstance(hx, (tuple, list)):
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            hx = (tuple(s.index_select(1, packed.sorted_indices) for s in hx) if lstm
                  else hx.index_select(1, packed.sorted_indices))
        h0, c0 = self._initial_state(hx, batch, data.dtype, name)
        output, h_n, c_n = self._layers(padded.reshape(steps, batch, self.input_size), h0, c0, sizes)
        out = PackedSequence(output.reshape(steps * batch, output.shape[-1]).index_select(0, rows),
                             packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        h_n = _C.stack(h_n, 0)
        c_n = _C.stack(c_n, 0) if lstm else None
        if packed.unsorted_indices is not None:  # back to the batch's own order
            h_n = h_n.index_select(1, packed.unsorted_indices)
            c_n = c_n.index_select(1, packed.unsorted_indices) if lstm else None
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, name)
        if not isinstance(input, _C.Tensor):
            raise TypeError(f"{name}: expected a tensor or a PackedSequence input, got {type(input).__name__}")
        if input.dim() not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of {self.input_size} features, [L, N, {self.input_size}] "
                             f"({'[N, L, ...]' if self.batch_first else 'seq first'}) or [L, {self.input_size}], "
                             f"got {list(input.shape)}")
        batched = input.dim() == 3
        lstm = self.mode == "LSTM"
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if lstm else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        h0, c0 = self._initial_state(hx, input.shape[1], input.dtype, name)
        output, h_n, c_n = self._layers(input, h0, c0)
        h_n = _C.stack(h_n, 0)
        c_n = _C.stack(c_n, 0) if lstm else None
        if not batched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu); returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}' (expected 'tanh' or 'relu')")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class GRU(RNNBase):
    """Gated recurrent unit layers; returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory layers; hx is (h_0, c_0); returns (output, (h_n, c_n))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)
