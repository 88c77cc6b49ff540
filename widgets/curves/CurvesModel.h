#pragma once
// Training curves' data, without drawing (STYLE.md 8): runs of named series of (step,
// value) points, kept raw as appended; what a plot shows (the points sorted by step, with
// an exponential moving average as TensorBoard's) is computed from them, and the CSV
// export writes the raw points. CurvesView draws a model on QCustomPlot.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <QVector>

namespace td::widgets {

class CurvesModel : public QObject {
  Q_OBJECT

 public:
  struct Series {
    int run = 0;  ///< 1, 2, ...: the run it belongs to
    QString runLabel;
    QString name;
    QVector<double> steps;  ///< raw, in the order appended
    QVector<double> values;
  };

  explicit CurvesModel(QObject* parent = nullptr);

  /// Starts a run: later points go to fresh series; earlier runs stay until cleared.
  void startRun(const QString& label);
  /// Appends points to `name` in the current run (starting one if none); returns the
  /// series' index. Steps and values pair up (the shorter list decides how many).
  int append(const QString& name, const QVector<double>& steps, const QVector<double>& values);
  /// Removes every run.
  void clear();

  int runCount() const { return m_runs; }
  int seriesCount() const { return static_cast<int>(m_series.size()); }
  const Series& series(int index) const { return m_series[index]; }
  /// Whether series `index` belongs to the current run.
  bool isCurrent(int index) const { return m_series[index].run == m_runs; }
  /// The index of `name` in the current run; -1 when it has none.
  int currentSeries(const QString& name) const;
  /// Points of `name` in the current run (0 when it has none).
  int pointCount(const QString& name) const;

  /// Smoothing weight in [0, 0.99]: each shown value is weight × the previous shown value
  /// + (1 − weight) × the point (debiased at the start; a non-finite point is shown as it
  /// is). 0 shows the points as they are.
  void setSmoothing(double weight);
  double smoothing() const { return m_smoothing; }
  /// Series `index` as drawn: its points sorted by step (stable), smoothed.
  void shown(int index, QVector<double>* steps, QVector<double>* values) const;
  /// The value shown for `name`'s `index`-th point by step in the current run (NaN: none).
  double shownValue(const QString& name, int index) const;

  /// Every run's raw points: `run,series,step,value`, numbers with a '.' whatever the
  /// locale, round-trip precision; a label with a comma or quote is quoted.
  QByteArray csv() const;
  /// csv() written atomically to `path`; false, with `error` naming the file and the
  /// reason, when it cannot be written.
  bool exportCsv(const QString& path, QString* error) const;

 signals:
  void runStarted();
  void seriesAdded(int index);
  /// Raw points [first, end) of series `index` are new.
  void pointsAppended(int index, int first);
  void smoothingChanged();
  void cleared();

 private:
  QVector<Series> m_series;
  QString m_runLabel;
  int m_runs = 0;
  double m_smoothing = 0.0;
};

}  // namespace td::widgets
