// Loss functions: composites of primitives (they inherit their gradients), except
// nll_loss, a primitive that cross_entropy calls after the log_softmax primitive.
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
  // PyTorch broadcasts the two with a warning; here it is an error, since it is most often
  // the bug of an [N, 1] output against an [N] target (an [N, N] loss that still trains).
  TD_CHECK(input.shape() == target.shape(), op, "target of shape ", shapeString(target.shape()),
           " does not match input of shape ", shapeString(input.shape()),
           " (they are not broadcast: that is most often a bug, such as an [N, 1] output against an [N] "
           "target; reshape one, or expand the target explicitly)");
}

/// One sample without its batch dim (input [C], a 0-d target), as PyTorch takes it: the
/// loss of a batch of one.
bool isUnbatched(const Tensor& input, const Tensor& target) {
  return input.defined() && target.defined() && input.dim() == 1 && target.dim() == 0;
}
Tensor unbatched(const Tensor& batchOfOne, Reduction reduction) {
  return reduction == Reduction::None ? batchOfOne.squeeze(0) : batchOfOne;
}
/// Input [C] with a target that is not 0-d: says which of the two is off.
void checkOneSample(const Tensor& input, const Tensor& target, const char* op) {
  TD_CHECK(input.dim() != 1 || !target.defined(), op, "input of shape ", shapeString(input.shape()),
           " is one sample of ", input.shape()[0], " classes: its target must be 0-d (one class index), got shape ",
           shapeString(target.shape()));
}

/// The NllLoss primitive on log-probabilities [N, C, d...] and targets [N, d...], after the
/// checks that name `op` (nll_loss, or the cross_entropy that calls it).
Tensor nllPrimitive(const Tensor& logProbs, const Tensor& target, Reduction reduction, int64_t ignoreIndex,
                    const char* op) {
  checkDefined(logProbs, op, "input");
  checkDefined(target, op, "target");
  checkFloating(logProbs, op);
  TD_CHECK(target.dtype() == DType::Int64, op, "target must be int64 class indices, got ", describe(target));
  checkOneSample(logProbs, target, op);
  TD_CHECK(logProbs.dim() >= 2, op, "input must be [C], [N, C] or [N, C, d...], got ", shapeString(logProbs.shape()));
  IntList expected{logProbs.shape()[0]};
  for (int64_t d = 2; d < logProbs.dim(); ++d) expected.push_back(logProbs.shape()[d]);
  TD_CHECK(target.shape() == expected, op, "target of shape ", shapeString(target.shape()),
           " does not match input of shape ", shapeString(logProbs.shape()), " (expected ", shapeString(expected),
           ")");
  TD_CHECK(target.device() == logProbs.device(), op, "target is on ", target.device().str(), " but input is on ",
           logProbs.device().str());
  const int64_t classes = logProbs.shape()[1];
  if (target.device().isCpu()) {
    // Read directly (no op on the tape), so the error names `op` and the bad class.
    const Tensor dense = target.isContiguous() ? target : target.detach().contiguous();
    const int64_t* t = dense.data<int64_t>();
    for (int64_t i = 0, n = dense.numel(); i < n; ++i)
      TD_CHECK(t[i] == ignoreIndex || (t[i] >= 0 && t[i] < classes), op, "target class ", t[i],
               " is out of bounds for ", classes, " classes");
  }
  OpAttrs attrs;
  attrs.start = ignoreIndex;
  attrs.ints = {static_cast<int64_t>(reduction)};
  Tensor out = allocate(reduction == Reduction::None ? target.shape() : IntList{}, logProbs.dtype(),
                        logProbs.device(), "nll_loss");
  runAndRecord(OpId::NllLoss, {logProbs, target}, {logProbs, target}, &out, 1, attrs);
  return out;
}

}  // namespace

Tensor nllLoss(const Tensor& logProbs, const Tensor& target, Reduction reduction, int64_t ignoreIndex,
               SourceLoc loc) {
  ApiScope api(loc);
  if (isUnbatched(logProbs, target)) return unbatched(nllLoss(logProbs.unsqueeze(0), target.unsqueeze(0), reduction,
                                                              ignoreIndex), reduction);
  return nllPrimitive(logProbs, target, reduction, ignoreIndex, "nll_loss");
}

Tensor crossEntropy(const Tensor& logits, const Tensor& target, Reduction reduction, double labelSmoothing,
                    int64_t ignoreIndex, SourceLoc loc) {
  ApiScope api(loc);
  if (isUnbatched(logits, target))
    return unbatched(crossEntropy(logits.unsqueeze(0), target.unsqueeze(0), reduction, labelSmoothing, ignoreIndex),
                     reduction);
  CompositeScope scope("cross_entropy");
  checkDefined(logits, "cross_entropy", "input");
  TD_CHECK(labelSmoothing >= 0.0 && labelSmoothing <= 1.0, "cross_entropy", "label_smoothing must be in [0, 1], got ",
           labelSmoothing);
  checkOneSample(logits, target, "cross_entropy");
  TD_CHECK(logits.dim() >= 2, "cross_entropy", "input must be [C], [N, C] or [N, C, d...], got ",
           shapeString(logits.shape()));
  checkFloating(logits, "cross_entropy");
  Tensor logProbs = logSoftmax(logits, 1);
  if (labelSmoothing == 0.0) return nllPrimitive(logProbs, target, reduction, ignoreIndex, "cross_entropy");
  // (1 - ε) · nll + ε · (mean over classes of -log p), counted only where the target is.
  Tensor perElement = nllPrimitive(logProbs, target, Reduction::None, ignoreIndex, "cross_entropy");
  Tensor validF = ne(target, static_cast<double>(ignoreIndex)).to(logits.dtype());
  double classes = static_cast<double>(logits.shape()[1]);
  Tensor smooth = mul(neg(sum(logProbs, {1})), validF);
  perElement = add(mul(perElement, 1.0 - labelSmoothing), mul(smooth, labelSmoothing / classes));
  switch (reduction) {
    case Reduction::None: return perElement;
    case Reduction::Sum: return sum(perElement);
    case Reduction::Mean: return div(sum(perElement), sum(validF));
  }
  return perElement;
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
  // One primitive (not log, clamp and arithmetic): its gradient keeps PyTorch's finite value
  // at a saturated probability of exactly 0 or 1, where the composite's was 0 * inf = NaN.
  const Tensor t = castTo(target, input.dtype());
  Tensor perElement = allocate(input.shape(), input.dtype(), input.device(), "binary_cross_entropy");
  runAndRecord(OpId::BinaryCrossEntropy, {input, t}, {input, t}, &perElement, 1, OpAttrs{});
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
