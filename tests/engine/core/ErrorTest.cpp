// Every user mistake is a td::Error naming the op, the shapes or dtypes, and the
// user's own source line (this file's __FILE__ and the line of the call), never a
// crash or std::bad_alloc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <new>
#include <string>

#include "tapedeck/Tapedeck.h"

namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

/// "<this file>:<line>", as std::source_location names the caller.
std::string at(int line) { return std::string(__FILE__) + ":" + std::to_string(line); }

/// The message of the td::Error that `fn` throws; a test failure when it throws
/// nothing or something else.
template <typename Fn>
std::string errorFrom(Fn&& fn) {
  try {
    fn();
  } catch (const td::Error& e) {
    return e.what();
  } catch (const std::bad_alloc&) {
    ADD_FAILURE() << "std::bad_alloc instead of td::Error";
    return "";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a td::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error was thrown";
  return "";
}

td::Tensor leaf(td::IntList shape, double value = 1.0) {
  td::Tensor x = td::full(shape, value, td::DType::Float64);
  x.setRequiresGrad();
  return x;
}

// --- sizes ----------------------------------------------------------------------------

TEST(Errors, NegativeSizeInAFactory) {
  const int line = __LINE__ + 1;
  std::string message = errorFrom([] { return td::zeros({2, -3}); });
  EXPECT_THAT(message, AllOf(HasSubstr("zeros"), HasSubstr("[2, -3]"), HasSubstr(at(line))));
}

TEST(Errors, OverflowingSizesAreCheckedNotAllocated) {
  const int64_t huge = int64_t{1} << 40;
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::zeros({huge, huge}); });
  EXPECT_THAT(message, AllOf(HasSubstr("zeros"), HasSubstr("[1099511627776, 1099511627776]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { return td::ones({int64_t{1} << 62, 4}); });
  EXPECT_THAT(message2, AllOf(HasSubstr("ones"), HasSubstr(at(line2))));

  // The element count fits in int64 but the bytes do not.
  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([&] { return td::empty({int64_t{1} << 62}); });
  EXPECT_THAT(message3, AllOf(HasSubstr("empty"), HasSubstr(at(line3))));

  EXPECT_THROW(td::randn({huge, huge}), td::Error);
  EXPECT_THROW(td::full({-1}, 0.0), td::Error);
  EXPECT_THROW(td::zeros({2, 3}).expand({huge, huge, 2, 3}).contiguous(), td::Error);
}

TEST(Errors, EmptyShapesWhoseStridesWouldOverflowAreRefused) {
  // No elements, but the contiguous strides of [2^40, 2^40, 0] do not fit in 64 bits.
  const int64_t huge = int64_t{1} << 40;
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::zeros({huge, huge, 0}); });
  EXPECT_THAT(message, AllOf(HasSubstr("zeros"), HasSubstr("more elements than fit in 64 bits"), HasSubstr(at(line))));
  EXPECT_THAT(errorFrom([&] { return td::zeros({0}).reshape({huge, huge, 0}); }),
              AllOf(HasSubstr("reshape"), HasSubstr("more elements than fit in 64 bits")));
  EXPECT_THAT(errorFrom([&] { return td::zeros({4}).reshape({huge, huge, huge, -1}); }),
              AllOf(HasSubstr("reshape"), HasSubstr("more elements than fit in 64 bits")));
  EXPECT_EQ(td::zeros({3, 0, 5}).numel(), 0);  // ordinary empty shapes are fine
}

TEST(Errors, BadViewShapes) {
  td::Tensor x = td::zeros({2, 3});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return x.view({4, 2}); });
  EXPECT_THAT(message, AllOf(HasSubstr("view"), HasSubstr("[2, 3]"), HasSubstr("[4, 2]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { return x.t().view({6}); });  // strides incompatible: use reshape
  EXPECT_THAT(message2, AllOf(HasSubstr("view"), HasSubstr(at(line2))));

  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([&] { return x.expand({4, 3}); });
  EXPECT_THAT(message3, AllOf(HasSubstr("expand"), HasSubstr("[2, 3]"), HasSubstr("[4, 3]"), HasSubstr(at(line3))));

  EXPECT_THROW(x.reshape({-1, -1}), td::Error);
  EXPECT_THROW(x.narrow(1, 2, 2), td::Error);
  EXPECT_THROW(x.select(0, 2), td::Error);
  EXPECT_THROW(x.slice(1, 0, 2, 0), td::Error);
  EXPECT_THROW(x.permute({0, 0}), td::Error);
}

// --- dims -----------------------------------------------------------------------------

TEST(Errors, OutOfRangeDims) {
  td::Tensor x = td::zeros({2, 3});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::sum(x, {2}); });
  EXPECT_THAT(message, AllOf(HasSubstr("sum"), HasSubstr("[2, 3]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { return x.transpose(0, 5); });
  EXPECT_THAT(message2, AllOf(HasSubstr("transpose"), HasSubstr("[2, 3]"), HasSubstr(at(line2))));

  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([&] { return td::softmax(x, -3); });
  EXPECT_THAT(message3, AllOf(HasSubstr("softmax"), HasSubstr("[2, 3]"), HasSubstr(at(line3))));

  EXPECT_THROW(x.unsqueeze(4), td::Error);
  EXPECT_THROW(x.size(2), td::Error);
  EXPECT_THROW(td::cat({x, x}, 2), td::Error);
  EXPECT_THROW(td::argmax(x, 3), td::Error);
  EXPECT_THROW(x.flatten(1, 0), td::Error);
}

// --- shapes ---------------------------------------------------------------------------

TEST(Errors, NonBroadcastableShapesNameTheOperatorsLine) {
  td::Tensor a = td::zeros({2, 3});
  td::Tensor b = td::zeros({3, 2});
  const int line = __LINE__ + 2;
  try {
    auto c = a * b;
    FAIL() << "no error";
  } catch (const td::Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("mul"), HasSubstr("[2, 3]"), HasSubstr("[3, 2]"), HasSubstr(at(line))));
  }

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { return td::add(a, td::zeros({4})); });
  EXPECT_THAT(message2, AllOf(HasSubstr("add"), HasSubstr("[2, 3]"), HasSubstr("[4]"), HasSubstr(at(line2))));

  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([&] { return a - b; });
  EXPECT_THAT(message3, AllOf(HasSubstr("sub"), HasSubstr(at(line3))));

  const int line4 = __LINE__ + 1;
  std::string message4 = errorFrom([&] { return td::where(td::zeros({5}, td::DType::Bool), a, a); });
  EXPECT_THAT(message4, AllOf(HasSubstr("where"), HasSubstr("[5]"), HasSubstr(at(line4))));

  // In-place: the other operand must broadcast to self's shape, not the reverse.
  EXPECT_THROW(td::zeros({3}).add_(td::zeros({2, 3})), td::Error);
}

TEST(Errors, MatmulInnerDimensionMismatch) {
  td::Tensor a = td::zeros({2, 3});
  td::Tensor b = td::zeros({4, 5});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::matmul(a, b); });
  EXPECT_THAT(message, AllOf(HasSubstr("matmul"), HasSubstr("[2, 3]"), HasSubstr("[4, 5]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { return a.matmul(td::zeros({2})); });
  EXPECT_THAT(message2, AllOf(HasSubstr("matmul"), HasSubstr("[2]"), HasSubstr(at(line2))));

  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([&] { return td::linear(td::zeros({4, 3}), td::zeros({2, 5})); });
  EXPECT_THAT(message3, AllOf(AnyOf(HasSubstr("linear"), HasSubstr("matmul")), HasSubstr(at(line3))));

  EXPECT_THROW(td::matmul(td::zeros({2, 2, 3}), td::zeros({3, 3, 4})), td::Error);  // batch 2 vs 3
  EXPECT_THROW(td::matmul(td::scalarTensor(1.0), td::zeros({2})), td::Error);
}

TEST(Errors, ConvPoolAndCatShapes) {
  const int line = __LINE__ + 1;
  std::string message = errorFrom([] { return td::conv2d(td::zeros({1, 3, 5, 5}), td::zeros({4, 2, 3, 3})); });
  EXPECT_THAT(message, AllOf(HasSubstr("conv2d"), HasSubstr("[1, 3, 5, 5]"), HasSubstr("[4, 2, 3, 3]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([] { return td::cat({td::zeros({2, 3}), td::zeros({3, 2})}, 0); });
  EXPECT_THAT(message2, AllOf(HasSubstr("cat"), HasSubstr("[2, 3]"), HasSubstr("[3, 2]"), HasSubstr(at(line2))));

  EXPECT_THROW(td::conv2d(td::zeros({1, 1, 2, 2}), td::zeros({1, 1, 3, 3})), td::Error);  // kernel larger than input
  EXPECT_THROW(td::conv2d(td::zeros({5, 5}), td::zeros({1, 3, 3, 3})), td::Error);        // neither 3-D nor 4-D
  EXPECT_THROW(td::conv2d(td::zeros({1, 4, 5, 5}), td::zeros({3, 2, 3, 3}), td::Tensor(), {1, 1}, {0, 0}, {1, 1}, 2),
               td::Error);  // 3 output channels do not split into 2 groups
  EXPECT_THROW(td::maxPool2d(td::zeros({1, 1, 2, 2}), {3, 3}), td::Error);
  EXPECT_THROW(td::stack({td::zeros({2}), td::zeros({3})}), td::Error);
  EXPECT_THROW(td::cat({}), td::Error);
  EXPECT_THROW(td::layerNorm(td::zeros({2, 3}), {4}), td::Error);
}

// --- dtypes ---------------------------------------------------------------------------

TEST(Errors, DtypeMismatches) {
  td::Tensor x = td::zeros({2, 3});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::gather(x, 1, td::zeros({2, 3})); });
  EXPECT_THAT(message, AllOf(HasSubstr("gather"), HasSubstr("float32"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([] { return td::matmul(td::ones({2, 2}), td::ones({2, 2}, td::DType::Float64)); });
  EXPECT_THAT(message2, AllOf(HasSubstr("matmul"), HasSubstr("float64"), HasSubstr(at(line2))));
  // Transcendental ops of integer and bool tensors compute in float32, as in PyTorch.
  EXPECT_EQ(td::exp(td::ones({2}, td::DType::Bool)).dtype(), td::DType::Float32);
  EXPECT_NEAR(td::sqrt(td::full({1}, 4.0, td::DType::Int64)).item(), 2.0, 1e-6);

  const int line3 = __LINE__ + 1;
  std::string message3 = errorFrom([] { return td::zeros({2}, td::DType::Int64).setRequiresGrad(); });
  EXPECT_THAT(message3, AllOf(HasSubstr("int64"), HasSubstr(at(line3))));

  const int line4 = __LINE__ + 1;
  std::string message4 = errorFrom([&] { return td::crossEntropy(td::zeros({2, 3}), td::zeros({2})); });
  EXPECT_THAT(message4, AllOf(HasSubstr("cross_entropy"), AnyOf(HasSubstr("float32"), HasSubstr("int64")),
                              HasSubstr(at(line4))));

  const int line5 = __LINE__ + 1;
  std::string message5 = errorFrom([&] { return td::maskedFill(x, td::zeros({2, 3}), 1.0); });
  EXPECT_THAT(message5, AllOf(HasSubstr("masked_fill"), HasSubstr(at(line5))));

  EXPECT_THROW(td::indexSelect(x, 0, td::zeros({1})), td::Error);
  EXPECT_THROW(td::embedding(x, td::zeros({2})), td::Error);
  EXPECT_THROW(td::where(td::zeros({2, 3}), x, x), td::Error);  // condition must be bool
  EXPECT_THROW(td::zeros({2}).item<double>(), td::Error);      // not one element
}

TEST(Errors, IndexOutOfRange) {
  td::Tensor x = td::zeros({2, 3});
  td::Tensor bad = td::fromVector(std::vector<int64_t>{0, 3}, {1, 2});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::gather(x, 1, bad); });
  EXPECT_THAT(message, AllOf(HasSubstr("gather"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 2;
  std::string message2 = errorFrom([] {
    return td::crossEntropy(td::zeros({2, 3}), td::fromVector(std::vector<int64_t>{0, 5}));
  });
  EXPECT_THAT(message2, AllOf(HasSubstr("cross_entropy"), HasSubstr("5"), HasSubstr(at(line2))));

  EXPECT_THROW(td::indexSelect(x, 0, td::fromVector(std::vector<int64_t>{2})), td::Error);
  EXPECT_THROW(td::embedding(x, td::fromVector(std::vector<int64_t>{-1})), td::Error);
  EXPECT_THROW(td::oneHot(td::fromVector(std::vector<int64_t>{4}), 3), td::Error);
  EXPECT_THROW(td::scatterAdd(x, 0, td::fromVector(std::vector<int64_t>{7}, {1, 1}), td::ones({1, 1})), td::Error);
}

TEST(Errors, ItemNamesTheShape) {
  const int line = __LINE__ + 1;
  std::string message = errorFrom([] { return td::zeros({2, 3}).item(); });
  EXPECT_THAT(message, AllOf(HasSubstr("item"), HasSubstr("[2, 3]"), HasSubstr(at(line))));
}

TEST(Errors, CompositesNameTheUsersLine) {
  // log_softmax runs several primitives; the failing one must still name this line, not the engine's.
  const int line = __LINE__ + 1;
  std::string message = errorFrom([] { return td::logSoftmax(td::zeros({2}, td::DType::Int64), 0); });
  EXPECT_THAT(message, HasSubstr(at(line)));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("engine/src/")));
}

// --- autograd -------------------------------------------------------------------------

TEST(Errors, BackwardOnANonScalarNeedsAGradient) {
  td::Tensor x = leaf({2, 3});
  td::Tensor y = x * x;
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { y.backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("backward"), HasSubstr("[2, 3]"), HasSubstr(at(line))));

  const int line2 = __LINE__ + 1;
  std::string message2 = errorFrom([&] { y.backward(td::ones({3, 2}, td::DType::Float64)); });
  EXPECT_THAT(message2, AllOf(HasSubstr("[3, 2]"), HasSubstr(at(line2))));
}

TEST(Errors, BackwardOnATensorWithoutGraph) {
  const int line = __LINE__ + 1;
  std::string message = errorFrom([] { td::ones({1}).sum().backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("backward"), HasSubstr(at(line))));
}

TEST(Errors, RequiresGradOnlyOnFloatingLeaves) {
  td::Tensor x = leaf({2});
  td::Tensor y = x * 2.0;
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { y.setRequiresGrad(false); });
  EXPECT_THAT(message, HasSubstr(at(line)));
  EXPECT_THROW(td::zeros({2}, td::DType::Bool).setRequiresGrad(), td::Error);
}

TEST(Errors, InPlaceOnALeafThatRequiresGrad) {
  td::Tensor w = leaf({3});
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { w.add_(1.0); });
  EXPECT_THAT(message, AllOf(HasSubstr("add_"), HasSubstr(at(line))));

  EXPECT_THROW(w.mul_(2.0), td::Error);
  EXPECT_THROW(w.zero_(), td::Error);
  EXPECT_THROW(w.view({3, 1}).fill_(0.0), td::Error);  // a view of the leaf is the leaf's memory
  {
    td::NoGradGuard noGrad;  // the optimizer's step
    EXPECT_NO_THROW(w.sub_(td::full({3}, 0.5, td::DType::Float64)));
  }
  EXPECT_THAT(w.toVector(), ::testing::Each(0.5));
}

TEST(Errors, SecondBackwardThroughFreedBuffers) {
  td::Tensor x = leaf({3}, 2.0);
  td::Tensor y = (x * x).sum();
  y.backward();
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { y.backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("retainGraph"), HasSubstr(at(line))));
}

TEST(Errors, InPlaceModificationOfASavedTensor) {
  td::Tensor x = leaf({3}, 0.5);
  const int saveLine = __LINE__ + 1;
  td::Tensor y = x.exp();  // exp saves its result
  const int writeLine = __LINE__ + 1;
  y.add_(1.0);
  td::Tensor loss = y.sum();
  std::string message = errorFrom([&] { loss.backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("exp"), HasSubstr("add_"), HasSubstr(at(saveLine)), HasSubstr(at(writeLine))));
}

TEST(Errors, InPlaceModificationOfASavedInput) {
  td::Tensor x = leaf({3}, 0.5);
  td::Tensor a = x * 2.0;
  const int saveLine = __LINE__ + 1;
  td::Tensor b = td::sin(a);  // sin saves its input
  const int writeLine = __LINE__ + 1;
  a.mul_(3.0);
  std::string message = errorFrom([&] { b.sum().backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("sin"), HasSubstr("mul_"), HasSubstr(at(saveLine)), HasSubstr(at(writeLine))));
}

TEST(Errors, GradOfAnUnusedInput) {
  td::Tensor x = leaf({2});
  td::Tensor unused = leaf({2});
  td::Tensor y = (x * x).sum();
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::autograd::grad({y}, {x, unused}); });
  EXPECT_THAT(message, HasSubstr(at(line)));
  std::vector<td::Tensor> grads = td::autograd::grad({(x * x).sum()}, {x, unused}, {}, std::nullopt, false, true);
  ASSERT_EQ(grads.size(), 2u);
  EXPECT_TRUE(grads[0].defined());
  EXPECT_FALSE(grads[1].defined());
}

// --- anomaly mode ---------------------------------------------------------------------

TEST(Errors, AnomalyModeNamesTheForwardOpThatMadeANaN) {
  td::Tensor x = td::full({2}, -1.0, td::DType::Float64);
  EXPECT_NO_THROW(td::log(x));  // without anomaly mode NaN is a value like any other
  td::AnomalyMode guard;
  EXPECT_TRUE(td::AnomalyMode::enabled());
  const int line = __LINE__ + 1;
  std::string message = errorFrom([&] { return td::log(x); });
  EXPECT_THAT(message, AllOf(HasSubstr("log"), HasSubstr(at(line))));
}

TEST(Errors, AnomalyModeNamesTheBackwardThatMadeAnInf) {
  td::Tensor x = leaf({2}, 0.0);
  td::AnomalyMode guard;
  const int forwardLine = __LINE__ + 1;
  td::Tensor y = td::sqrt(x);  // sqrt(0) = 0 is fine; its gradient 1 / (2 sqrt(0)) is not
  td::Tensor loss = y.sum();
  std::string message = errorFrom([&] { loss.backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("sqrt"), HasSubstr(at(forwardLine))));
}

TEST(Errors, AnomalyModeEndsWithItsGuard) {
  {
    td::AnomalyMode guard;
    EXPECT_TRUE(td::AnomalyMode::enabled());
  }
  EXPECT_FALSE(td::AnomalyMode::enabled());
  EXPECT_NO_THROW(td::log(td::full({1}, -1.0)));
}

// --- devices --------------------------------------------------------------------------

TEST(Errors, UnknownDevice) {
  EXPECT_THROW(td::Device::parse("tpu"), td::Error);
  EXPECT_THROW(td::Device::parse("cuda:x"), td::Error);
}

}  // namespace

TEST(Errors, GatherOnZeroDimTensorsIsAGatherNotAnInternalError) {
  // Found by the differential tests: a 0-d input and index hit an internal assertion.
  const td::Tensor x = td::scalarTensor(4.5, td::DType::Float64);
  EXPECT_EQ(td::gather(x, 0, td::scalarTensor(0, td::DType::Int64)).item(), 4.5);
  EXPECT_EQ(td::gather(x, 0, td::scalarTensor(0, td::DType::Int64)).dim(), 0);
}
