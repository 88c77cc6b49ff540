#include "curves/CurvesModel.h"

#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace td::widgets {
namespace {

/// A number as CSV wants it: '.' as the decimal point, round-trip precision.
QString csvNumber(double value) { return QString::number(value, 'g', 17); }

QString csvText(QString text) {
  if (text.contains(',') || text.contains('"') || text.contains('\n')) text = '"' + text.replace('"', "\"\"") + '"';
  return text;
}

}  // namespace

CurvesModel::CurvesModel(QObject* parent) : QObject(parent) {}

void CurvesModel::startRun(const QString& label) {
  m_runLabel = label;
  ++m_runs;
  emit runStarted();
}

int CurvesModel::currentSeries(const QString& name) const {
  for (int i = seriesCount() - 1; i >= 0 && m_series[i].run == m_runs; --i)
    if (m_series[i].name == name) return i;
  return -1;
}

int CurvesModel::append(const QString& name, const QVector<double>& steps, const QVector<double>& values) {
  const qsizetype n = std::min(steps.size(), values.size());
  int index = currentSeries(name);
  if (n == 0) return index;
  if (index < 0) {
    if (m_runs == 0) m_runs = 1;  // points before any run: the first run
    m_series.push_back(Series{m_runs, m_runLabel, name, {}, {}});
    index = seriesCount() - 1;
    emit seriesAdded(index);
  }
  Series& s = m_series[index];
  const int first = static_cast<int>(s.steps.size());
  s.steps += steps.first(n);
  s.values += values.first(n);
  emit pointsAppended(index, first);
  return index;
}

void CurvesModel::clear() {
  m_series.clear();
  m_runs = 0;
  emit cleared();
}

int CurvesModel::pointCount(const QString& name) const {
  const int index = currentSeries(name);
  return index < 0 ? 0 : static_cast<int>(m_series[index].steps.size());
}

void CurvesModel::setSmoothing(double weight) {
  const double clamped = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.99);
  if (clamped == m_smoothing) return;
  m_smoothing = clamped;
  emit smoothingChanged();
}

void CurvesModel::shown(int index, QVector<double>* steps, QVector<double>* values) const {
  const Series& raw = m_series[index];
  QVector<int> order(raw.steps.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return raw.steps[a] < raw.steps[b]; });
  steps->clear();
  values->clear();
  steps->reserve(order.size());
  values->reserve(order.size());
  double average = 0.0, weight = 0.0;
  for (int i : order) {
    const double value = raw.values[i];
    steps->push_back(raw.steps[i]);
    if (m_smoothing <= 0.0 || !std::isfinite(value)) {
      values->push_back(value);
      continue;
    }
    average = m_smoothing * average + (1.0 - m_smoothing) * value;
    weight = m_smoothing * weight + (1.0 - m_smoothing);
    values->push_back(average / weight);  // debiased: the first points are not pulled to 0
  }
}

double CurvesModel::shownValue(const QString& name, int index) const {
  const int s = currentSeries(name);
  if (s < 0 || index < 0 || index >= m_series[s].steps.size()) return NAN;
  QVector<double> steps, values;
  shown(s, &steps, &values);
  return values[index];
}

QByteArray CurvesModel::csv() const {
  QByteArray out = "run,series,step,value\n";
  for (const Series& s : m_series)
    for (qsizetype i = 0; i < s.steps.size(); ++i)
      out += (csvText(s.runLabel) + ',' + csvText(s.name) + ',' + csvNumber(s.steps[i]) + ',' +
              csvNumber(s.values[i]) + '\n')
                 .toUtf8();
  return out;
}

bool CurvesModel::exportCsv(const QString& path, QString* error) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error != nullptr) *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  file.write(csv());
  if (!file.commit()) {
    if (error != nullptr) *error = tr("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace td::widgets
