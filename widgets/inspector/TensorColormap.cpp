#include "inspector/TensorColormap.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace td::widgets {
namespace {

/// Linear interpolation between evenly spaced colour stops.
QRgb interpolate(std::initializer_list<QColor> stops, double t) {
  const int last = static_cast<int>(stops.size()) - 1;
  const double x = std::clamp(t, 0.0, 1.0) * last;
  const int i = std::min(static_cast<int>(x), last - 1);
  const double f = x - i;
  const QColor& a = *(stops.begin() + i);
  const QColor& b = *(stops.begin() + i + 1);
  const auto mix = [f](int p, int q) { return static_cast<int>(std::lround(p + (q - p) * f)); };
  return qRgb(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()));
}

}  // namespace

TensorColormap::TensorColormap(Kind kind, double min, double max) : m_kind(kind), m_min(min), m_max(max) {
  for (int i = 0; i < int(m_table.size()); ++i) {
    const double t = i / 256.0;
    switch (m_kind) {
      case Kind::Diverging:
        m_table[i] = interpolate({blueEnd(), QColor(146, 197, 222), QColor(255, 255, 255), QColor(244, 165, 130),
                                  redEnd()},
                                 t);
        break;
      case Kind::Sequential:
        m_table[i] = interpolate({QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                  QColor(94, 201, 98), QColor(253, 231, 37)},
                                 t);
        break;
      case Kind::Grey: {
        const int grey = static_cast<int>(std::lround(t * 255.0));
        m_table[i] = qRgb(grey, grey, grey);
        break;
      }
    }
  }
}

TensorColormap TensorColormap::forRange(double min, double max, Kind otherwise) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max) min = max = 0.0;
  if (min < 0.0 && max > 0.0) return TensorColormap(Kind::Diverging, min, max);
  return TensorColormap(otherwise == Kind::Diverging ? Kind::Sequential : otherwise, min, max);
}

double TensorColormap::position(double value) const {
  if (m_kind == Kind::Diverging)  // two slopes: each sign has half the map
    return value <= 0.0 ? 0.5 * (value - m_min) / -m_min : 0.5 + 0.5 * value / m_max;
  if (m_max <= m_min) return 0.5;
  return (value - m_min) / (m_max - m_min);
}

QRgb TensorColormap::colour(double value) const {
  if (std::isnan(value)) return nanColour().rgb();
  if (std::isinf(value)) return infColour().rgb();
  return colourAt(position(value));
}

QRgb TensorColormap::colourAt(double t) const {
  const int i = static_cast<int>(std::lround(std::clamp(t, 0.0, 1.0) * 256.0));
  return m_table[static_cast<std::size_t>(i)];
}

double TensorColormap::valueAt(double t) const {
  t = std::clamp(t, 0.0, 1.0);
  if (m_kind == Kind::Diverging) return t <= 0.5 ? m_min + (t / 0.5) * -m_min : (t - 0.5) / 0.5 * m_max;
  return m_min + t * (m_max - m_min);
}

}  // namespace td::widgets
