// Loss modules: the call, then the functional loss.
#include "tapedeck/nn/Loss.h"

namespace td::nn {

Tensor Loss::operator()(const Tensor& input, const Tensor& target, SourceLoc loc) {
  ModuleCall call(*this, loc);
  ApiScope api(loc);
  runPreHooks(input);
  return runHooks(input, forwardLoss(input, target));
}

std::string Loss::extraRepr() const {
  switch (m_reduction) {
    case Reduction::Mean: return {};
    case Reduction::Sum: return "reduction='sum'";
    case Reduction::None: return "reduction='none'";
  }
  return {};
}

Tensor MSELoss::forwardLoss(const Tensor& input, const Tensor& target) { return mseLoss(input, target, reduction()); }

Tensor L1Loss::forwardLoss(const Tensor& input, const Tensor& target) { return l1Loss(input, target, reduction()); }

Tensor CrossEntropyLoss::forwardLoss(const Tensor& input, const Tensor& target) {
  return crossEntropy(input, target, reduction(), m_labelSmoothing, m_ignoreIndex);
}

Tensor NLLLoss::forwardLoss(const Tensor& input, const Tensor& target) {
  return nllLoss(input, target, reduction(), m_ignoreIndex);
}

Tensor BCELoss::forwardLoss(const Tensor& input, const Tensor& target) {
  return binaryCrossEntropy(input, target, reduction());
}

Tensor BCEWithLogitsLoss::forwardLoss(const Tensor& input, const Tensor& target) {
  return binaryCrossEntropyWithLogits(input, target, reduction());
}

}  // namespace td::nn
