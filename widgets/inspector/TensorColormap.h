#pragma once
// Value → colour for the heatmap and the image grid. Diverging blue-white-red when the
// values span 0, with two slopes (min → the blue end, 0 → white, max → the red end), so
// the sign of every cell reads at a glance; otherwise sequential (viridis-like, dark
// purple → yellow) or grey (black → white). NaN is magenta and ±Inf cyan in every map,
// colours no map produces for a finite value.
#include <QColor>
#include <QRgb>
#include <array>

namespace td::widgets {

class TensorColormap {
 public:
  enum class Kind { Diverging, Sequential, Grey };

  TensorColormap() : TensorColormap(Kind::Sequential, 0.0, 1.0) {}
  /// Diverging when min < 0 < max, else `otherwise` (Sequential or Grey).
  static TensorColormap forRange(double min, double max, Kind otherwise = Kind::Sequential);

  Kind kind() const { return m_kind; }
  double min() const { return m_min; }
  double max() const { return m_max; }
  /// The colour of `value`: clamped into [min, max]; NaN and ±Inf get their own. When
  /// min == max every finite value is the middle of the map.
  QRgb colour(double value) const;
  /// The colour at position t ∈ [0, 1] along the map (the colour bar: 0 is min).
  QRgb colourAt(double t) const;
  /// The value at position t ∈ [0, 1] of the colour bar (the inverse of the value → t map).
  double valueAt(double t) const;

  static QColor nanColour() { return QColor(255, 0, 255); }
  static QColor infColour() { return QColor(0, 255, 255); }
  /// The ends of the diverging map.
  static QColor blueEnd() { return QColor(33, 102, 172); }
  static QColor redEnd() { return QColor(178, 24, 43); }

 private:
  TensorColormap(Kind kind, double min, double max);
  double position(double value) const;

  Kind m_kind;
  double m_min, m_max;
  /// 257 entries, so that t = 0.5 (0 in a diverging map) is an entry: pure white.
  std::array<QRgb, 257> m_table{};
};

}  // namespace td::widgets
