#pragma once
// The files most recently opened or saved, newest first, kept in QSettings under the
// key "recentFiles" so that they survive restarts.
#include <QString>
#include <QStringList>

class QSettings;

namespace td::app {

class RecentFiles {
 public:
  /// How many files are remembered; adding more drops the oldest.
  static constexpr int maxCount = 10;

  /// Over `settings` (not owned; must outlive this object), or over the application's
  /// default QSettings when null.
  explicit RecentFiles(QSettings* settings = nullptr);

  /// Moves `path` to the front, stored as its canonical absolute path (symbolic links
  /// resolved when the file exists), once, dropping the oldest beyond maxCount.
  /// An empty path is ignored.
  void add(const QString& path);
  /// Forgets `path` (given in any form that resolves to the stored one).
  void remove(const QString& path);
  /// The remembered files that exist now, newest first. Missing ones are skipped, not
  /// forgotten: a file on an unmounted drive comes back with the drive.
  QStringList list() const;
  /// Forgets every file.
  void clear();

 private:
  QStringList stored() const;
  void setStored(const QStringList& paths);

  QSettings* m_settings;
};

}  // namespace td::app
