#pragma once
// Element types and devices.
#include <cstddef>
#include <cstdint>
#include <string>

namespace td {

enum class DType : uint8_t { Float32, Float64, Int64, Bool };

/// Bytes per element.
constexpr std::size_t elementSize(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}
constexpr bool isFloating(DType t) { return t == DType::Float32 || t == DType::Float64; }
/// "float32", "float64", "int64", "bool".
const char* dtypeName(DType t);
/// The type both operands of a binary op are converted to (bool < int64 < float32 < float64).
constexpr int promotionRank(DType t) {
  return t == DType::Bool ? 0 : t == DType::Int64 ? 1 : t == DType::Float32 ? 2 : 3;
}
constexpr DType promoteTypes(DType a, DType b) { return promotionRank(a) >= promotionRank(b) ? a : b; }

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };

enum class DeviceType : uint8_t { CPU, CUDA };
inline constexpr int kDeviceTypeCount = 2;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  constexpr Device() = default;
  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  /// Parses "cpu", "cuda", "cuda:1"; throws td::Error on anything else.
  static Device parse(const std::string& text);
  bool isCpu() const { return type == DeviceType::CPU; }
  std::string str() const;
  friend bool operator==(Device a, Device b) { return a.type == b.type && a.index == b.index; }
  friend bool operator!=(Device a, Device b) { return !(a == b); }
};
inline constexpr Device kCPU{};

}  // namespace td

/// Calls BODY with `scalar_t` bound to the C++ type of DTYPE (all four dtypes).
#define TD_DISPATCH_ALL(DTYPE, NAME, ...)                                   \
  [&] {                                                                     \
    switch (DTYPE) {                                                        \
      case ::td::DType::Float32: { using scalar_t = float; return __VA_ARGS__(); }   \
      case ::td::DType::Float64: { using scalar_t = double; return __VA_ARGS__(); }  \
      case ::td::DType::Int64: { using scalar_t = int64_t; return __VA_ARGS__(); }   \
      case ::td::DType::Bool: { using scalar_t = bool; return __VA_ARGS__(); }       \
    }                                                                       \
    throw ::td::Error(std::string(NAME) + ": unsupported dtype");           \
  }()

/// Like TD_DISPATCH_ALL for float32 and float64 only; other dtypes throw td::Error.
#define TD_DISPATCH_FLOATING(DTYPE, NAME, ...)                              \
  [&] {                                                                     \
    switch (DTYPE) {                                                        \
      case ::td::DType::Float32: { using scalar_t = float; return __VA_ARGS__(); }   \
      case ::td::DType::Float64: { using scalar_t = double; return __VA_ARGS__(); }  \
      default: break;                                                       \
    }                                                                       \
    throw ::td::Error(std::string(NAME) + ": expected a floating dtype, got " + ::td::dtypeName(DTYPE)); \
  }()
