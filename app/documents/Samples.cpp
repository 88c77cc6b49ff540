#include "Samples.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace td::app {

namespace {

// The first line of `path` without its line ending; empty when it cannot be read.
QString firstLine(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    return {};
  // A first line longer than this is no description anyway.
  QByteArray line = file.readLine(4096);
  if (line.startsWith("\xEF\xBB\xBF"))
    line.remove(0, 3);
  return QString::fromUtf8(line).trimmed();
}

}  // namespace

QList<Sample> listSamples(const QString& directory) {
  static const QRegularExpression header(QStringLiteral(R"(^#\s*([\w.-]+)\s*:\s*(.*\S)\s*$)"));
  QList<Sample> samples;
  if (directory.isEmpty())
    return samples;
  const QFileInfoList files =
      QDir(directory).entryInfoList({QStringLiteral("*.py")}, QDir::Files);
  for (const QFileInfo& info : files) {
    Sample sample;
    sample.path = info.absoluteFilePath();
    sample.name = info.completeBaseName();
    if (const QRegularExpressionMatch match = header.match(firstLine(sample.path)); match.hasMatch()) {
      sample.name = match.captured(1);
      sample.description = match.captured(2);
    }
    samples.append(sample);
  }
  std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
    const int order = a.name.compare(b.name, Qt::CaseInsensitive);
    return order != 0 ? order < 0 : a.path < b.path;
  });
  return samples;
}

}  // namespace td::app
