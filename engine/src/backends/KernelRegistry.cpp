#include <array>

#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Error.h"

namespace td {
namespace {
using Table = std::array<std::array<KernelFn, kOpCount>, kDeviceTypeCount>;
Table& table() {
  static Table t{};  // zero-initialised before any static registration runs
  return t;
}
}  // namespace

void KernelRegistry::add(DeviceType device, OpId op, KernelFn fn) {
  table()[static_cast<std::size_t>(device)][static_cast<std::size_t>(op)] = fn;
}

KernelFn KernelRegistry::find(DeviceType device, OpId op) {
  return table()[static_cast<std::size_t>(device)][static_cast<std::size_t>(op)];
}

void runKernel(OpId op, const Tensor* inputs, std::size_t numInputs, Tensor* outputs, std::size_t numOutputs,
               const OpAttrs& attrs) {
  Device device = numInputs > 0 ? inputs[0].device() : outputs[0].device();
  for (std::size_t i = 1; i < numInputs; ++i)
    TD_CHECK(inputs[i].device() == device, opName(op), "expected all tensors on ", device.str(), ", input ", i,
             " is on ", inputs[i].device().str());
  KernelFn fn = KernelRegistry::find(device.type, op);
  TD_CHECK(fn != nullptr, opName(op), "is not implemented for device ", device.str());
  fn(KernelContext{op, inputs, numInputs, outputs, numOutputs, attrs});
}

bool opFromName(std::string_view name, OpId& out) {
  for (const OpInfo& info : kOpTable)
    if (info.name == name) {
      out = info.id;
      return true;
    }
  return false;
}

}  // namespace td
