#pragma once
// Parameter-free elementwise layers: ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax, and
// Dropout (which also depends on the training flag).
#include <cstdint>

#include "tapedeck/nn/Module.h"

namespace td::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}

 protected:
  Tensor forward(const Tensor& x) override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negativeSlope = 0.01) : Module("LeakyReLU"), m_negativeSlope(negativeSlope) {}
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  double m_negativeSlope;
};

/// Exact GELU, x * Φ(x).
class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  std::string extraRepr() const override { return "approximate='none'"; }

 protected:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}

 protected:
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}

 protected:
  Tensor forward(const Tensor& x) override;
};

/// Softmax along `dim` (negative counts from the end).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : Module("Softmax"), m_dim(dim) {}
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  int64_t m_dim;
};

/// Training: zeroes elements with probability p and scales the rest by 1/(1-p), drawing
/// from the global generator. Eval: the identity.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  std::string extraRepr() const override;
  double p() const { return m_p; }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  double m_p;
};

}  // namespace td::nn
