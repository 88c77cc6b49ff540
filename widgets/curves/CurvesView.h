#pragma once
// Training curves on QCustomPlot, drawn from a CurvesModel (the points, runs, smoothing and
// CSV live there): one graph per series and run. A new run's graphs draw in colour;
// earlier runs stay, greyed, until cleared (runs overlaid). Smoothing and a logarithmic
// value axis are display settings. Appending is cheap; the caller coalesces to the
// display rate.
#include <QVector>
#include <QWidget>

#include "curves/CurvesModel.h"

class QCPGraph;
class QCheckBox;
class QCustomPlot;
class QSlider;

namespace td::widgets {

class CurvesView : public QWidget {
  Q_OBJECT

 public:
  explicit CurvesView(QWidget* parent = nullptr);

  /// Starts a run: its series get fresh graphs; the previous runs' turn grey.
  void startRun(const QString& label);
  /// Appends points to `series` of the current run (starting one if none) and redraws.
  void append(const QString& series, const QVector<double>& steps, const QVector<double>& values);
  /// Removes every run.
  void clear();
  /// Points of `series` in the current run (0 when it has none).
  int pointCount(const QString& series) const;
  /// Graphs drawn, all runs.
  int graphCount() const;
  /// The value drawn for `series`'s point `index` in the current run (smoothed or not).
  double shownValue(const QString& series, int index) const;

  /// Smoothing weight in [0, 0.99] (see CurvesModel::setSmoothing).
  void setSmoothing(double weight);
  double smoothing() const { return m_model->smoothing(); }
  /// A logarithmic value axis (points ≤ 0 are not drawn on it).
  void setLogScale(bool on);
  bool logScale() const;

  /// Every run's raw points as CSV (see CurvesModel::csv).
  bool exportCsv(const QString& path, QString* error) const { return m_model->exportCsv(path, error); }
  /// The plot as a PNG of its current size.
  bool exportPng(const QString& path, QString* error);
  /// The plot as SVG (vector), through Qt SVG.
  bool exportSvg(const QString& path, QString* error);
  /// The readout for a position in the plot's pixels: the nearest point of the nearest
  /// current-run graph ("loss (run): step 12, value 0.3471"); empty when there is none.
  QString readoutAt(const QPoint& position) const;
  QCustomPlot* plot() const { return m_plot; }
  CurvesModel* model() const { return m_model; }
  /// The "Gradient norms" check box: the app tracks per-parameter gradient norms while it
  /// is on and appends them as series "‖grad‖ name".
  QCheckBox* gradientNormsBox() const { return m_gradBox; }

 signals:
  void gradientNormsToggled(bool on);

 private:
  void onSeriesAdded(int index);
  void onPointsAppended(int index, int first);
  void onRunStarted();
  void onCleared();
  /// Redraws series `index`'s graph from the model's shown points.
  void redraw(int index);
  CurvesModel* m_model;
  QCustomPlot* m_plot;
  QCheckBox* m_logBox;
  QCheckBox* m_gradBox;
  QSlider* m_smoothingSlider;
  QVector<QCPGraph*> m_graphs;  ///< per series of the model
  int m_coloured = 0;           ///< graphs of the current run so far (each its own colour)
};

}  // namespace td::widgets
