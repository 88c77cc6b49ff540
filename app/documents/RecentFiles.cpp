#include "RecentFiles.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace td::app {

namespace {

const QString settingsKey = QStringLiteral("recentFiles");

// The canonical absolute form when the file exists, else the cleaned absolute path.
QString normalized(const QString& path) {
  const QFileInfo info(path);
  const QString canonical = info.canonicalFilePath();
  return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

}  // namespace

RecentFiles::RecentFiles(QSettings* settings) : m_settings(settings) {}

QStringList RecentFiles::stored() const {
  if (m_settings)
    return m_settings->value(settingsKey).toStringList();
  return QSettings().value(settingsKey).toStringList();
}

void RecentFiles::setStored(const QStringList& paths) {
  if (m_settings) {
    m_settings->setValue(settingsKey, paths);
    return;
  }
  QSettings().setValue(settingsKey, paths);
}

void RecentFiles::add(const QString& path) {
  if (path.isEmpty())
    return;
  const QString entry = normalized(path);
  QStringList paths = stored();
  paths.removeAll(entry);
  paths.prepend(entry);
  while (paths.size() > maxCount)
    paths.removeLast();
  setStored(paths);
}

void RecentFiles::remove(const QString& path) {
  if (path.isEmpty())
    return;
  QStringList paths = stored();
  paths.removeAll(normalized(path));
  paths.removeAll(QDir::cleanPath(QFileInfo(path).absoluteFilePath()));
  setStored(paths);
}

QStringList RecentFiles::list() const {
  QStringList existing;
  for (const QString& path : stored()) {
    if (QFileInfo(path).isFile())
      existing.append(path);
  }
  return existing;
}

void RecentFiles::clear() { setStored({}); }

}  // namespace td::app
