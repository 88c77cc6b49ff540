// Walks every OpInfo row (STYLE.md 4): forward against the naive reference, float64
// gradcheck on contiguous, non-contiguous, broadcast and empty inputs, second-order
// gradcheck where the row says so; and proves every primitive in td::kOpTable is
// exercised by some row. A row without a test is a failure, not an omission.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "../support/OpInfo.h"
#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"

namespace tdtest {
namespace {

using RowPtr = const OpInfo*;

std::vector<RowPtr> rowsWhere(const std::function<bool(const OpInfo&)>& keep) {
  std::vector<RowPtr> out;
  for (const OpInfo& row : opInfos())
    if (keep(row)) out.push_back(&row);
  return out;
}

std::string rowName(const ::testing::TestParamInfo<RowPtr>& info) { return info.param->name; }

bool sameValue(double actual, double expected, double atol, double rtol) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= atol + rtol * std::abs(expected);
}

/// Empty when `outputs` match the row's reference (or pass its check); else the difference.
std::string compareWithReference(const OpInfo& row, const Inputs& inputs, const Outputs& outputs) {
  std::vector<RefTensor> in, out;
  for (const td::Tensor& t : inputs) in.push_back(fromTensor(t));
  for (const td::Tensor& t : outputs) {
    if (!t.defined()) return "an output is undefined";
    out.push_back(fromTensor(t));
  }
  if (row.check) {
    std::string problem = row.check(in, out);
    if (!problem.empty()) return problem;
  }
  if (!row.reference) return "";
  std::vector<RefTensor> expected = row.reference(in);
  std::ostringstream message;
  if (expected.size() != out.size()) {
    message << out.size() << " outputs, the reference has " << expected.size();
    return message.str();
  }
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (out[k].shape != expected[k].shape) {
      message << "output " << k << " has shape " << shapeText(out[k].shape) << ", expected " << shapeText(expected[k].shape);
      return message.str();
    }
    if (out[k].dtype != expected[k].dtype) {
      message << "output " << k << " has dtype " << td::dtypeName(out[k].dtype) << ", expected "
              << td::dtypeName(expected[k].dtype);
      return message.str();
    }
    for (std::size_t i = 0; i < out[k].values.size(); ++i) {
      if (!sameValue(out[k].values[i], expected[k].values[i], row.forwardAtol, row.forwardRtol)) {
        message.precision(17);
        message << "output " << k << " element " << i << " is " << out[k].values[i] << ", expected "
                << expected[k].values[i];
        return message.str();
      }
    }
  }
  return "";
}

Inputs nonContiguous(const Inputs& inputs) {
  Inputs out;
  for (const td::Tensor& t : inputs) out.push_back(nonContiguousCopy(t));
  return out;
}

GradCheckOptions optionsFor(const OpInfo& row) {
  GradCheckOptions options;
  options.eps = row.gradcheckEps;
  return options;
}

void skipKnownGap(const OpInfo& row) {
  if (!row.knownGap.empty()) GTEST_SKIP() << "known gap: " << row.knownGap;
}

// --- forward ----------------------------------------------------------------------

class OpForward : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpForward, MatchesReference) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Standard);
  ASSERT_FALSE(inputs.empty()) << "every row has a standard sample";
  EXPECT_EQ(compareWithReference(row, inputs, row.apply(inputs)), "") << row.name;
}

TEST_P(OpForward, MatchesReferenceWithoutGradMode) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Standard);
  td::NoGradGuard noGrad;
  Outputs outputs = row.apply(inputs);
  EXPECT_EQ(compareWithReference(row, inputs, outputs), "") << row.name;
  for (const td::Tensor& out : outputs) EXPECT_FALSE(out.requiresGrad()) << row.name << ": output requires grad under NoGradGuard";
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpForward, ::testing::ValuesIn(rowsWhere([](const OpInfo&) { return true; })), rowName);

class OpForwardNonContiguous : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpForwardNonContiguous, MatchesReference) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = nonContiguous(drawSample(row, SampleKind::Standard));
  bool anyStrided = std::any_of(inputs.begin(), inputs.end(), [](const td::Tensor& t) { return !t.isContiguous(); });
  ASSERT_TRUE(anyStrided) << row.name << ": the sample has no input that can be made non-contiguous";
  EXPECT_EQ(compareWithReference(row, inputs, row.apply(inputs)), "") << row.name;
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpForwardNonContiguous,
                         ::testing::ValuesIn(rowsWhere([](const OpInfo& r) { return r.supportsNonContiguous; })), rowName);

// --- gradients --------------------------------------------------------------------

class OpGradcheck : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpGradcheck, Contiguous) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Standard);
  EXPECT_EQ(gradcheck(row.apply, inputs, row.differentiableInputs, optionsFor(row)), "") << row.name;
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpGradcheck,
                         ::testing::ValuesIn(rowsWhere([](const OpInfo& r) { return r.anyDifferentiable(); })), rowName);

class OpGradcheckNonContiguous : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpGradcheckNonContiguous, SameValuesOtherStrides) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = nonContiguous(drawSample(row, SampleKind::Standard));
  EXPECT_EQ(gradcheck(row.apply, inputs, row.differentiableInputs, optionsFor(row)), "") << row.name;
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpGradcheckNonContiguous, ::testing::ValuesIn(rowsWhere([](const OpInfo& r) {
                           return r.anyDifferentiable() && r.supportsNonContiguous;
                         })),
                         rowName);

class OpBroadcast : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpBroadcast, ForwardAndGradcheck) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Broadcast);
  ASSERT_FALSE(inputs.empty()) << row.name << " claims broadcast support but has no broadcast sample";
  bool shapesDiffer = false;
  for (const td::Tensor& t : inputs) shapesDiffer = shapesDiffer || t.shape() != inputs.front().shape();
  ASSERT_TRUE(shapesDiffer) << row.name << ": the broadcast sample's inputs all have one shape";
  EXPECT_EQ(compareWithReference(row, inputs, row.apply(inputs)), "") << row.name;
  if (row.anyDifferentiable()) {
    EXPECT_EQ(gradcheck(row.apply, inputs, row.differentiableInputs, optionsFor(row)), "") << row.name;
  }
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpBroadcast,
                         ::testing::ValuesIn(rowsWhere([](const OpInfo& r) { return r.supportsBroadcast; })), rowName);

class OpEmpty : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpEmpty, ForwardShapesAndBackwardRuns) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Empty);
  ASSERT_FALSE(inputs.empty()) << row.name << " claims empty support but has no empty sample";
  bool anyEmpty = std::any_of(inputs.begin(), inputs.end(), [](const td::Tensor& t) { return t.numel() == 0; });
  ASSERT_TRUE(anyEmpty) << row.name << ": the empty sample has no empty input";

  std::vector<td::Tensor> leaves, wrt;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    td::Tensor leaf = inputs[i].detach();
    if (i < row.differentiableInputs.size() && row.differentiableInputs[i]) {
      leaf.setRequiresGrad(true);
      wrt.push_back(leaf);
    }
    leaves.push_back(leaf);
  }
  Outputs outputs = row.apply(leaves);
  EXPECT_EQ(compareWithReference(row, leaves, outputs), "") << row.name;

  std::vector<td::Tensor> roots, cotangents;
  for (const td::Tensor& out : outputs)
    if (td::isFloating(out.dtype()) && out.requiresGrad()) {
      roots.push_back(out);
      cotangents.push_back(makeTensor(std::vector<double>(static_cast<std::size_t>(out.numel()), 0.0),
                                      Shape(out.shape().begin(), out.shape().end()), out.dtype()));
    }
  if (roots.empty() || wrt.empty()) return;
  std::vector<td::Tensor> grads = td::autograd::grad(roots, wrt, cotangents, false, false, /*allowUnused=*/true);
  ASSERT_EQ(grads.size(), wrt.size());
  for (std::size_t d = 0; d < wrt.size(); ++d)
    if (grads[d].defined()) {
      EXPECT_EQ(td::shapeString(grads[d].shape()), td::shapeString(wrt[d].shape())) << row.name;
    }
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpEmpty, ::testing::ValuesIn(rowsWhere([](const OpInfo& r) { return r.supportsEmpty; })),
                         rowName);

class OpGradgradcheck : public ::testing::TestWithParam<RowPtr> {};

TEST_P(OpGradgradcheck, SecondOrder) {
  const OpInfo& row = *GetParam();
  skipKnownGap(row);
  Inputs inputs = drawSample(row, SampleKind::Standard);
  EXPECT_EQ(gradgradcheck(row.apply, inputs, row.differentiableInputs, sampleSeed(row) + 7, optionsFor(row)), "")
      << row.name;
}

INSTANTIATE_TEST_SUITE_P(OpInfo, OpGradgradcheck, ::testing::ValuesIn(rowsWhere([](const OpInfo& r) {
                           return r.anyDifferentiable() && r.twiceDifferentiable;
                         })),
                         rowName);

// --- the table itself -------------------------------------------------------------

TEST(OpInfoTable, RowsAreWellFormed) {
  std::set<std::string> names;
  for (const OpInfo& row : opInfos()) {
    SCOPED_TRACE(row.name);
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate row name";
    EXPECT_FALSE(row.name.empty());
    for (char c : row.name) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_') << "bad name character";
    EXPECT_TRUE(row.sample && row.apply);
    EXPECT_TRUE(row.reference || row.check) << "a row needs a reference or a check";
    Inputs a = drawSample(row, SampleKind::Standard);
    Inputs b = drawSample(row, SampleKind::Standard);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_LE(row.differentiableInputs.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_LE(a[i].numel(), 64) << "input " << i << " is over the 64-element gradcheck budget";
      EXPECT_EQ(a[i].toVector(), b[i].toVector()) << "samples are not deterministic";
      if (td::isFloating(a[i].dtype())) {
        EXPECT_EQ(a[i].dtype(), td::DType::Float64) << "floating samples are float64";
      }
      if (i < row.differentiableInputs.size() && row.differentiableInputs[i]) {
        EXPECT_TRUE(td::isFloating(a[i].dtype())) << "input " << i << " is marked differentiable but is not floating";
      }
    }
  }
}

TEST(OpInfoTable, KnownGapsAreDeclaredWithReasons) {
  for (const OpInfo& row : opInfos())
    if (!row.knownGap.empty()) {
      EXPECT_GT(row.knownGap.size(), 20u) << row.name << ": a known gap says why";
      std::cout << "[ known gap ] " << row.name << ": " << row.knownGap << "\n";
    }
}

TEST(OpTableCoverage, OpNamesRoundTrip) {
  for (const td::OpInfo& op : td::kOpTable) {
    td::OpId found{};
    ASSERT_TRUE(td::opFromName(op.name, found)) << op.name;
    EXPECT_EQ(found, op.id) << op.name;
    EXPECT_EQ(td::opName(op.id), op.name);
  }
  td::OpId unused{};
  EXPECT_FALSE(td::opFromName("no_such_op", unused));
}

TEST(OpTableCoverage, EveryDifferentiableOpHasAReadableFormula) {
  for (const td::OpInfo& op : td::kOpTable) {
    if (!op.differentiable) continue;
    const char* formula = td::derivativeFormula(op.id);
    ASSERT_NE(formula, nullptr) << op.name;
    EXPECT_GT(std::strlen(formula), 0u) << op.name << " has no readable derivative formula";
  }
}

/// Records which ops every callback saw, and which ops each row ran forward.
class CoverageObserver : public td::TapeObserver {
 public:
  void onForward(const td::TapeEntry& entry, const td::OpTensors&) override {
    forwardSeen.insert(entry.op);
    rowForward.insert(entry.op);
    if (entry.direction != td::Direction::Forward) formulaOpsInForward.push_back(entry.id);
  }
  void onBackwardStep(const td::TapeEntry& entry, const td::BackwardStep&) override { stepSeen.insert(entry.op); }

  std::set<td::OpId> forwardSeen, stepSeen, rowForward;
  std::vector<uint64_t> formulaOpsInForward;
};

/// Forward and backward of a row's standard sample; for twice-differentiable rows also a
/// backward through the create_graph gradient, so formula-made ops are walked too.
void exerciseRow(const OpInfo& row) {
  Inputs inputs = drawSample(row, SampleKind::Standard);
  std::vector<td::Tensor> leaves, wrt;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    td::Tensor leaf = inputs[i].detach();
    if (i < row.differentiableInputs.size() && row.differentiableInputs[i]) {
      leaf.setRequiresGrad(true);
      wrt.push_back(leaf);
    }
    leaves.push_back(leaf);
  }
  auto cotangentsFor = [](const Outputs& outputs, std::vector<td::Tensor>& roots, bool requireGrad) {
    std::vector<td::Tensor> cotangents;
    for (const td::Tensor& out : outputs)
      if (td::isFloating(out.dtype()) && out.requiresGrad()) {
        roots.push_back(out);
        td::Tensor v = makeTensor(std::vector<double>(static_cast<std::size_t>(out.numel()), 0.5),
                                  Shape(out.shape().begin(), out.shape().end()), out.dtype());
        if (requireGrad) v.setRequiresGrad(true);
        cotangents.push_back(v);
      }
    return cotangents;
  };

  std::vector<td::Tensor> roots;
  std::vector<td::Tensor> cotangents = cotangentsFor(row.apply(leaves), roots, false);
  if (roots.empty() || wrt.empty()) return;
  td::autograd::backward(roots, cotangents);
  if (!row.twiceDifferentiable) return;

  std::vector<td::Tensor> roots2;
  std::vector<td::Tensor> cotangents2 = cotangentsFor(row.apply(leaves), roots2, true);
  std::vector<td::Tensor> grads = td::autograd::grad(roots2, wrt, cotangents2, true, /*createGraph=*/true, true);
  std::vector<td::Tensor> secondRoots, secondCotangents;
  for (const td::Tensor& g : grads)
    if (g.defined() && g.requiresGrad()) {
      secondRoots.push_back(g);
      secondCotangents.push_back(makeTensor(std::vector<double>(static_cast<std::size_t>(g.numel()), 0.25),
                                            Shape(g.shape().begin(), g.shape().end()), g.dtype()));
    }
  if (!secondRoots.empty()) td::autograd::backward(secondRoots, secondCotangents);
}

TEST(OpTableCoverage, EveryOpInTheTableIsExercisedByARow) {
  CoverageObserver observer;
  std::map<std::string, std::set<td::OpId>> forwardOpsByRow;
  {
    ObserverScope scope(&observer);
    for (const OpInfo& row : opInfos()) {
      if (!row.knownGap.empty()) continue;
      observer.rowForward.clear();
      SCOPED_TRACE(row.name);
      EXPECT_NO_THROW(exerciseRow(row));
      forwardOpsByRow[row.name] = observer.rowForward;
    }
  }
  EXPECT_TRUE(observer.formulaOpsInForward.empty()) << "ops run by derivative formulas were reported through onForward";

  std::map<td::OpId, const FormulaOnlyOp*> formulaOnly;
  for (const FormulaOnlyOp& f : formulaOnlyOps()) formulaOnly[f.op] = &f;
  for (const td::OpInfo& op : td::kOpTable) {
    bool seen = observer.forwardSeen.count(op.id) || observer.stepSeen.count(op.id);
    auto declared = formulaOnly.find(op.id);
    if (!seen && declared != formulaOnly.end()) {
      EXPECT_TRUE(observer.stepSeen.count(declared->second->parent))
          << op.name << " is declared formula-only under " << td::opName(declared->second->parent)
          << ", whose backward step no row reached";
      std::cout << "[ formula-only ] " << op.name << ": " << declared->second->reason << "\n";
      continue;
    }
    EXPECT_TRUE(seen) << op.name << " is in td::kOpTable but no OpInfo row ran it: a row without a test is a failure";
    if (op.differentiable) {
      EXPECT_TRUE(observer.stepSeen.count(op.id)) << op.name << " is differentiable but no row's backward walked it";
    }
  }

  // A row marked twice-differentiable must only run ops whose formulas are differentiable.
  for (const OpInfo& row : opInfos()) {
    if (!row.twiceDifferentiable || !row.anyDifferentiable() || !row.knownGap.empty()) continue;
    for (td::OpId op : forwardOpsByRow[row.name])
      if (td::opInfo(op).differentiable) {
        EXPECT_TRUE(td::twiceDifferentiable(op))
            << row.name << " is marked twice-differentiable but runs " << td::opName(op)
            << ", whose formula is first-order only";
      }
  }
}

}  // namespace
}  // namespace tdtest
