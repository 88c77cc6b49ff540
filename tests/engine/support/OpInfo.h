#pragma once
// The per-op test table (PyTorch's OpInfo idea, STYLE.md 4): one row per public
// function of the engine. A row carries a deterministic sample generator that
// respects the op's domain, the function applied, a naive reference written with
// plain loops over std::vector<double>, and what its tests need to know (which
// inputs are differentiable, which layouts it supports, whether second derivatives
// exist). tests/engine/ops/OpTableTest.cpp walks every row; a declared gap carries
// its reason in `knownGap`.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "GradCheck.h"
#include "Reference.h"
#include "Samples.h"
#include "tapedeck/ops/OpTable.h"

namespace tdtest {

enum class SampleKind {
  Standard,   // every row has one
  Broadcast,  // inputs of different shapes that broadcast (rows with supportsBroadcast)
  Empty,      // a dim of size 0 (rows with supportsEmpty)
};

/// Inputs of `kind` drawn from `rng`; float64 for every floating input, at most 64 elements each.
using SampleFunction = std::function<Inputs(SampleKind kind, Rng& rng)>;
/// The expected outputs, computed from the inputs' values with plain loops.
using ReferenceFunction = std::function<std::vector<RefTensor>(const std::vector<RefTensor>& inputs)>;
/// A check for outputs no reference can predict (dropout's mask): empty when fine, else why not.
using OutputCheck = std::function<std::string(const std::vector<RefTensor>& inputs, const std::vector<RefTensor>& outputs)>;

struct OpInfo {
  std::string name;             // unique, [A-Za-z0-9_]: the test's name
  SampleFunction sample;
  OpFunction apply;
  ReferenceFunction reference;  // null only when `check` decides
  OutputCheck check;
  std::vector<bool> differentiableInputs;  // per input; missing entries are false
  bool supportsBroadcast = false;          // has a Broadcast sample
  bool supportsNonContiguous = true;       // works on strided (transposed / stepped) inputs
  bool supportsEmpty = true;               // has an Empty sample
  bool twiceDifferentiable = true;         // second-order gradcheck applies
  double gradcheckEps = 1e-6;              // larger only where float32 rounding sits inside the function
  double forwardAtol = 1e-9;
  double forwardRtol = 1e-7;
  std::string knownGap;                    // non-empty: declared not covered, and why

  bool anyDifferentiable() const;
};

/// Every row, built once.
const std::vector<OpInfo>& opInfos();
/// The row named `name` (throws std::out_of_range when none).
const OpInfo& opInfoNamed(const std::string& name);
/// The seed a row's samples are drawn from (stable per name).
uint64_t sampleSeed(const OpInfo& row);
/// Draws the row's sample of `kind` ({} when the row's flags say it has none).
Inputs drawSample(const OpInfo& row, SampleKind kind);

/// A primitive that only a derivative formula runs and that no backward walks
/// (non-differentiable), so an observer cannot see it as its own entry: it counts as
/// covered when `parent`'s backward step is seen and `parent`'s rows pass gradcheck.
struct FormulaOnlyOp {
  td::OpId op;
  td::OpId parent;
  std::string reason;
};
const std::vector<FormulaOnlyOp>& formulaOnlyOps();

namespace rows {
// One function per op family, each appending its rows (OpInfo<Family>.cpp).
void addUnary(std::vector<OpInfo>& table);
void addBinary(std::vector<OpInfo>& table);
void addReductions(std::vector<OpInfo>& table);
void addLinearAlgebra(std::vector<OpInfo>& table);
void addPooling(std::vector<OpInfo>& table);
void addIndexing(std::vector<OpInfo>& table);
void addNn(std::vector<OpInfo>& table);
void addLosses(std::vector<OpInfo>& table);
void addViews(std::vector<OpInfo>& table);

/// A row's output as a one-element list.
inline OpFunction single(std::function<td::Tensor(const Inputs&)> fn) {
  return [fn = std::move(fn)](const Inputs& in) -> Outputs { return {fn(in)}; };
}
inline ReferenceFunction singleRef(std::function<RefTensor(const std::vector<RefTensor>&)> fn) {
  return [fn = std::move(fn)](const std::vector<RefTensor>& in) -> std::vector<RefTensor> { return {fn(in)}; };
}
}  // namespace rows

}  // namespace tdtest
