#include "inspector/TensorSnapshot.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>

namespace td::widgets {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("td::widgets::TensorSnapshot", text); }

/// The promoted dtype of b - a (PyTorch's rules for these four dtypes, bool - bool aside).
TensorValues::Type promotedType(TensorValues::Type a, TensorValues::Type b) {
  using Type = TensorValues::Type;
  if (a == Type::Float64 || b == Type::Float64) return Type::Float64;
  if (a == Type::Float32 || b == Type::Float32) return Type::Float32;
  return Type::Int64;
}

template <typename T>
std::vector<T> difference(const TensorValues& a, const TensorValues& b) {
  const auto n = static_cast<std::size_t>(b.size());
  std::vector<T> out(n);
  if constexpr (std::is_floating_point_v<T>) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(b.at(qint64(i)) - a.at(qint64(i)));
  } else {
    // Wraps like the engine's int64 arithmetic instead of overflowing (undefined).
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<T>(static_cast<std::uint64_t>(b.integerAt(qint64(i))) -
                              static_cast<std::uint64_t>(a.integerAt(qint64(i))));
  }
  return out;
}

}  // namespace

// --- TensorValues ----------------------------------------------------------------------

std::shared_ptr<const TensorValues> TensorValues::fromFloat32(std::vector<float> values) {
  return std::shared_ptr<const TensorValues>(new TensorValues(Storage(std::move(values))));
}

std::shared_ptr<const TensorValues> TensorValues::fromFloat64(std::vector<double> values) {
  return std::shared_ptr<const TensorValues>(new TensorValues(Storage(std::move(values))));
}

std::shared_ptr<const TensorValues> TensorValues::fromInt64(std::vector<std::int64_t> values) {
  return std::shared_ptr<const TensorValues>(new TensorValues(Storage(std::move(values))));
}

std::shared_ptr<const TensorValues> TensorValues::fromBool(const std::vector<bool>& values) {
  return fromBoolBytes(std::vector<std::uint8_t>(values.begin(), values.end()));
}

std::shared_ptr<const TensorValues> TensorValues::fromBoolBytes(std::vector<std::uint8_t> values) {
  for (std::uint8_t& v : values) v = v != 0 ? 1 : 0;
  return std::shared_ptr<const TensorValues>(new TensorValues(Storage(std::move(values))));
}

QString TensorValues::dtype() const {
  switch (type()) {
    case Type::Float32: return QStringLiteral("float32");
    case Type::Float64: return QStringLiteral("float64");
    case Type::Int64: return QStringLiteral("int64");
    case Type::Bool: return QStringLiteral("bool");
  }
  return {};
}

qint64 TensorValues::size() const {
  return visit([](const auto& data) { return static_cast<qint64>(data.size()); });
}

double TensorValues::at(qint64 flat) const {
  return visit([flat](const auto& data) { return static_cast<double>(data[static_cast<std::size_t>(flat)]); });
}

std::int64_t TensorValues::integerAt(qint64 flat) const {
  return visit([flat](const auto& data) -> std::int64_t {
    const auto value = data[static_cast<std::size_t>(flat)];
    if constexpr (std::is_floating_point_v<std::decay_t<decltype(value)>>) {
      // Out of range (and NaN) would be undefined behaviour in the cast.
      if (!(std::fabs(value) < 9.2e18)) return 0;
    }
    return static_cast<std::int64_t>(value);
  });
}

// --- TensorSnapshot ----------------------------------------------------------------------

qint64 TensorSnapshot::numel() const {
  qint64 n = 1;
  for (qint64 size : shape) {
    if (size <= 0) return 0;
    n = n > std::numeric_limits<qint64>::max() / size ? std::numeric_limits<qint64>::max() : n * size;
  }
  return n;
}

QString TensorSnapshot::unavailableReason() const {
  if (hasValues()) return {};
  if (values != nullptr)
    return tr("does not match its shape (%1 values for %2 elements)").arg(values->size()).arg(numel());
  if (!missingReason.isEmpty()) return missingReason;
  return tr("not recorded");
}

TensorStatsRow computeStatsRow(const TensorValues& values) {
  TensorStatsRow row;
  row.computed = true;
  values.visit([&row](const auto& data) {
    row.numel = static_cast<qint64>(data.size());
    double pivot = 0.0;
    bool pivotSet = false;
    double sum = 0.0, squares = 0.0, shiftedSquares = 0.0;
    double min = std::numeric_limits<double>::infinity(), max = -min;
    for (const auto raw : data) {
      const double x = static_cast<double>(raw);
      if (x == 0.0) ++row.zeros;
      if (std::isnan(x)) {
        ++row.nans;
        continue;
      }
      if (std::isinf(x)) {
        ++row.infs;
        continue;
      }
      if (!pivotSet) {
        pivot = x;
        pivotSet = true;
      }
      ++row.finite;
      min = std::min(min, x);
      max = std::max(max, x);
      const double shifted = x - pivot;
      sum += shifted;
      shiftedSquares += shifted * shifted;
      squares += x * x;
    }
    if (row.finite > 0) {
      const double count = static_cast<double>(row.finite);
      const double shiftedMean = sum / count;
      row.min = min;
      row.max = max;
      row.mean = pivot + shiftedMean;
      row.std = std::sqrt(std::max(0.0, shiftedSquares / count - shiftedMean * shiftedMean));
      row.norm = std::sqrt(squares);
    }
  });
  return row;
}

std::optional<TensorSnapshot> differenceOf(const TensorSnapshot& a, const TensorSnapshot& b, QString* error) {
  const auto fail = [error](const QString& message) -> std::optional<TensorSnapshot> {
    if (error != nullptr) *error = message;
    return std::nullopt;
  };
  if (a.shape != b.shape)
    return fail(tr("the shapes differ: %1 before, %2 after").arg(shapeText(a.shape), shapeText(b.shape)));
  if (!a.hasValues()) return fail(tr("the value before is %1").arg(a.unavailableReason()));
  if (!b.hasValues()) return fail(tr("the value after is %1").arg(b.unavailableReason()));
  TensorSnapshot d;
  d.title = b.title;
  d.shape = b.shape;
  d.strides = contiguousStrides(b.shape);
  d.device = b.device;
  d.tensorId = b.tensorId;
  switch (promotedType(a.values->type(), b.values->type())) {
    case TensorValues::Type::Float64: d.values = TensorValues::fromFloat64(difference<double>(*a.values, *b.values)); break;
    case TensorValues::Type::Float32: d.values = TensorValues::fromFloat32(difference<float>(*a.values, *b.values)); break;
    default: d.values = TensorValues::fromInt64(difference<std::int64_t>(*a.values, *b.values)); break;
  }
  d.dtype = d.values->dtype();
  d.stats = computeStatsRow(*d.values);
  if (error != nullptr) error->clear();
  return d;
}

QString shapeText(const QVector<qint64>& shape) {
  QStringList sizes;
  for (qint64 size : shape) sizes << QString::number(size);
  return QLatin1Char('[') + sizes.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QVector<qint64> contiguousStrides(const QVector<qint64>& shape) {
  QVector<qint64> strides(shape.size());
  qint64 stride = 1;
  for (qsizetype d = shape.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= std::max<qint64>(shape[d], 1);
  }
  return strides;
}

QString formatFloat(double value, TensorValues::Type type, bool fullPrecision) {
  if (std::isnan(value)) return QStringLiteral("nan");
  if (std::isinf(value)) return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
  if (!fullPrecision) return QString::number(value, 'g', 6);
  // Shortest round-trip text of the value in its own type: 0.1f is "0.1", not the
  // 0.100000001490116 its double conversion would print.
  char buffer[64];
  const auto result = type == TensorValues::Type::Float32
                          ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value))
                          : std::to_chars(buffer, buffer + sizeof buffer, value);
  return QString::fromLatin1(buffer, result.ptr - buffer);
}

QString formatTensorValue(const TensorValues& values, qint64 flat, bool fullPrecision) {
  switch (values.type()) {
    case TensorValues::Type::Int64: return QString::number(values.integerAt(flat));
    case TensorValues::Type::Bool: return values.integerAt(flat) != 0 ? QStringLiteral("true") : QStringLiteral("false");
    default: return formatFloat(values.at(flat), values.type(), fullPrecision);
  }
}

}  // namespace td::widgets
