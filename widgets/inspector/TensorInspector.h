#pragma once
// The tensor inspector: one tensor (and optionally its gradient, side by side) from a
// plain TensorSnapshot. Header lines: the title; shape, dtype, device, strides and id;
// "made by matmul at train.py:25" with the place as a link (sourceRequested); the
// statistics ("min … max … mean … std … norm … zeros … NaN … Inf"). Dimension pickers
// choose the 2-D slice the Table and Heatmap tabs show; Images (4-D tensors only) and
// Histogram show the whole tensor. Tabs other than the table are computed when first
// shown after a change, so opening a large tensor costs only what is visible. Without
// values, each view says why and the statistics stay. Handles any shape: 0-d, 0-sized,
// 5-D, int64, bool, all-NaN.
#include <QWidget>
#include <array>
#include <optional>

#include "inspector/TensorSnapshot.h"

class QLabel;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace td::widgets {

class TensorHeatmap;
class TensorHistogram;
class TensorImageGrid;
class TensorSliceControls;
class TensorSliceModel;
struct SliceSelection;

class TensorInspector : public QWidget {
  Q_OBJECT

 public:
  enum Tab { TableTab, HeatmapTab, ImagesTab, HistogramTab, TabCount };
  enum Side { ValueSide, GradientSide };

  explicit TensorInspector(QWidget* parent = nullptr);
  ~TensorInspector() override;

  /// Shows `value`, and `gradient` beside it (same slice) when given. Keeps the current
  /// tab (Images falls back to Table for a tensor that is not 4-D) and the slice when the
  /// rank is unchanged.
  void setTensor(TensorSnapshot value, std::optional<TensorSnapshot> gradient = {});
  /// Shows after - before (differenceOf) with a summary line: the largest |difference|
  /// and how many elements changed. When the two cannot be subtracted, says why.
  void setDifference(TensorSnapshot before, TensorSnapshot after);
  /// Shows nothing.
  void clear();

  /// What is shown (a difference is shown as a value); no tensor: a default snapshot.
  const TensorSnapshot& value() const { return m_value; }
  const std::optional<TensorSnapshot>& gradient() const { return m_gradient; }

  /// The header lines as plain text (the origin line without its link markup).
  QString titleText() const;
  QString propertiesText() const;
  QString originText() const;
  QString statisticsText() const;
  /// The difference summary; empty unless a difference is shown.
  QString differenceText() const;
  /// What the value's views show in place of the values; empty when they are there.
  QString unavailableText() const;

  /// The slice shared by the table and the heatmap, and setting it (made valid).
  const SliceSelection& selection() const;
  void setSelection(const SliceSelection& selection);

  QTabWidget* tabs() const { return m_tabs; }
  /// Whether `tab` is offered for the current tensor (Images only for 4-D).
  bool isTabAvailable(Tab tab) const;
  void setCurrentTab(Tab tab);
  Tab currentTab() const;

  TensorSliceModel* model(Side side) const { return m_models[side]; }
  QTableView* table(Side side) const { return m_tables[side]; }
  TensorHeatmap* heatmap(Side side) const { return m_heatmaps[side]; }
  TensorImageGrid* images(Side side) const { return m_images[side]; }
  TensorHistogram* histogram(Side side) const { return m_histograms[side]; }
  TensorSliceControls* sliceControls() const { return m_controls; }

 signals:
  /// The user clicked the place that made the tensor.
  void sourceRequested(const QString& file, int line);

 private:
  /// One side of a tab: a caption over the view, or the reason there are no values.
  struct Pane {
    QWidget* widget = nullptr;
    QLabel* caption = nullptr;
    QStackedWidget* stack = nullptr;
    QLabel* reason = nullptr;
  };
  Pane makePane(QWidget* content, const QString& caption);
  QWidget* makeSideBySide(Tab tab, QWidget* value, QWidget* gradient);
  void display(TensorSnapshot value, std::optional<TensorSnapshot> gradient, bool isDifference,
               const QString& differenceSummary);
  void applySelection(const SliceSelection& selection);
  /// Brings the current tab up to date if its views are stale.
  void refreshCurrentTab();
  void updateHeader();
  /// The snapshot shown on `side`; null when there is none.
  const TensorSnapshot* snapshot(Side side) const;
  /// What `side`'s views say in place of the values.
  QString reasonText(Side side) const;

  TensorSnapshot m_value;
  std::optional<TensorSnapshot> m_gradient;
  bool m_hasTensor = false;
  bool m_isDifference = false;
  QString m_difference;

  QLabel* m_title;
  QLabel* m_properties;
  QLabel* m_origin;
  QLabel* m_statistics;
  QLabel* m_differenceLabel;
  TensorSliceControls* m_controls;
  QTabWidget* m_tabs;
  std::array<TensorSliceModel*, 2> m_models{};
  std::array<QTableView*, 2> m_tables{};
  std::array<TensorHeatmap*, 2> m_heatmaps{};
  std::array<TensorImageGrid*, 2> m_images{};
  std::array<TensorHistogram*, 2> m_histograms{};
  std::array<std::array<Pane, 2>, TabCount> m_panes{};
  /// Per tab: its views show an older tensor (Images and Histogram are filled lazily).
  std::array<bool, TabCount> m_stale{};
};

}  // namespace td::widgets
