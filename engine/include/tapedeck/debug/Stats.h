#pragma once
// Summary statistics of a tensor in one pass: what the recorder keeps for every entry
// (even when its value is dropped) and what the debugger's NaN and grad-norm checks read.
#include <cstdint>

#include "tapedeck/core/Tensor.h"

namespace td::debug {

/// min, max, mean, std and norm are over the finite values (so one NaN does not hide the
/// rest); std is the population standard deviation. Integers and bools count as numbers.
struct TensorStats {
  bool computed = false;  ///< false: not computed (a tensor not in CPU memory); the rest is 0
  int64_t numel = 0;
  int64_t finite = 0;     ///< how many values are finite
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  double std = 0.0;
  double norm = 0.0;      ///< L2 norm of the finite values
  int64_t zeros = 0;
  int64_t nans = 0;
  int64_t infs = 0;

  bool nonFinite() const { return nans + infs > 0; }
};

/// One fused pass over `t` (contiguous float32 memory goes through vector lanes; other
/// layouts and dtypes through a strided walk). Runs no op, so nothing shows on the tape.
TensorStats computeStats(const Tensor& t);
/// Whether a floating tensor holds a NaN or an Inf: the debugger's check, a cheaper pass
/// than computeStats (contiguous float32 through vector lanes, nothing else computed).
/// False for integers, bools and tensors not in CPU memory.
bool anyNonFinite(const Tensor& t);

}  // namespace td::debug
