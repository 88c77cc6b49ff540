// matmul_256, matmul_1024: td::matmul against raw cblas_sgemm on the same float32 data,
// on one thread. The engine's matmul should cost no more than the GEMM it calls:
// budget ratio <= 1.05 (DESIGN.md §6). Run through bench/run.sh (make bench).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "harness/PairRunner.h"
#include "harness/ResultsWriter.h"
#include "tapedeck/Tapedeck.h"

namespace {

constexpr double kBudget = 1.05;

// Largest |x - y| over two contiguous float32 tensors of the same shape.
double maxAbsDifference(const td::Tensor& x, const td::Tensor& y) {
  const float* p = x.data<float>();
  const float* q = y.data<float>();
  double worst = 0.0;
  for (int64_t i = 0; i < x.numel(); ++i) worst = std::max(worst, std::fabs(double(p[i]) - double(q[i])));
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace td::bench;
  ResultsWriter::checkSingleThreaded();
  PairOptions options = pairOptionsFromEnvironment();
  options.unit = Unit::Milliseconds;
  const PairRunner runner(options);
  ResultsWriter writer("matmul_bench");
  int status = 0;

  for (const int64_t n : {int64_t{256}, int64_t{1024}}) {
    const std::string name = "matmul_" + std::to_string(n);
    try {
      td::manualSeed(static_cast<uint64_t>(n));
      const td::Tensor a = td::randn({n, n});
      const td::Tensor b = td::randn({n, n});
      const td::Tensor c = td::empty({n, n});
      const int size = static_cast<int>(n);

      auto engine = [&] {
        const td::Tensor product = td::matmul(a, b);
        doNotOptimize(product.rawData());
      };
      auto reference = [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, a.data<float>(), size,
                    b.data<float>(), size, 0.0f, c.data<float>(), size);
        doNotOptimize(c.rawData());
      };

      // A fast wrong answer is no result: both sides must agree before they are timed.
      reference();
      const td::Tensor product = td::matmul(a, b).contiguous();
      const double difference = maxAbsDifference(product, c);
      const double tolerance = 1e-4 * double(n);  // float32 sums of n products of N(0, 1) values
      if (!(difference <= tolerance)) {
        std::cerr << name << ": td::matmul differs from cblas_sgemm by " << difference << " (tolerance "
                  << tolerance << ")\n";
        writer.addSkipped(name, "td::matmul disagrees with cblas_sgemm", unitName(options.unit));
        status = 1;
        continue;
      }

      const PairResult result = runner.run(engine, reference);
      writer.addPair(name, result, kBudget, "cblas_sgemm");
    } catch (const std::exception& error) {
      std::cerr << name << ": " << error.what() << "\n";
      writer.addSkipped(name, std::string("failed: ") + error.what(), unitName(options.unit));
      status = 1;
    }
  }

  writer.printTable(std::cout);
  writer.write(resultsPath(argc, argv));
  return status;
}
