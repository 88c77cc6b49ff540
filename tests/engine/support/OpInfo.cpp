#include "OpInfo.h"

#include <algorithm>
#include <stdexcept>

namespace tdtest {

bool OpInfo::anyDifferentiable() const {
  return std::any_of(differentiableInputs.begin(), differentiableInputs.end(), [](bool d) { return d; });
}

const std::vector<OpInfo>& opInfos() {
  static const std::vector<OpInfo> table = [] {
    std::vector<OpInfo> t;
    rows::addUnary(t);
    rows::addBinary(t);
    rows::addReductions(t);
    rows::addLinearAlgebra(t);
    rows::addPooling(t);
    rows::addIndexing(t);
    rows::addNn(t);
    rows::addLosses(t);
    rows::addViews(t);
    return t;
  }();
  return table;
}

const OpInfo& opInfoNamed(const std::string& name) {
  for (const OpInfo& row : opInfos())
    if (row.name == name) return row;
  throw std::out_of_range("no OpInfo row named " + name);
}

uint64_t sampleSeed(const OpInfo& row) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (char c : row.name) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

Inputs drawSample(const OpInfo& row, SampleKind kind) {
  if ((kind == SampleKind::Broadcast && !row.supportsBroadcast) || (kind == SampleKind::Empty && !row.supportsEmpty))
    return {};
  Rng rng(sampleSeed(row) + static_cast<uint64_t>(kind));
  return row.sample(kind, rng);
}

const std::vector<FormulaOnlyOp>& formulaOnlyOps() {
  static const std::vector<FormulaOnlyOp> ops = {
      {td::OpId::Conv2dBackwardWeight, td::OpId::Conv2d,
       "run only by conv2d's derivative formula; not differentiable, so no backward walks it, and ops run inside "
       "a formula are reported only as part of conv2d's backward step; the conv2d rows' gradcheck covers it"},
  };
  return ops;
}

}  // namespace tdtest
