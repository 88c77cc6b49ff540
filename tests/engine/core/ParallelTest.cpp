// Intra-op parallelism: results must not depend on the thread count (a debugger whose
// numbers change with the core count is no debugger).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/core/Parallel.h"

namespace {

struct ThreadCountRestore {
  int previous = td::getNumThreads();
  ~ThreadCountRestore() { td::setNumThreads(previous); }
};

bool bitwiseEqual(const td::Tensor& a, const td::Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  return std::memcmp(a.contiguous().rawData(), b.contiguous().rawData(),
                     static_cast<std::size_t>(a.numel()) * td::elementSize(a.dtype())) == 0;
}

TEST(Parallel, ResultsAreBitwiseIdenticalForAnyThreadCount) {
  ThreadCountRestore restore;
  td::manualSeed(3);
  td::Tensor x = td::randn({517, 613});  // not a multiple of the chunk size
  td::Tensor y = td::randn({517, 613});
  td::Tensor image = td::randn({4, 6, 48, 40});
  td::Tensor tall = td::randn({2100, 300});  // large enough for a GEMM split by rows
  td::Tensor wide = td::randn({300, 330});
  td::Tensor weight = td::randn({8, 6, 3, 3});
  auto run = [&] {
    td::Tensor e = td::exp(x);
    td::Tensor s = td::add(e, y);
    td::Tensor t = x.t().contiguous();  // strided copy
    // conv (im2col/col2im split by channel), pooling (split by plane), sums over trailing dims
    td::Tensor w = weight.detach().setRequiresGrad();
    td::Tensor im = image.detach().setRequiresGrad();
    td::Tensor pooled = td::maxPool2d(td::relu(td::conv2d(im, w, td::Tensor(), {1, 1}, {1, 1})), {2, 2});
    td::Tensor pooled3 = td::maxPool2d(image, {3, 3}, {2, 2}, {1, 1});
    td::sum(td::mul(pooled, pooled)).backward();
    return std::vector<td::Tensor>{e, s, t, td::sum(s), td::sum(x.to(td::DType::Float64)), td::mul(x.t(), 2.0),
                                   pooled.detach(), pooled3, td::sum(image, {0, 2, 3}), w.grad(), im.grad(),
                                   td::matmul(tall, wide), td::matmul(tall.to(td::DType::Float64),
                                                                      wide.to(td::DType::Float64))};
  };
  td::setNumThreads(1);
  std::vector<td::Tensor> serial = run();
  for (int threads : {2, 3, 8}) {
    td::setNumThreads(threads);
    std::vector<td::Tensor> parallel = run();
    for (std::size_t i = 0; i < serial.size(); ++i)
      EXPECT_TRUE(bitwiseEqual(serial[i], parallel[i])) << "result " << i << " differs with " << threads << " threads";
  }
}

TEST(Parallel, ParallelForCoversTheRangeOnceAndRethrows) {
  ThreadCountRestore restore;
  td::setNumThreads(4);
  std::vector<std::atomic<int>> hits(100000);
  td::detail::parallelFor(0, 100000, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  EXPECT_THROW(td::detail::parallelFor(0, 10000, 100,
                                       [](int64_t b, int64_t) {
                                         if (b == 5000) throw std::runtime_error("chunk failed");
                                       }),
               std::runtime_error);
}

TEST(Parallel, RejectsANonPositiveThreadCount) {
  EXPECT_THROW(td::setNumThreads(0), td::Error);
}

}  // namespace
