// Loss functions, composites of primitives (they inherit their gradients).
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

Tensor reduceLoss(const Tensor& perElement, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return perElement;
    case Reduction::Sum: return sum(perElement);
    case Reduction::Mean: return mean(perElement);
  }
  return perElement;
}

void checkSameShape(const Tensor& input, const Tensor& target, const char* op) {
  checkDefined(input, op, "input");
  checkDefined(target, op, "target");
  checkFloating(input, op);
  TD_CHECK(input.shape() == target.shape(), op, "target of shape ", shapeString(target.shape()),
           " does not match input of shape ", shapeString(input.shape()));
}

/// Moves the class dim (1) last and flattens: [N, C, d...] -> [N*d..., C].
Tensor classesLast(const Tensor& x) {
  if (x.dim() == 2) return x;
  IntList perm{0};
  for (int64_t d = 2; d < x.dim(); ++d) perm.push_back(d);
  perm.push_back(1);
  return x.permute(perm).reshape({-1, x.shape()[1]});
}

/// Per-element negative log-likelihood (0 where ignored) and the mask of counted targets.
std::pair<Tensor, Tensor> nllTerms(const Tensor& logProbs, const Tensor& target, int64_t ignoreIndex,
                                   const char* op) {
  checkDefined(logProbs, op, "input");
  checkDefined(target, op, "target");
  checkFloating(logProbs, op);
  TD_CHECK(target.dtype() == DType::Int64, op, "target must be int64 class indices, got ", describe(target));
  TD_CHECK(logProbs.dim() >= 2, op, "input must be [N, C] or [N, C, d...], got ", shapeString(logProbs.shape()));
  IntList expected{logProbs.shape()[0]};
  for (int64_t d = 2; d < logProbs.dim(); ++d) expected.push_back(logProbs.shape()[d]);
  TD_CHECK(target.shape() == expected, op, "target of shape ", shapeString(target.shape()),
           " does not match input of shape ", shapeString(logProbs.shape()), " (expected ", shapeString(expected),
           ")");
  int64_t classes = logProbs.shape()[1];
  Tensor flatTarget = target.reshape({-1});
  Tensor valid = ne(flatTarget, static_cast<double>(ignoreIndex));
  Tensor safeTarget = where(valid, flatTarget, 0.0);
  if (safeTarget.numel() > 0) {
    auto [loValue, hiValue] = valueRange(safeTarget);
    int64_t lo = static_cast<int64_t>(loValue), hi = static_cast<int64_t>(hiValue);
    TD_CHECK(lo >= 0 && hi < classes, op, "target class ", lo < 0 ? lo : hi, " is out of bounds for ", classes,
             " classes");
  }
  Tensor picked = gather(classesLast(logProbs), 1, safeTarget.unsqueeze(1)).squeeze(1);
  Tensor validF = valid.to(logProbs.dtype());
  return {mul(neg(picked), validF), validF};
}

Tensor reduceMasked(const Tensor& perElement, const Tensor& validF, const Tensor& target, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return perElement.view(target.shape());
    case Reduction::Sum: return sum(perElement);
    case Reduction::Mean: return div(sum(perElement), sum(validF));
  }
  return perElement;
}

}  // namespace

Tensor nllLoss(const Tensor& logProbs, const Tensor& target, Reduction reduction, int64_t ignoreIndex,
               SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("nll_loss");
  auto [perElement, validF] = nllTerms(logProbs, target, ignoreIndex, "nll_loss");
  return reduceMasked(perElement, validF, target, reduction);
}

Tensor crossEntropy(const Tensor& logits, const Tensor& target, Reduction reduction, double labelSmoothing,
                    int64_t ignoreIndex, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("cross_entropy");
  checkDefined(logits, "cross_entropy", "input");
  TD_CHECK(labelSmoothing >= 0.0 && labelSmoothing <= 1.0, "cross_entropy", "label_smoothing must be in [0, 1], got ",
           labelSmoothing);
  TD_CHECK(logits.dim() >= 2, "cross_entropy", "input must be [N, C] or [N, C, d...], got ",
           shapeString(logits.shape()));
  Tensor logProbs = logSoftmax(logits, 1);
  auto [perElement, validF] = nllTerms(logProbs, target, ignoreIndex, "cross_entropy");
  if (labelSmoothing > 0.0) {
    // (1 - ε) · nll + ε · (mean over classes of -log p), counted only where the target is.
    double classes = static_cast<double>(logits.shape()[1]);
    Tensor smooth = mul(neg(sum(classesLast(logProbs), {1})), validF);
    perElement = add(mul(perElement, 1.0 - labelSmoothing), mul(smooth, labelSmoothing / classes));
  }
  return reduceMasked(perElement, validF, target, reduction);
}

Tensor mseLoss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("mse_loss");
  checkSameShape(input, target, "mse_loss");
  Tensor diff = sub(input, target);
  return reduceLoss(mul(diff, diff), reduction);
}

Tensor l1Loss(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("l1_loss");
  checkSameShape(input, target, "l1_loss");
  return reduceLoss(abs(sub(input, target)), reduction);
}

Tensor binaryCrossEntropy(const Tensor& input, const Tensor& target, Reduction reduction, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("binary_cross_entropy");
  checkSameShape(input, target, "binary_cross_entropy");
  if (input.numel() > 0) {
    auto [lo, hi] = valueRange(input);
    TD_CHECK(lo >= 0.0 && hi <= 1.0, "binary_cross_entropy", "input values must be probabilities in [0, 1], got ",
             lo, " to ", hi, " (use binary_cross_entropy_with_logits for logits)");
  }
  Tensor logP = clamp(log(input), -100.0, std::nullopt);
  Tensor logQ = clamp(log(rsub(input, 1.0)), -100.0, std::nullopt);
  Tensor perElement = neg(add(mul(target, logP), mul(rsub(target, 1.0), logQ)));
  return reduceLoss(perElement, reduction);
}

Tensor binaryCrossEntropyWithLogits(const Tensor& logits, const Tensor& target, Reduction reduction,
                                    SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("binary_cross_entropy_with_logits");
  checkSameShape(logits, target, "binary_cross_entropy_with_logits");
  // (1 - t) x + softplus(-x): smooth everywhere, stable for large |x|.
  Tensor perElement = add(mul(rsub(target, 1.0), logits), softplus(neg(logits)));
  return reduceLoss(perElement, reduction);
}

}  // namespace td
