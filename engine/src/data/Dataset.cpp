// TensorDataset: examples as slices along the first dimension.
#include "tapedeck/data/Dataset.h"

#include "tapedeck/core/Error.h"

namespace td::data {

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : m_inputs(std::move(inputs)), m_targets(std::move(targets)) {
  TD_CHECK(m_inputs.defined() && m_targets.defined(), "TensorDataset", "inputs and targets must be defined");
  TD_CHECK(m_inputs.dim() >= 1 && m_targets.dim() >= 1, "TensorDataset",
           "inputs ", shapeString(m_inputs.shape()), " and targets ", shapeString(m_targets.shape()),
           " need a first dimension to index");
  TD_CHECK(m_inputs.size(0) == m_targets.size(0), "TensorDataset", "inputs ", shapeString(m_inputs.shape()),
           " and targets ", shapeString(m_targets.shape()), " differ in their first size");
}

int64_t TensorDataset::size() const { return m_inputs.size(0); }

Example TensorDataset::get(int64_t i) const {
  TD_CHECK(i >= 0 && i < size(), "TensorDataset::get", "index ", i, " out of range for ", size(), " examples");
  return {m_inputs.select(0, i), m_targets.select(0, i)};
}

}  // namespace td::data
