#pragma once
// Unsaved buffers kept on disk so that a crash, a kill or a power cut loses at most the
// typing since the last store(). One JSON file per buffer, written atomically.
//
// Ownership between IDE instances running at the same time (one folder for all):
//   - acquire() takes <directory>/owner.lock, a QLockFile that records this process's
//     id, and holds it until release() or destruction. A lock whose process is gone
//     (crash, kill, reboot) is stale and is taken over; a live owner's lock never
//     expires, however old.
//   - Only an instance whose acquire() returned true may offer entries() for recovery:
//     in any other instance they may be the live owner's open buffers.
//   - Every instance may store() and discard() its own buffers, so keys must differ
//     between instances: the file's path, or a unique id for an untitled buffer.
// Known limit: buffers of a second instance that is still running are offered by the
// next instance to own the folder once the first owner has exited.
#include <QDateTime>
#include <QList>
#include <QString>

#include <memory>

class QLockFile;

namespace td::app {

/// One unsaved buffer.
struct AutosaveEntry {
  QString key;        // identifies the buffer, unique across running instances
  QString path;       // the file the buffer edits; empty for an untitled buffer
  QString text;       // the buffer's whole text
  QDateTime savedAt;  // when stored (UTC); store() sets it to now when invalid
};

class Autosave {
 public:
  /// <AppDataLocation>/autosave.
  static QString defaultDirectory();

  /// Autosaves in `directory`, which is created on the first store() or acquire().
  explicit Autosave(QString directory = defaultDirectory());
  /// Releases the owner lock if held; the stored entries stay on disk.
  ~Autosave();
  Autosave(const Autosave&) = delete;
  Autosave& operator=(const Autosave&) = delete;

  QString directory() const { return m_directory; }

  /// Takes the folder's owner lock (or keeps it, if already held); true when this
  /// instance owns the folder and may offer entries() for recovery.
  bool acquire();
  /// Whether this instance holds the owner lock.
  bool ownsDirectory() const;
  /// Gives the owner lock up (on clean exit, after discarding this instance's entries).
  void release();

  /// Writes `entry` under its key, replacing an older copy; the old copy stays when
  /// writing fails (then false, with lastError() naming the file and the reason).
  /// Precondition: `entry.key` is not empty (asserted; in release, false).
  bool store(const AutosaveEntry& entry);
  /// Removes the entry stored under `key`, if any: after a save, after the user chose to
  /// discard the buffer, on clean exit.
  void discard(const QString& key);
  /// Every readable entry, newest first; corrupt or foreign files are skipped. Works
  /// whether or not this instance owns the folder.
  QList<AutosaveEntry> entries() const;

  /// The reason the last failed store() or acquire() failed, in words.
  QString lastError() const { return m_lastError; }

 private:
  QString fileFor(const QString& key) const;
  QString lockPath() const;

  QString m_directory;
  std::unique_ptr<QLockFile> m_lock;
  QString m_lastError;
};

}  // namespace td::app
