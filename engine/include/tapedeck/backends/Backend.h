#pragma once
// Kernels per device: an interface (KernelFn over a KernelContext) plus a registry.
// A backend registers one kernel per op it supports; `supports` answers for dispatch.
#include <cstddef>

#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"

namespace td {

/// What a kernel gets: inputs (any strides), outputs preallocated contiguous with
/// their final shape and dtype, and the op's attributes (see OpTable.h per op).
struct KernelContext {
  OpId op;
  const Tensor* inputs;
  std::size_t numInputs;
  Tensor* outputs;
  std::size_t numOutputs;
  const OpAttrs& attrs;

  const Tensor& in(std::size_t i) const { return inputs[i]; }
  Tensor& out(std::size_t i = 0) const { return outputs[i]; }
};

using KernelFn = void (*)(const KernelContext&);

class KernelRegistry {
 public:
  static void add(DeviceType device, OpId op, KernelFn fn);
  static KernelFn find(DeviceType device, OpId op);
  static bool supports(DeviceType device, OpId op) { return find(device, op) != nullptr; }
};

/// Runs `op`'s kernel for the inputs' device; throws td::Error if the device lacks it.
void runKernel(OpId op, const Tensor* inputs, std::size_t numInputs, Tensor* outputs, std::size_t numOutputs,
               const OpAttrs& attrs);

/// Copies src (any strides, same shape, any dtype: converted) into dst (any strides).
/// Not an op: the engine's building block for copy_, contiguous and in-place writes.
void copyInto(const Tensor& dst, const Tensor& src);

}  // namespace td

#define TD_KERNEL_CONCAT_INNER(a, b) a##b
#define TD_KERNEL_CONCAT(a, b) TD_KERNEL_CONCAT_INNER(a, b)
/// Registers FN as DEVICE's kernel for OP at library load.
#define TD_REGISTER_KERNEL(DEVICE, OP, FN)                                           \
  static const bool TD_KERNEL_CONCAT(td_kernel_registered_, __COUNTER__) =           \
      (::td::KernelRegistry::add(::td::DeviceType::DEVICE, ::td::OpId::OP, FN), true)
