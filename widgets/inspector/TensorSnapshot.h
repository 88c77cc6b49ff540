#pragma once
// What the tensor inspector shows: a plain snapshot of one tensor, filled by the app from
// the engine's recorder (DESIGN.md §1: widgets read snapshots, never live tensors, and
// include no engine header). Values are a contiguous row-major copy in their own dtype,
// shared between snapshots, models and views, so passing a snapshot around is cheap.
#include <QString>
#include <QVector>
#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace td::widgets {

/// Summary statistics, as the engine's recorder keeps them for every entry (even when
/// its values are dropped). min, max, mean, std (population) and norm (L2) are over the
/// finite values only; integers and bools count as numbers. All 0 when not computed.
struct TensorStatsRow {
  bool computed = false;
  qint64 numel = 0, finite = 0, zeros = 0, nans = 0, infs = 0;
  double min = 0, max = 0, mean = 0, std = 0, norm = 0;
};

/// A tensor's values in their own dtype, row-major and contiguous. Immutable once made;
/// shared through std::shared_ptr<const TensorValues>.
class TensorValues {
 public:
  enum class Type { Float32, Float64, Int64, Bool };

  static std::shared_ptr<const TensorValues> fromFloat32(std::vector<float> values);
  static std::shared_ptr<const TensorValues> fromFloat64(std::vector<double> values);
  static std::shared_ptr<const TensorValues> fromInt64(std::vector<std::int64_t> values);
  /// Bools are kept one byte each (0 or 1).
  static std::shared_ptr<const TensorValues> fromBool(const std::vector<bool>& values);
  /// Bools as bytes, as the engine stores them (nonzero is true); moved in.
  static std::shared_ptr<const TensorValues> fromBoolBytes(std::vector<std::uint8_t> values);

  Type type() const { return static_cast<Type>(m_data.index()); }
  /// "float32", "float64", "int64" or "bool".
  QString dtype() const;
  bool isFloating() const { return type() == Type::Float32 || type() == Type::Float64; }
  qint64 size() const;
  /// The value at flat (row-major) index `flat`, which must be in [0, size()). Int64
  /// values beyond 2^53 are rounded; integerAt() has them exactly.
  double at(qint64 flat) const;
  /// Int64 and bool values exactly (0 or 1 for bools); floats truncated toward 0.
  std::int64_t integerAt(qint64 flat) const;

  /// Calls `f` with the storage: a const std::vector<float>&, <double>&,
  /// <std::int64_t>& or <std::uint8_t>& (bools, 0 or 1). For loops over many values
  /// without a type switch per value.
  template <typename F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), m_data);
  }

 private:
  using Storage = std::variant<std::vector<float>, std::vector<double>, std::vector<std::int64_t>,
                               std::vector<std::uint8_t>>;
  explicit TensorValues(Storage data) : m_data(std::move(data)) {}
  Storage m_data;
};

/// One tensor at one point of the tape, as the inspector shows it.
struct TensorSnapshot {
  QString title;  ///< "fc1.weight", "output of #12 matmul"
  QVector<qint64> shape, strides;  ///< strides of the recorded tensor (shown; the values are contiguous)
  QString dtype;                   ///< "float32", "float64", "int64", "bool"
  QString device;                  ///< "cpu", "cuda:0"
  quint64 tensorId = 0;
  QString op;    ///< the op that made it (or read it: readByOp); empty for a leaf
  bool readByOp = false;  ///< an op's input: `op` read it (what made it is another entry)
  QString file;  ///< where that op was called
  int line = 0;
  TensorStatsRow stats;
  std::shared_ptr<const TensorValues> values;  ///< null when not available
  QString missingReason;  ///< why values is null, to follow "value": "dropped by the recorder's memory budget"

  /// The product of the shape (1 for a 0-d scalar; negative sizes count as 0).
  qint64 numel() const;
  /// Values present and as many as numel() (a mismatch counts as missing).
  bool hasValues() const { return values != nullptr && values->size() == numel(); }
  /// Why there are no values, phrased to follow "value" ("dropped by the recorder's
  /// memory budget"): missingReason, or a fallback; empty when hasValues().
  QString unavailableReason() const;
};

/// One pass over `values`: counts, and min/max/mean/std/norm over the finite values.
/// The mean is shifted by the first finite value so std keeps its digits when the mean
/// is large next to the spread (as the engine's computeStats).
TensorStatsRow computeStatsRow(const TensorValues& values);

/// `b - a` elementwise, for the change of one tensor between two tape positions. Both
/// must have values and the same shape; otherwise nullopt, with the reason in `error`
/// (may be null). The dtype is promoted as PyTorch does: float64 if either is float64,
/// else float32 if either is float32, else int64 (bools count as 0 and 1). The result
/// keeps b's title, shape, device and id, has no op, and has its statistics computed.
std::optional<TensorSnapshot> differenceOf(const TensorSnapshot& a, const TensorSnapshot& b, QString* error);

/// "[8, 3, 5, 5]"; "[]" for a 0-d scalar.
QString shapeText(const QVector<qint64>& shape);
/// The row-major strides of a contiguous tensor of `shape`.
QVector<qint64> contiguousStrides(const QVector<qint64>& shape);
/// A value as the inspector writes it: floats with up to 6 significant digits ("nan",
/// "inf", "-inf"), integers exactly, bools "true"/"false". `fullPrecision`: floats with
/// the shortest text that reads back to the same float32 or float64.
QString formatTensorValue(const TensorValues& values, qint64 flat, bool fullPrecision = false);
/// A double as a float of `type` is written (6 significant digits, or the shortest
/// round-trip text of that type when `fullPrecision`).
QString formatFloat(double value, TensorValues::Type type, bool fullPrecision = false);

}  // namespace td::widgets
