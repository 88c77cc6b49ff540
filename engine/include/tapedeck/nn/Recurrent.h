#pragma once
// Recurrent layers with PyTorch's parameter names, layouts and initialisation: the cells
// (RNNCell, LSTMCell, GRUCell) run one step; LSTM and GRU run a whole sequence. Gates are
// stacked along dim 0 of the weights: i, f, g, o for the LSTM and r, z, n for the GRU.
// Every parameter starts as U(-1/sqrt(hidden), 1/sqrt(hidden)) from the global generator.
// Each call with a state names the module on the tape and runs its hooks as operator()
// does; the hooks see x and the output h' (the output sequence for LSTM and GRU).
#include <cstdint>
#include <string>
#include <utility>

#include "tapedeck/nn/Module.h"

namespace td::nn {

/// (h, c) of an LSTM.
using LstmState = std::pair<Tensor, Tensor>;

// --- the step functions the modules run (also usable with any weights, e.g. float64) ---
/// act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu. Biases may be undefined.
Tensor rnnCell(const Tensor& x, const Tensor& h, const Tensor& weightIh, const Tensor& weightHh,
               const Tensor& biasIh = Tensor(), const Tensor& biasHh = Tensor(), bool relu = false);
/// One LSTM step: x [B, in], h and c [B, hidden]; returns (h', c').
LstmState lstmCell(const Tensor& x, const LstmState& state, const Tensor& weightIh, const Tensor& weightHh,
                   const Tensor& biasIh = Tensor(), const Tensor& biasHh = Tensor());
/// One GRU step: x [B, in], h [B, hidden]; returns h'.
Tensor gruCell(const Tensor& x, const Tensor& h, const Tensor& weightIh, const Tensor& weightHh,
               const Tensor& biasIh = Tensor(), const Tensor& biasHh = Tensor());

enum class Nonlinearity { Tanh, Relu };

/// h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).
class RNNCell : public Module {
 public:
  RNNCell(int64_t inputSize, int64_t hiddenSize, bool bias = true, Nonlinearity nonlinearity = Nonlinearity::Tanh);
  using Module::operator();
  /// x [B, in] or [in]; h of the matching [B, hidden] or [hidden] (undefined: zeros).
  Tensor operator()(const Tensor& x, const Tensor& h, SourceLoc loc = SourceLoc::current());
  std::string extraRepr() const override;

  int64_t inputSize() const { return m_inputSize; }
  int64_t hiddenSize() const { return m_hiddenSize; }
  const Tensor& weightIh() const { return m_weightIh; }
  const Tensor& weightHh() const { return m_weightHh; }
  /// Undefined without bias.
  const Tensor& biasIh() const { return m_biasIh; }
  const Tensor& biasHh() const { return m_biasHh; }

 protected:
  /// One step from a zero state.
  Tensor forward(const Tensor& x) override;

 private:
  Tensor step(const Tensor& x, const Tensor& h);
  int64_t m_inputSize, m_hiddenSize;
  bool m_bias;
  Tensor m_weightIh, m_weightHh, m_biasIh, m_biasHh;
  Nonlinearity m_nonlinearity;
};

/// One LSTM step: (h', c') from x and (h, c).
class LSTMCell : public Module {
 public:
  LSTMCell(int64_t inputSize, int64_t hiddenSize, bool bias = true);
  using Module::operator();
  /// x [B, in] or [in]; state (h, c), either undefined meaning zeros.
  /// (cell(x) gives h' from zeros; cell(x, {}) is ambiguous with the line argument.)
  LstmState operator()(const Tensor& x, const LstmState& state, SourceLoc loc = SourceLoc::current());
  std::string extraRepr() const override;

  int64_t inputSize() const { return m_inputSize; }
  int64_t hiddenSize() const { return m_hiddenSize; }
  const Tensor& weightIh() const { return m_weightIh; }
  const Tensor& weightHh() const { return m_weightHh; }
  const Tensor& biasIh() const { return m_biasIh; }
  const Tensor& biasHh() const { return m_biasHh; }

 protected:
  /// h' of one step from a zero state.
  Tensor forward(const Tensor& x) override;

 private:
  LstmState step(const Tensor& x, const LstmState& state);
  int64_t m_inputSize, m_hiddenSize;
  bool m_bias;
  Tensor m_weightIh, m_weightHh, m_biasIh, m_biasHh;
};

/// One GRU step: h' from x and h.
class GRUCell : public Module {
 public:
  GRUCell(int64_t inputSize, int64_t hiddenSize, bool bias = true);
  using Module::operator();
  /// x [B, in] or [in]; h of the matching shape (undefined: zeros).
  Tensor operator()(const Tensor& x, const Tensor& h, SourceLoc loc = SourceLoc::current());
  std::string extraRepr() const override;

  int64_t inputSize() const { return m_inputSize; }
  int64_t hiddenSize() const { return m_hiddenSize; }
  const Tensor& weightIh() const { return m_weightIh; }
  const Tensor& weightHh() const { return m_weightHh; }
  const Tensor& biasIh() const { return m_biasIh; }
  const Tensor& biasHh() const { return m_biasHh; }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  Tensor step(const Tensor& x, const Tensor& h);
  int64_t m_inputSize, m_hiddenSize;
  bool m_bias;
  Tensor m_weightIh, m_weightHh, m_biasIh, m_biasHh;
};

struct RecurrentOptions {
  int64_t numLayers = 1;
  bool bias = true;
  /// Input and output as [B, T, F] instead of [T, B, F] (the state stays [layers, B, H]).
  bool batchFirst = false;
};

/// Shared by LSTM and GRU: per-layer parameters named weight_ih_l{k}, weight_hh_l{k},
/// bias_ih_l{k}, bias_hh_l{k}, with `gates` blocks of hidden rows each.
class RecurrentBase : public Module {
 public:
  int64_t inputSize() const { return m_inputSize; }
  int64_t hiddenSize() const { return m_hiddenSize; }
  int64_t numLayers() const { return m_options.numLayers; }
  bool batchFirst() const { return m_options.batchFirst; }
  std::string extraRepr() const override;
  /// Layer `layer`'s weight_ih_l{layer}, ...; the biases are undefined without bias.
  const Tensor& weightIh(int64_t layer) const { return m_weights[static_cast<std::size_t>(layer) * 4]; }
  const Tensor& weightHh(int64_t layer) const { return m_weights[static_cast<std::size_t>(layer) * 4 + 1]; }
  const Tensor& biasIh(int64_t layer) const { return m_weights[static_cast<std::size_t>(layer) * 4 + 2]; }
  const Tensor& biasHh(int64_t layer) const { return m_weights[static_cast<std::size_t>(layer) * 4 + 3]; }

 protected:
  RecurrentBase(std::string typeName, int64_t inputSize, int64_t hiddenSize, int64_t gates,
                RecurrentOptions options);
  /// Checks x is [T, B, F] (or [B, T, F]) and returns it time-major.
  Tensor timeMajor(const Tensor& x, const char* what) const;
  /// A [layers, B, H] initial state, zeros when `given` is undefined (checked otherwise).
  Tensor initialState(const Tensor& given, const Tensor& x, const char* what) const;

  int64_t m_inputSize, m_hiddenSize;
  RecurrentOptions m_options;

 private:
  std::vector<Tensor> m_weights;  // four per layer; biases undefined when options.bias is false
};

/// A multi-layer LSTM over a sequence.
class LSTM : public RecurrentBase {
 public:
  LSTM(int64_t inputSize, int64_t hiddenSize, RecurrentOptions options = {});
  using Module::operator();
  /// x [T, B, in] (batchFirst: [B, T, in]); state (h0, c0) each [layers, B, hidden],
  /// undefined meaning zeros. Returns (output [T, B, hidden], (h_n, c_n)).
  std::pair<Tensor, LstmState> operator()(const Tensor& x, const LstmState& state,
                                          SourceLoc loc = SourceLoc::current());

 protected:
  /// The output sequence from a zero state.
  Tensor forward(const Tensor& x) override;

 private:
  std::pair<Tensor, LstmState> run(const Tensor& x, const LstmState& state);
};

/// A multi-layer GRU over a sequence.
class GRU : public RecurrentBase {
 public:
  GRU(int64_t inputSize, int64_t hiddenSize, RecurrentOptions options = {});
  using Module::operator();
  /// x [T, B, in] (batchFirst: [B, T, in]); h0 [layers, B, hidden] or undefined (zeros).
  /// Returns (output [T, B, hidden], h_n).
  std::pair<Tensor, Tensor> operator()(const Tensor& x, const Tensor& h0, SourceLoc loc = SourceLoc::current());

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  std::pair<Tensor, Tensor> run(const Tensor& x, const Tensor& h0);
};

}  // namespace td::nn
