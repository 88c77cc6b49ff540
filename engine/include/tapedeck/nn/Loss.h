#pragma once
// Losses as modules: each is called as loss(input, target), which names it on the tape,
// runs its hooks (on `input`) and calls the function in Ops.h.
#include <cstdint>

#include "tapedeck/nn/Module.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

/// Base of the losses: the two-tensor call. The one-tensor call of Module is hidden.
class Loss : public Module {
 public:
  Tensor operator()(const Tensor& input, const Tensor& target, SourceLoc loc = SourceLoc::current());
  Reduction reduction() const { return m_reduction; }
  std::string extraRepr() const override;

 protected:
  Loss(std::string typeName, Reduction reduction) : Module(std::move(typeName)), m_reduction(reduction) {}
  /// The computation, reached only through operator().
  virtual Tensor forwardLoss(const Tensor& input, const Tensor& target) = 0;

 private:
  Reduction m_reduction;
};

/// Mean (or summed) squared error.
class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Loss("MSELoss", reduction) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean) : Loss("L1Loss", reduction) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;
};

/// Logits [N, C] (or [N, C, d...]) against int64 class indices; targets equal to
/// ignoreIndex count for nothing.
class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(double labelSmoothing = 0.0, int64_t ignoreIndex = -100,
                            Reduction reduction = Reduction::Mean)
      : Loss("CrossEntropyLoss", reduction), m_labelSmoothing(labelSmoothing), m_ignoreIndex(ignoreIndex) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;

 private:
  double m_labelSmoothing;
  int64_t m_ignoreIndex;
};

/// Log-probabilities [N, C] against int64 class indices.
class NLLLoss : public Loss {
 public:
  explicit NLLLoss(int64_t ignoreIndex = -100, Reduction reduction = Reduction::Mean)
      : Loss("NLLLoss", reduction), m_ignoreIndex(ignoreIndex) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;

 private:
  int64_t m_ignoreIndex;
};

/// Probabilities in [0, 1] against targets in [0, 1].
class BCELoss : public Loss {
 public:
  explicit BCELoss(Reduction reduction = Reduction::Mean) : Loss("BCELoss", reduction) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;
};

/// Logits against targets in [0, 1] (the stable form of sigmoid then BCE).
class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::Mean) : Loss("BCEWithLogitsLoss", reduction) {}

 protected:
  Tensor forwardLoss(const Tensor& input, const Tensor& target) override;
};

}  // namespace td::nn
