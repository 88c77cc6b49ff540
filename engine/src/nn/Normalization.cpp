// LayerNorm and batch norm: parameters and running statistics around td::layerNorm and
// td::batchNorm.
#include "tapedeck/nn/Normalization.h"

#include "Format.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

LayerNorm::LayerNorm(IntList normalizedShape, double eps, bool elementwiseAffine)
    : Module("LayerNorm"), m_shape(std::move(normalizedShape)), m_eps(eps) {
  TD_CHECK(!m_shape.empty(), "LayerNorm", "normalized_shape must not be empty");
  if (elementwiseAffine) {
    m_weight = registerParameter("weight", ones(m_shape));
    m_bias = registerParameter("bias", zeros(m_shape));
  }
}

std::string LayerNorm::extraRepr() const {
  return td::detail::concat(detail::pyTuple(m_shape), ", eps=", m_eps,
                            ", elementwise_affine=", detail::pyBool(m_weight.defined()));
}

Tensor LayerNorm::forward(const Tensor& x) { ApiScope api(callLocation()); return layerNorm(x, m_shape, m_weight, m_bias, m_eps); }

BatchNorm::BatchNorm(std::string typeName, int64_t numFeatures, double eps, double momentum, bool affine,
                     bool trackRunningStats)
    : Module(std::move(typeName)), m_numFeatures(numFeatures), m_eps(eps), m_momentum(momentum) {
  TD_CHECK(numFeatures > 0, this->typeName(), ": num_features must be positive, got ", numFeatures);
  if (affine) {
    m_weight = registerParameter("weight", ones({numFeatures}));
    m_bias = registerParameter("bias", zeros({numFeatures}));
  }
  if (trackRunningStats) {
    m_runningMean = registerBuffer("running_mean", zeros({numFeatures}));
    m_runningVar = registerBuffer("running_var", ones({numFeatures}));
    m_numBatchesTracked = registerBuffer("num_batches_tracked", scalarTensor(0, DType::Int64));
  }
}

std::string BatchNorm::extraRepr() const {
  return td::detail::concat(m_numFeatures, ", eps=", m_eps, ", momentum=", m_momentum,
                            ", affine=", detail::pyBool(m_weight.defined()),
                            ", track_running_stats=", detail::pyBool(m_runningMean.defined()));
}

Tensor BatchNorm::forward(const Tensor& x) {
  ApiScope api(callLocation());
  checkInput(x);
  bool tracking = m_runningMean.defined();
  if (isTraining() && tracking) {
    NoGradGuard noGrad;
    m_numBatchesTracked.add_(1.0);
  }
  // Without running statistics, eval normalises by the batch as training does.
  return batchNorm(x, m_runningMean, m_runningVar, m_weight, m_bias, isTraining() || !tracking, m_momentum, m_eps);
}

void BatchNorm1d::checkInput(const Tensor& x) const {
  TD_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), "BatchNorm1d", "expected 2-D or 3-D input, got shape ",
           x.defined() ? shapeString(x.shape()) : std::string("(undefined)"));
}

void BatchNorm2d::checkInput(const Tensor& x) const {
  TD_CHECK(x.defined() && x.dim() == 4, "BatchNorm2d", "expected 4-D input [N, C, H, W], got shape ",
           x.defined() ? shapeString(x.shape()) : std::string("(undefined)"));
}

}  // namespace td::nn
