// detail::hasNonFinite, the NaN/Inf check anomaly mode and the debugger run on every
// output: each kind of non-finite value, both float dtypes, contiguous and strided.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/Recording.h"
#include "tapedeck/Tapedeck.h"

namespace {

TEST(NonFinite, FindsNanAndBothInfinitiesAnywhere) {
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity()};
  for (td::DType dtype : {td::DType::Float32, td::DType::Float64}) {
    for (double special : specials) {
      for (int at : {0, 17, 99}) {
        std::vector<double> values(100, 1.5);
        values[static_cast<std::size_t>(at)] = special;
        const td::Tensor t = td::fromVector(values, {}, dtype);
        EXPECT_TRUE(td::detail::hasNonFinite(t)) << special << " at " << at;
        EXPECT_TRUE(td::detail::hasNonFinite(t.reshape({10, 10}).t())) << "strided";
      }
    }
    const td::Tensor finite = td::fromVector(std::vector<double>(100, 3.0e38), {}, dtype);
    EXPECT_FALSE(td::detail::hasNonFinite(finite)) << "large finite values are finite";
    EXPECT_FALSE(td::detail::hasNonFinite(td::zeros({0}, dtype)));
  }
  EXPECT_FALSE(td::detail::hasNonFinite(td::ones({3}, td::DType::Int64)));
}

}  // namespace
