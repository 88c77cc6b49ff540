// Recurrent layers: the step functions written with engine ops (so autograd and the tape
// see linear, sigmoid, tanh, ...), the cells that call them, and LSTM/GRU that loop them.
#include "tapedeck/nn/Recurrent.h"

#include <cmath>
#include <sstream>

#include "tapedeck/nn/Init.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

namespace {

/// U(-1/sqrt(hidden), 1/sqrt(hidden)) of `shape`, from the global generator.
Tensor uniformInit(const IntList& shape, int64_t hiddenSize) {
  double bound = 1.0 / std::sqrt(static_cast<double>(hiddenSize));
  Tensor t = empty(shape);
  return init::uniform_(t, -bound, bound);
}

Tensor gatesOf(const Tensor& x, const Tensor& h, const Tensor& weightIh, const Tensor& weightHh,
               const Tensor& biasIh, const Tensor& biasHh) {
  return add(linear(x, weightIh, biasIh), linear(h, weightHh, biasHh));
}

void checkCellInput(const Tensor& x, int64_t inputSize, const char* what) {
  TD_CHECK(x.defined(), what, "input is undefined");
  TD_CHECK((x.dim() == 1 || x.dim() == 2) && x.size(-1) == inputSize, what, "expected input [batch, ", inputSize,
           "] or [", inputSize, "], got ", shapeString(x.shape()));
}

/// The state to use: zeros of [B, hidden] when undefined, else checked against x.
Tensor cellState(const Tensor& given, const Tensor& x, int64_t hiddenSize, const char* what, const char* name) {
  IntList expected = x.dim() == 2 ? IntList{x.size(0), hiddenSize} : IntList{hiddenSize};
  if (!given.defined()) return zeros(expected, TensorOptions(x.dtype()).device(x.device()));
  TD_CHECK(given.shape() == expected, what, name, " of shape ", shapeString(given.shape()),
           " does not match input of shape ", shapeString(x.shape()), " (expected ", shapeString(expected), ")");
  return given;
}

/// Runs `step` with a batch dim added to 1-D inputs, removing it from the results.
Tensor addBatchDim(const Tensor& t, bool single) { return single ? t.unsqueeze(0) : t; }
Tensor removeBatchDim(const Tensor& t, bool single) { return single ? t.squeeze(0) : t; }

/// (h', c') from the summed pre-activations [B, 4H] (gate order i, f, g, o) and c.
LstmState lstmFromGates(const Tensor& preactivations, const Tensor& c) {
  std::vector<Tensor> gates = chunk(preactivations, 4, -1);
  Tensor input = sigmoid(gates[0]);
  Tensor forget = sigmoid(gates[1]);
  Tensor cellCandidate = td::tanh(gates[2]);
  Tensor output = sigmoid(gates[3]);
  Tensor cNext = add(mul(forget, c), mul(input, cellCandidate));
  return {mul(output, td::tanh(cNext)), cNext};
}

/// h' from the input and hidden projections [B, 3H] (gate order r, z, n) and h.
Tensor gruFromProjections(const Tensor& inputProjection, const Tensor& hiddenProjection, const Tensor& h) {
  std::vector<Tensor> gi = chunk(inputProjection, 3, -1);
  std::vector<Tensor> gh = chunk(hiddenProjection, 3, -1);
  Tensor reset = sigmoid(add(gi[0], gh[0]));
  Tensor update = sigmoid(add(gi[1], gh[1]));
  Tensor candidate = td::tanh(add(gi[2], mul(reset, gh[2])));
  // (1 - z) * n + z * h, written as n + z * (h - n).
  return add(candidate, mul(update, sub(h, candidate)));
}

std::string cellRepr(int64_t inputSize, int64_t hiddenSize, bool bias) {
  std::ostringstream out;
  out << inputSize << ", " << hiddenSize;
  if (!bias) out << ", bias=False";
  return out.str();
}

}  // namespace

// --- step functions ----------------------------------------------------------------

Tensor rnnCell(const Tensor& x, const Tensor& h, const Tensor& weightIh, const Tensor& weightHh,
               const Tensor& biasIh, const Tensor& biasHh, bool relu) {
  Tensor pre = gatesOf(x, h, weightIh, weightHh, biasIh, biasHh);
  return relu ? td::relu(pre) : td::tanh(pre);
}

LstmState lstmCell(const Tensor& x, const LstmState& state, const Tensor& weightIh, const Tensor& weightHh,
                   const Tensor& biasIh, const Tensor& biasHh) {
  return lstmFromGates(gatesOf(x, state.first, weightIh, weightHh, biasIh, biasHh), state.second);
}

Tensor gruCell(const Tensor& x, const Tensor& h, const Tensor& weightIh, const Tensor& weightHh,
               const Tensor& biasIh, const Tensor& biasHh) {
  return gruFromProjections(linear(x, weightIh, biasIh), linear(h, weightHh, biasHh), h);
}

// --- RNNCell -----------------------------------------------------------------------

RNNCell::RNNCell(int64_t inputSize, int64_t hiddenSize, bool bias, Nonlinearity nonlinearity)
    : Module("RNNCell"), m_inputSize(inputSize), m_hiddenSize(hiddenSize), m_bias(bias), m_nonlinearity(nonlinearity) {
  TD_CHECK(inputSize > 0 && hiddenSize > 0, "RNNCell", "sizes must be positive, got input_size=", inputSize,
           ", hidden_size=", hiddenSize);
  m_weightIh = registerParameter("weight_ih", uniformInit({hiddenSize, inputSize}, hiddenSize));
  m_weightHh = registerParameter("weight_hh", uniformInit({hiddenSize, hiddenSize}, hiddenSize));
  if (bias) {
    m_biasIh = registerParameter("bias_ih", uniformInit({hiddenSize}, hiddenSize));
    m_biasHh = registerParameter("bias_hh", uniformInit({hiddenSize}, hiddenSize));
  }
}

Tensor RNNCell::operator()(const Tensor& x, const Tensor& h, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(x);
  return runHooks(x, step(x, h));
}

Tensor RNNCell::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return step(x, Tensor());
}

Tensor RNNCell::step(const Tensor& x, const Tensor& h) {
  checkCellInput(x, m_inputSize, "RNNCell");
  Tensor state = cellState(h, x, m_hiddenSize, "RNNCell", "hidden state");
  bool single = x.dim() == 1;
  Tensor next = rnnCell(addBatchDim(x, single), addBatchDim(state, single), m_weightIh, m_weightHh, m_biasIh,
                        m_biasHh, m_nonlinearity == Nonlinearity::Relu);
  return removeBatchDim(next, single);
}

std::string RNNCell::extraRepr() const {
  std::string repr = cellRepr(m_inputSize, m_hiddenSize, m_bias);
  if (m_nonlinearity == Nonlinearity::Relu) repr += ", nonlinearity=relu";
  return repr;
}

// --- LSTMCell ----------------------------------------------------------------------

LSTMCell::LSTMCell(int64_t inputSize, int64_t hiddenSize, bool bias)
    : Module("LSTMCell"), m_inputSize(inputSize), m_hiddenSize(hiddenSize), m_bias(bias) {
  TD_CHECK(inputSize > 0 && hiddenSize > 0, "LSTMCell", "sizes must be positive, got input_size=", inputSize,
           ", hidden_size=", hiddenSize);
  m_weightIh = registerParameter("weight_ih", uniformInit({4 * hiddenSize, inputSize}, hiddenSize));
  m_weightHh = registerParameter("weight_hh", uniformInit({4 * hiddenSize, hiddenSize}, hiddenSize));
  if (bias) {
    m_biasIh = registerParameter("bias_ih", uniformInit({4 * hiddenSize}, hiddenSize));
    m_biasHh = registerParameter("bias_hh", uniformInit({4 * hiddenSize}, hiddenSize));
  }
}

LstmState LSTMCell::operator()(const Tensor& x, const LstmState& state, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(x);
  LstmState next = step(x, state);
  next.first = runHooks(x, next.first);
  return next;
}

Tensor LSTMCell::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return step(x, LstmState{}).first;
}

LstmState LSTMCell::step(const Tensor& x, const LstmState& state) {
  checkCellInput(x, m_inputSize, "LSTMCell");
  Tensor h = cellState(state.first, x, m_hiddenSize, "LSTMCell", "h");
  Tensor c = cellState(state.second, x, m_hiddenSize, "LSTMCell", "c");
  bool single = x.dim() == 1;
  LstmState next = lstmCell(addBatchDim(x, single), {addBatchDim(h, single), addBatchDim(c, single)}, m_weightIh,
                            m_weightHh, m_biasIh, m_biasHh);
  return {removeBatchDim(next.first, single), removeBatchDim(next.second, single)};
}

std::string LSTMCell::extraRepr() const { return cellRepr(m_inputSize, m_hiddenSize, m_bias); }

// --- GRUCell -----------------------------------------------------------------------

GRUCell::GRUCell(int64_t inputSize, int64_t hiddenSize, bool bias)
    : Module("GRUCell"), m_inputSize(inputSize), m_hiddenSize(hiddenSize), m_bias(bias) {
  TD_CHECK(inputSize > 0 && hiddenSize > 0, "GRUCell", "sizes must be positive, got input_size=", inputSize,
           ", hidden_size=", hiddenSize);
  m_weightIh = registerParameter("weight_ih", uniformInit({3 * hiddenSize, inputSize}, hiddenSize));
  m_weightHh = registerParameter("weight_hh", uniformInit({3 * hiddenSize, hiddenSize}, hiddenSize));
  if (bias) {
    m_biasIh = registerParameter("bias_ih", uniformInit({3 * hiddenSize}, hiddenSize));
    m_biasHh = registerParameter("bias_hh", uniformInit({3 * hiddenSize}, hiddenSize));
  }
}

Tensor GRUCell::operator()(const Tensor& x, const Tensor& h, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(x);
  return runHooks(x, step(x, h));
}

Tensor GRUCell::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return step(x, Tensor());
}

Tensor GRUCell::step(const Tensor& x, const Tensor& h) {
  checkCellInput(x, m_inputSize, "GRUCell");
  Tensor state = cellState(h, x, m_hiddenSize, "GRUCell", "hidden state");
  bool single = x.dim() == 1;
  Tensor next = gruCell(addBatchDim(x, single), addBatchDim(state, single), m_weightIh, m_weightHh, m_biasIh, m_biasHh);
  return removeBatchDim(next, single);
}

std::string GRUCell::extraRepr() const { return cellRepr(m_inputSize, m_hiddenSize, m_bias); }

// --- multi-step layers ---------------------------------------------------------------

RecurrentBase::RecurrentBase(std::string typeName, int64_t inputSize, int64_t hiddenSize, int64_t gates,
                             RecurrentOptions options)
    : Module(typeName), m_inputSize(inputSize), m_hiddenSize(hiddenSize), m_options(options) {
  TD_CHECK(inputSize > 0 && hiddenSize > 0 && options.numLayers > 0, typeName,
           "sizes must be positive, got input_size=", inputSize, ", hidden_size=", hiddenSize,
           ", num_layers=", options.numLayers);
  // PyTorch's order: every layer's weight_ih, weight_hh, bias_ih, bias_hh in turn.
  for (int64_t layer = 0; layer < options.numLayers; ++layer) {
    std::string suffix = "_l" + std::to_string(layer);
    int64_t layerInput = layer == 0 ? inputSize : hiddenSize;
    int64_t rows = gates * hiddenSize;
    m_weights.push_back(registerParameter("weight_ih" + suffix, uniformInit({rows, layerInput}, hiddenSize)));
    m_weights.push_back(registerParameter("weight_hh" + suffix, uniformInit({rows, hiddenSize}, hiddenSize)));
    if (options.bias) {
      m_weights.push_back(registerParameter("bias_ih" + suffix, uniformInit({rows}, hiddenSize)));
      m_weights.push_back(registerParameter("bias_hh" + suffix, uniformInit({rows}, hiddenSize)));
    } else {
      m_weights.resize(m_weights.size() + 2);
    }
  }
}

Tensor RecurrentBase::timeMajor(const Tensor& x, const char* what) const {
  TD_CHECK(x.defined(), what, "input is undefined");
  TD_CHECK(x.dim() == 3 && x.size(2) == m_inputSize, what, "expected input ",
           m_options.batchFirst ? "[batch, time, " : "[time, batch, ", m_inputSize, "], got ", shapeString(x.shape()));
  TD_CHECK(x.size(0) > 0 && x.size(1) > 0, what, "empty sequence or batch: ", shapeString(x.shape()));
  return m_options.batchFirst ? x.transpose(0, 1) : x;
}

Tensor RecurrentBase::initialState(const Tensor& given, const Tensor& x, const char* what) const {
  IntList expected{m_options.numLayers, x.size(1), m_hiddenSize};
  if (!given.defined()) return zeros(expected, TensorOptions(x.dtype()).device(x.device()));
  TD_CHECK(given.shape() == expected, what, "initial state of shape ", shapeString(given.shape()),
           " does not match input of shape ", shapeString(x.shape()), " (expected ", shapeString(expected), ")");
  return given;
}

std::string RecurrentBase::extraRepr() const {
  std::ostringstream out;
  out << m_inputSize << ", " << m_hiddenSize;
  if (m_options.numLayers != 1) out << ", num_layers=" << m_options.numLayers;
  if (!m_options.bias) out << ", bias=False";
  if (m_options.batchFirst) out << ", batch_first=True";
  return out.str();
}

LSTM::LSTM(int64_t inputSize, int64_t hiddenSize, RecurrentOptions options)
    : RecurrentBase("LSTM", inputSize, hiddenSize, 4, options) {}

std::pair<Tensor, LstmState> LSTM::operator()(const Tensor& x, const LstmState& state, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(x);
  std::pair<Tensor, LstmState> result = run(x, state);
  result.first = runHooks(x, result.first);
  return result;
}

Tensor LSTM::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return run(x, LstmState{}).first;
}

std::pair<Tensor, LstmState> LSTM::run(const Tensor& xIn, const LstmState& state) {
  Tensor x = timeMajor(xIn, "LSTM");
  Tensor h0 = initialState(state.first, x, "LSTM");
  Tensor c0 = initialState(state.second, x, "LSTM");
  int64_t steps = x.size(0);
  Tensor layerInput = x;
  std::vector<Tensor> finalH, finalC;
  for (int64_t layer = 0; layer < m_options.numLayers; ++layer) {
    LstmState s{h0.select(0, layer), c0.select(0, layer)};
    // The input projection of every step at once; only the recurrent part stays in the loop.
    std::vector<Tensor> projected = split(linear(layerInput, weightIh(layer), biasIh(layer)), 1, 0);
    std::vector<Tensor> outputs;
    outputs.reserve(static_cast<std::size_t>(steps));
    for (int64_t t = 0; t < steps; ++t) {
      Tensor recurrent = linear(s.first, weightHh(layer), biasHh(layer));
      s = lstmFromGates(add(projected[static_cast<std::size_t>(t)].squeeze(0), recurrent), s.second);
      outputs.push_back(s.first);
    }
    layerInput = stack(outputs, 0);
    finalH.push_back(s.first);
    finalC.push_back(s.second);
  }
  Tensor output = m_options.batchFirst ? layerInput.transpose(0, 1) : layerInput;
  return {output, {stack(finalH, 0), stack(finalC, 0)}};
}

GRU::GRU(int64_t inputSize, int64_t hiddenSize, RecurrentOptions options)
    : RecurrentBase("GRU", inputSize, hiddenSize, 3, options) {}

std::pair<Tensor, Tensor> GRU::operator()(const Tensor& x, const Tensor& h0, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(x);
  std::pair<Tensor, Tensor> result = run(x, h0);
  result.first = runHooks(x, result.first);
  return result;
}

Tensor GRU::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return run(x, Tensor()).first;
}

std::pair<Tensor, Tensor> GRU::run(const Tensor& xIn, const Tensor& h0In) {
  Tensor x = timeMajor(xIn, "GRU");
  Tensor h0 = initialState(h0In, x, "GRU");
  int64_t steps = x.size(0);
  Tensor layerInput = x;
  std::vector<Tensor> finalH;
  for (int64_t layer = 0; layer < m_options.numLayers; ++layer) {
    Tensor h = h0.select(0, layer);
    std::vector<Tensor> projected = split(linear(layerInput, weightIh(layer), biasIh(layer)), 1, 0);
    std::vector<Tensor> outputs;
    outputs.reserve(static_cast<std::size_t>(steps));
    for (int64_t t = 0; t < steps; ++t) {
      h = gruFromProjections(projected[static_cast<std::size_t>(t)].squeeze(0),
                             linear(h, weightHh(layer), biasHh(layer)), h);
      outputs.push_back(h);
    }
    layerInput = stack(outputs, 0);
    finalH.push_back(h);
  }
  Tensor output = m_options.batchFirst ? layerInput.transpose(0, 1) : layerInput;
  return {output, stack(finalH, 0)};
}

}  // namespace td::nn
