// Tensors: factories, dtypes and promotion, views sharing storage, strides, contiguous,
// NumPy broadcasting, PyTorch-style printing, item, version counters, ids and the
// seeded generator.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "tapedeck/Tapedeck.h"

namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Ints = std::vector<int64_t>;

Ints shapeOf(const td::Tensor& t) { return t.shape().vec(); }
Ints stridesOf(const td::Tensor& t) { return t.strides().vec(); }
std::vector<double> valuesOf(const td::Tensor& t) { return t.toVector(); }

// --- factories ----------------------------------------------------------------------

TEST(TensorFactories, ZerosOnesFull) {
  td::Tensor z = td::zeros({2, 3});
  EXPECT_EQ(shapeOf(z), (Ints{2, 3}));
  EXPECT_EQ(z.dtype(), td::DType::Float32);
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_TRUE(z.isContiguous());
  EXPECT_THAT(valuesOf(z), ElementsAre(0, 0, 0, 0, 0, 0));

  td::Tensor o = td::ones({3}, td::DType::Int64);
  EXPECT_EQ(o.dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(o), ElementsAre(1, 1, 1));

  td::Tensor f = td::full({2, 2}, 7.5, td::DType::Float64);
  EXPECT_EQ(f.dtype(), td::DType::Float64);
  EXPECT_THAT(valuesOf(f), ElementsAre(7.5, 7.5, 7.5, 7.5));

  td::Tensor e = td::empty({4, 0, 2});
  EXPECT_EQ(shapeOf(e), (Ints{4, 0, 2}));
  EXPECT_EQ(e.numel(), 0);
}

TEST(TensorFactories, LikeFactoriesKeepShapeAndDtype) {
  td::Tensor x = td::zeros({2, 3}, td::DType::Float64);
  for (const td::Tensor& like : {td::zerosLike(x), td::onesLike(x), td::fullLike(x, -2.0)}) {
    EXPECT_EQ(shapeOf(like), (Ints{2, 3}));
    EXPECT_EQ(like.dtype(), td::DType::Float64);
  }
  EXPECT_THAT(valuesOf(td::fullLike(x, -2.0)), ::testing::Each(-2.0));
  EXPECT_THAT(valuesOf(td::onesLike(x)), ::testing::Each(1.0));
}

TEST(TensorFactories, ScalarTensorIsZeroDim) {
  td::Tensor s = td::scalarTensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_TRUE(s.shape().empty());
  EXPECT_DOUBLE_EQ(s.item(), 2.5);
}

TEST(TensorFactories, RangesAndEye) {
  EXPECT_THAT(valuesOf(td::arange(5, td::DType::Int64)), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(td::arange(5, td::DType::Int64).dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(td::arange(1.0, 2.0, 0.25)), ElementsAre(1.0, 1.25, 1.5, 1.75));
  EXPECT_THAT(valuesOf(td::arange(3.0, 0.0, -1.0)), ElementsAre(3.0, 2.0, 1.0));
  EXPECT_THAT(valuesOf(td::linspace(0.0, 1.0, 5)), ElementsAre(0.0, 0.25, 0.5, 0.75, 1.0));
  EXPECT_EQ(td::linspace(0.0, 1.0, 1).numel(), 1);
  EXPECT_THAT(valuesOf(td::eye(3)), ElementsAre(1, 0, 0, 0, 1, 0, 0, 0, 1));
  td::Tensor rect = td::eye(2, 3);
  EXPECT_EQ(shapeOf(rect), (Ints{2, 3}));
  EXPECT_THAT(valuesOf(rect), ElementsAre(1, 0, 0, 0, 1, 0));
}

TEST(TensorFactories, FromData) {
  td::Tensor d = td::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, td::DType::Float64);
  EXPECT_EQ(shapeOf(d), (Ints{2, 3}));
  EXPECT_EQ(d.dtype(), td::DType::Float64);
  EXPECT_THAT(valuesOf(d), ElementsAre(1, 2, 3, 4, 5, 6));

  td::Tensor oneD = td::fromVector(std::vector<float>{1.5f, 2.5f});
  EXPECT_EQ(shapeOf(oneD), (Ints{2}));
  EXPECT_EQ(oneD.dtype(), td::DType::Float32);

  td::Tensor ints = td::fromVector(std::vector<int64_t>{4, 5, 6});
  EXPECT_EQ(ints.dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(ints), ElementsAre(4, 5, 6));

  td::Tensor literal = td::tensor({1, 2, 3});
  EXPECT_EQ(literal.dtype(), td::DType::Float32);
  EXPECT_EQ(shapeOf(literal), (Ints{3}));
  EXPECT_EQ(literal.data<float>()[2], 3.0f);
}

// --- dtypes -------------------------------------------------------------------------

TEST(TensorDtypes, SizesNamesAndPromotion) {
  EXPECT_EQ(td::elementSize(td::DType::Float32), 4u);
  EXPECT_EQ(td::elementSize(td::DType::Float64), 8u);
  EXPECT_EQ(td::elementSize(td::DType::Int64), 8u);
  EXPECT_EQ(td::elementSize(td::DType::Bool), 1u);
  EXPECT_STREQ(td::dtypeName(td::DType::Float32), "float32");
  EXPECT_STREQ(td::dtypeName(td::DType::Float64), "float64");
  EXPECT_STREQ(td::dtypeName(td::DType::Int64), "int64");
  EXPECT_STREQ(td::dtypeName(td::DType::Bool), "bool");
  EXPECT_EQ(td::promoteTypes(td::DType::Bool, td::DType::Int64), td::DType::Int64);
  EXPECT_EQ(td::promoteTypes(td::DType::Int64, td::DType::Float32), td::DType::Float32);
  EXPECT_EQ(td::promoteTypes(td::DType::Float64, td::DType::Float32), td::DType::Float64);
}

TEST(TensorDtypes, BinaryOpsPromote) {
  td::Tensor i = td::fromVector(std::vector<int64_t>{1, 2});
  td::Tensor f = td::tensor({0.5, 0.25});
  td::Tensor d = td::fromVector(std::vector<double>{1, 1}, {2}, td::DType::Float64);
  td::Tensor b = td::fromVector(std::vector<double>{1, 0}, {2}, td::DType::Bool);

  td::Tensor intFloat = i + f;
  EXPECT_EQ(intFloat.dtype(), td::DType::Float32);
  EXPECT_THAT(valuesOf(intFloat), ElementsAre(1.5, 2.25));
  EXPECT_EQ((f * d).dtype(), td::DType::Float64);
  td::Tensor boolInt = td::add(b, i);
  EXPECT_EQ(boolInt.dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(boolInt), ElementsAre(2, 2));
  EXPECT_EQ(td::lt(i, f).dtype(), td::DType::Bool);
}

TEST(TensorDtypes, ScalarOperandKeepsTheTensorsDtype) {
  td::Tensor f = td::tensor({1, 2});
  EXPECT_EQ((f * 2.5).dtype(), td::DType::Float32);
  EXPECT_EQ((2.5 - f).dtype(), td::DType::Float32);
  td::Tensor d = td::fromVector(std::vector<double>{1, 2}, {2}, td::DType::Float64);
  EXPECT_EQ((d + 1.0).dtype(), td::DType::Float64);
  td::Tensor i = td::fromVector(std::vector<int64_t>{1, 2});
  td::Tensor shifted = i + 2.0;
  EXPECT_EQ(shifted.dtype(), td::DType::Int64);
  EXPECT_THAT(valuesOf(shifted), ElementsAre(3, 4));
}

TEST(TensorDtypes, ReductionsOfIntegersAndBools) {
  td::Tensor b = td::fromVector(std::vector<double>{1, 0, 1, 1}, {4}, td::DType::Bool);
  td::Tensor count = td::sum(b);
  EXPECT_EQ(count.dtype(), td::DType::Int64);
  EXPECT_EQ(count.item(), 3.0);
  td::Tensor i = td::fromVector(std::vector<int64_t>{1, 2, 3});
  EXPECT_EQ(td::sum(i).dtype(), td::DType::Int64);
  EXPECT_EQ(td::argmax(i).dtype(), td::DType::Int64);
}

TEST(TensorDtypes, Conversions) {
  td::Tensor f = td::tensor({2.7, -2.7, 0.0, 0.5});
  EXPECT_THAT(valuesOf(f.to(td::DType::Int64)), ElementsAre(2, -2, 0, 0));  // toward zero
  EXPECT_THAT(valuesOf(f.to(td::DType::Bool)), ElementsAre(1, 1, 0, 1));
  td::Tensor d = f.to(td::DType::Float64);
  EXPECT_EQ(d.dtype(), td::DType::Float64);
  EXPECT_DOUBLE_EQ(d.toVector()[3], 0.5);
  td::Tensor fromBool = td::fromVector(std::vector<double>{1, 0}, {2}, td::DType::Bool).to(td::DType::Float32);
  EXPECT_THAT(valuesOf(fromBool), ElementsAre(1.0, 0.0));
}

// --- views --------------------------------------------------------------------------

TEST(TensorViews, ShareStorageAndWritesShowThrough) {
  td::Tensor x = td::zeros({2, 3});
  td::Tensor v = x.view({3, 2});
  EXPECT_EQ(&v.storage(), &x.storage());
  v.fill_(1.0);
  EXPECT_THAT(valuesOf(x), ::testing::Each(1.0));

  x.zero_();
  x.t().select(0, 1).fill_(5.0);  // column 1 of x
  EXPECT_THAT(valuesOf(x), ElementsAre(0, 5, 0, 0, 5, 0));

  x.zero_();
  x.narrow(1, 1, 2).fill_(2.0);
  EXPECT_THAT(valuesOf(x), ElementsAre(0, 2, 2, 0, 2, 2));

  x.zero_();
  x.slice(1, 0, std::nullopt, 2).fill_(3.0);
  EXPECT_THAT(valuesOf(x), ElementsAre(3, 0, 3, 3, 0, 3));

  x.zero_();
  x.unsqueeze(0).squeeze(0).permute({1, 0}).select(1, 1).add_(4.0);  // row 1 of x
  EXPECT_THAT(valuesOf(x), ElementsAre(0, 0, 0, 4, 4, 4));

  x.zero_();
  x.flatten().narrow(0, 4, 2).fill_(6.0);
  EXPECT_THAT(valuesOf(x), ElementsAre(0, 0, 0, 0, 6, 6));

  x.detach().fill_(7.0);
  EXPECT_THAT(valuesOf(x), ::testing::Each(7.0));
}

TEST(TensorViews, CopiesDoNotShareStorage) {
  td::Tensor x = td::zeros({2, 3});
  td::Tensor c = x.clone();
  EXPECT_NE(&c.storage(), &x.storage());
  c.fill_(1.0);
  EXPECT_THAT(valuesOf(x), ::testing::Each(0.0));
  td::Tensor r = x.t().reshape({6});  // not expressible as a view: copies
  EXPECT_NE(&r.storage(), &x.storage());
  EXPECT_EQ(&x.reshape({3, 2}).storage(), &x.storage());  // contiguous: a view
}

TEST(TensorViews, Strides) {
  td::Tensor x = td::zeros({2, 3, 4});
  EXPECT_EQ(stridesOf(x), (Ints{12, 4, 1}));
  EXPECT_EQ(x.stride(-1), 1);
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(td::contiguousStrides({2, 3, 4}).vec(), (Ints{12, 4, 1}));

  td::Tensor tr = x.transpose(0, 2);
  EXPECT_EQ(shapeOf(tr), (Ints{4, 3, 2}));
  EXPECT_EQ(stridesOf(tr), (Ints{1, 4, 12}));
  EXPECT_FALSE(tr.isContiguous());

  td::Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(shapeOf(p), (Ints{4, 2, 3}));
  EXPECT_EQ(stridesOf(p), (Ints{1, 12, 4}));

  td::Tensor e = td::zeros({3, 1}).expand({2, 3, 4});
  EXPECT_EQ(shapeOf(e), (Ints{2, 3, 4}));
  EXPECT_EQ(e.stride(0), 0);
  EXPECT_EQ(e.stride(1), 1);
  EXPECT_EQ(e.stride(2), 0);

  td::Tensor n = x.narrow(1, 1, 2);
  EXPECT_EQ(shapeOf(n), (Ints{2, 2, 4}));
  EXPECT_EQ(stridesOf(n), (Ints{12, 4, 1}));
  EXPECT_EQ(n.offset(), 4);
  EXPECT_FALSE(n.isContiguous());
  EXPECT_TRUE(x.narrow(0, 1, 1).isContiguous());

  td::Tensor s = x.slice(2, 1, std::nullopt, 2);
  EXPECT_EQ(shapeOf(s), (Ints{2, 3, 2}));
  EXPECT_EQ(stridesOf(s), (Ints{12, 4, 2}));
  EXPECT_EQ(s.offset(), 1);

  td::Tensor sel = x.select(1, 2);
  EXPECT_EQ(shapeOf(sel), (Ints{2, 4}));
  EXPECT_EQ(stridesOf(sel), (Ints{12, 1}));
  EXPECT_EQ(sel.offset(), 8);

  td::Tensor t2 = td::zeros({3, 5}).t();
  EXPECT_EQ(shapeOf(t2), (Ints{5, 3}));
  EXPECT_EQ(stridesOf(t2), (Ints{1, 5}));
}

TEST(TensorViews, SliceBoundsArePythonStyle) {
  td::Tensor x = td::arange(10, td::DType::Int64);
  EXPECT_THAT(valuesOf(x.slice(0, -3, std::nullopt)), ElementsAre(7, 8, 9));
  EXPECT_THAT(valuesOf(x.slice(0, -100, 3)), ElementsAre(0, 1, 2));
  EXPECT_THAT(valuesOf(x.slice(0, 8, 100)), ElementsAre(8, 9));
  EXPECT_THAT(valuesOf(x.slice(0, 1, -1, 3)), ElementsAre(1, 4, 7));
  EXPECT_EQ(x.slice(0, 5, 2).numel(), 0);
  EXPECT_THAT(valuesOf(x.select(0, -1)), ElementsAre(9));
}

TEST(TensorViews, Contiguous) {
  td::Tensor x = td::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, td::DType::Float64);
  td::Tensor t = x.t();
  EXPECT_FALSE(t.isContiguous());
  td::Tensor c = t.contiguous();
  EXPECT_TRUE(c.isContiguous());
  EXPECT_EQ(stridesOf(c), (Ints{2, 1}));
  EXPECT_THAT(valuesOf(c), ElementsAre(1, 4, 2, 5, 3, 6));
  EXPECT_NE(&c.storage(), &x.storage());
  EXPECT_EQ(&x.contiguous().storage(), &x.storage());  // already contiguous: no copy
}

TEST(TensorViews, SqueezeUnsqueezeFlatten) {
  td::Tensor x = td::zeros({3, 1, 4, 1});
  EXPECT_EQ(shapeOf(x.squeeze()), (Ints{3, 4}));
  EXPECT_EQ(shapeOf(x.squeeze(1)), (Ints{3, 4, 1}));
  EXPECT_EQ(shapeOf(x.squeeze(-1)), (Ints{3, 1, 4}));
  EXPECT_EQ(shapeOf(x.squeeze(0)), (Ints{3, 1, 4, 1}));  // not size 1: unchanged
  td::Tensor y = td::zeros({3, 4});
  EXPECT_EQ(shapeOf(y.unsqueeze(0)), (Ints{1, 3, 4}));
  EXPECT_EQ(shapeOf(y.unsqueeze(2)), (Ints{3, 4, 1}));
  EXPECT_EQ(shapeOf(y.unsqueeze(-1)), (Ints{3, 4, 1}));
  td::Tensor z = td::zeros({2, 3, 4, 5});
  EXPECT_EQ(shapeOf(z.flatten()), (Ints{120}));
  EXPECT_EQ(shapeOf(z.flatten(1)), (Ints{2, 60}));
  EXPECT_EQ(shapeOf(z.flatten(1, 2)), (Ints{2, 12, 5}));
  EXPECT_EQ(shapeOf(td::scalarTensor(1.0).flatten()), (Ints{1}));
  EXPECT_EQ(shapeOf(z.view({-1, 5})), (Ints{24, 5}));
}

// --- broadcasting -------------------------------------------------------------------

TEST(TensorBroadcasting, NumPyRules) {
  td::Tensor column = td::fromVector(std::vector<double>{1, 2, 3}, {3, 1}, td::DType::Float64);
  td::Tensor row = td::fromVector(std::vector<double>{10, 20, 30, 40}, {1, 4}, td::DType::Float64);
  td::Tensor sum = column + row;
  EXPECT_EQ(shapeOf(sum), (Ints{3, 4}));
  EXPECT_THAT(valuesOf(sum), ElementsAre(11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43));

  EXPECT_EQ(shapeOf(td::zeros({2, 1, 3}) * td::zeros({4, 1})), (Ints{2, 4, 3}));
  EXPECT_EQ(shapeOf(td::scalarTensor(2.0) + td::ones({2, 2})), (Ints{2, 2}));
  EXPECT_THAT(valuesOf(td::scalarTensor(2.0) + td::ones({2, 2})), ::testing::Each(3.0));
  EXPECT_EQ(shapeOf(td::zeros({0, 3}) + td::zeros({3})), (Ints{0, 3}));
  EXPECT_EQ(shapeOf(td::zeros({5, 1, 0}) - td::zeros({1, 7, 1})), (Ints{5, 7, 0}));
  EXPECT_EQ(shapeOf(td::where(td::zeros({3, 1}, td::DType::Bool), td::zeros({4}), td::zeros({2, 1, 1}))),
            (Ints{2, 3, 4}));
}

TEST(TensorBroadcasting, ExpandedOperandsAreRead) {
  td::Tensor base = td::fromVector(std::vector<double>{1, 2}, {2, 1}, td::DType::Float64);
  td::Tensor e = base.expand({2, 3});
  EXPECT_THAT(valuesOf(e), ElementsAre(1, 1, 1, 2, 2, 2));
  EXPECT_THAT(valuesOf(e * e), ElementsAre(1, 1, 1, 4, 4, 4));
  EXPECT_THAT(valuesOf(td::sum(e, {1})), ElementsAre(3, 6));
}

// --- printing -----------------------------------------------------------------------

TEST(TensorPrinting, LikePyTorch) {
  EXPECT_EQ(td::tensor({1, 2, 3}).toString(), "tensor([1., 2., 3.])");
  EXPECT_EQ(td::tensor({1.5, 2.25}).toString(), "tensor([1.5000, 2.2500])");
  EXPECT_EQ(td::tensor({-1, 2}).toString(), "tensor([-1.,  2.])");
  EXPECT_EQ(td::fromVector(std::vector<int64_t>{1, 2, 3}).toString(), "tensor([1, 2, 3])");
  EXPECT_EQ(td::fromVector(std::vector<double>{1, 2, 3, 4}, {2, 2}).toString(), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(td::scalarTensor(3.0).toString(), "tensor(3.)");
  // PyTorch writes "dtype=torch.float64"; the module prefix is the library's own.
  EXPECT_THAT(td::fromVector(std::vector<double>{1, 2}, {2}, td::DType::Float64).toString(),
              ::testing::MatchesRegex("tensor\\(\\[1\\., 2\\.\\], dtype=([a-z]+\\.)?float64\\)"));
  EXPECT_EQ(td::fromVector(std::vector<double>{1, 0}, {2}, td::DType::Bool).toString(), "tensor([ True, False])");
  EXPECT_EQ(td::zeros({0}).toString(), "tensor([])");
}

TEST(TensorPrinting, RequiresGradSuffixAndStream) {
  td::Tensor x = td::tensor({1, 2, 3});
  x.setRequiresGrad();
  EXPECT_EQ(x.toString(), "tensor([1., 2., 3.], requires_grad=True)");
  std::ostringstream out;
  out << x;
  EXPECT_EQ(out.str(), x.toString());
  EXPECT_EQ(td::shapeString({2, 3}), "[2, 3]");
  EXPECT_EQ(td::shapeString({}), "[]");
}

TEST(TensorPrinting, NonContiguousPrintsLogicalOrder) {
  td::Tensor x = td::fromVector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(x.t().toString(), "tensor([[1., 3.],\n        [2., 4.]])");
}

// --- values, versions, ids ------------------------------------------------------------

TEST(TensorValues, Item) {
  EXPECT_DOUBLE_EQ(td::scalarTensor(2.5).item(), 2.5);
  EXPECT_DOUBLE_EQ(td::fromVector(std::vector<double>{7}, {1, 1}).item(), 7.0);
  EXPECT_EQ(td::fromVector(std::vector<int64_t>{42}).item<int64_t>(), 42);
  EXPECT_DOUBLE_EQ(td::sum(td::ones({4})).item(), 4.0);
  td::Tensor x = td::fromVector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  EXPECT_DOUBLE_EQ(x.t().select(0, 1).select(0, 0).item(), 2.0);
}

TEST(TensorValues, VersionCounterBumpsOnEveryInPlaceOp) {
  td::Tensor x = td::zeros({3});
  td::Tensor other = td::ones({3});
  uint64_t v = x.version();
  x.add_(1.0);
  EXPECT_EQ(x.version(), ++v);
  x.add_(other, 2.0);
  EXPECT_EQ(x.version(), ++v);
  x.sub_(other);
  EXPECT_EQ(x.version(), ++v);
  x.mul_(other);
  EXPECT_EQ(x.version(), ++v);
  x.mul_(2.0);
  EXPECT_EQ(x.version(), ++v);
  x.div_(2.0);
  EXPECT_EQ(x.version(), ++v);
  x.clamp_(0.0, 1.0);
  EXPECT_EQ(x.version(), ++v);
  x.relu_();
  EXPECT_EQ(x.version(), ++v);
  x.fill_(3.0);
  EXPECT_EQ(x.version(), ++v);
  x.copy_(other);
  EXPECT_EQ(x.version(), ++v);
  x.zero_();
  EXPECT_EQ(x.version(), ++v);

  td::Tensor view = x.view({3, 1});
  view.fill_(1.0);  // one storage, one counter
  EXPECT_EQ(x.version(), ++v);
  EXPECT_EQ(view.version(), x.version());

  td::Tensor y = x + 1.0;  // out-of-place: no bump
  (void)y;
  EXPECT_EQ(x.version(), v);
  EXPECT_STREQ(x.storage().lastWriterOp(), "fill_");
}

TEST(TensorValues, IdsAreStableAndDistinct) {
  td::Tensor a = td::zeros({2});
  td::Tensor b = td::zeros({2});
  EXPECT_NE(a.id(), b.id());
  td::Tensor handle = a;  // another handle to the same tensor
  EXPECT_EQ(handle.id(), a.id());
  EXPECT_EQ(a.id(), a.id());
  td::Tensor v = a.view({2, 1});
  EXPECT_NE(v.id(), a.id());
  std::set<uint64_t> ids;
  std::vector<td::Tensor> keep;
  for (int i = 0; i < 1000; ++i) {
    keep.push_back(td::zeros({1}));
    ids.insert(keep.back().id());
  }
  EXPECT_EQ(ids.size(), 1000u);
  uint64_t before = a.id();
  a.add_(1.0);
  EXPECT_EQ(a.id(), before) << "an in-place op keeps the tensor's id";
}

TEST(TensorValues, Names) {
  td::Tensor w = td::zeros({2});
  EXPECT_EQ(w.name(), "");
  w.setName("encoder.weight");
  EXPECT_EQ(w.name(), "encoder.weight");
}

// --- the generator --------------------------------------------------------------------

TEST(TensorRandom, SeededDrawsRepeat) {
  td::manualSeed(7);
  std::vector<double> u1 = td::rand({16}).toVector();
  std::vector<double> n1 = td::randn({16}).toVector();
  std::vector<double> i1 = td::randint(0, 10, {16}).toVector();
  td::manualSeed(7);
  EXPECT_EQ(td::rand({16}).toVector(), u1);
  EXPECT_EQ(td::randn({16}).toVector(), n1);
  EXPECT_EQ(td::randint(0, 10, {16}).toVector(), i1);
  td::manualSeed(8);
  EXPECT_NE(td::rand({16}).toVector(), u1);
}

TEST(TensorRandom, Distributions) {
  td::manualSeed(123);
  td::Tensor u = td::rand({10000}, td::DType::Float64);
  EXPECT_EQ(u.dtype(), td::DType::Float64);
  std::vector<double> uv = u.toVector();
  EXPECT_GE(*std::min_element(uv.begin(), uv.end()), 0.0);
  EXPECT_LT(*std::max_element(uv.begin(), uv.end()), 1.0);
  EXPECT_NEAR(td::mean(u).item(), 0.5, 0.02);

  td::Tensor n = td::randn({10000}, td::DType::Float64);
  EXPECT_NEAR(td::mean(n).item(), 0.0, 0.05);
  EXPECT_NEAR(td::var(n).item(), 1.0, 0.08);

  td::Tensor r = td::randint(-2, 3, {1000});
  EXPECT_EQ(r.dtype(), td::DType::Int64);
  std::set<double> seen;
  for (double v : r.toVector()) seen.insert(v);
  EXPECT_EQ(seen, (std::set<double>{-2, -1, 0, 1, 2}));
}

// --- devices and sizes ----------------------------------------------------------------

TEST(TensorDevice, CpuAndParsing) {
  EXPECT_TRUE(td::zeros({1}).device().isCpu());
  EXPECT_EQ(td::Device::parse("cpu"), td::kCPU);
  td::Device gpu = td::Device::parse("cuda:1");
  EXPECT_EQ(gpu.type, td::DeviceType::CUDA);
  EXPECT_EQ(gpu.index, 1);
  EXPECT_EQ(gpu.str(), "cuda:1");
  EXPECT_EQ(td::kCPU.str(), "cpu");
  EXPECT_EQ(td::Device::parse("cuda").index, 0);
}

TEST(TensorSizes, CheckedNumel) {
  EXPECT_EQ(td::checkedNumel({2, 3, 4}, "test"), 24);
  EXPECT_EQ(td::checkedNumel({}, "test"), 1);
  EXPECT_EQ(td::checkedNumel({5, 0}, "test"), 0);
  EXPECT_THROW(td::checkedNumel({2, -1}, "test"), td::Error);
  EXPECT_THROW(td::checkedNumel({int64_t{1} << 40, int64_t{1} << 40}, "test"), td::Error);
}

}  // namespace
