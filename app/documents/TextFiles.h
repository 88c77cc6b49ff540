#pragma once
// Reading and saving the text of a document. Both refuse with an error that names the
// file and the problem in words; a failed save never damages the file already on disk.
#include <QString>

#include <optional>

namespace td::app {

/// The outcome of a save: ok, or an error such as "cannot save /x/y.py: the folder
/// /x is read-only".
struct SaveResult {
  bool ok = false;
  QString error;
};

/// Files larger than this are refused by readTextFile (an editor is the wrong tool).
inline constexpr qint64 maxTextFileBytes = 20 * 1024 * 1024;

/// Writes `text` as UTF-8 (no byte order mark) to `path` through a temporary file that
/// replaces the old one only once fully written, so on any failure (missing or
/// read-only folder, full disk, `path` is a folder) the old file is left as it was.
/// A symbolic link is followed: its target is replaced, the link kept.
SaveResult saveTextAtomically(const QString& path, const QString& text);

/// The UTF-8 text of `path` (a leading byte order mark dropped, line endings kept), or
/// nullopt with `*error` (when `error` is not null) naming the file and the reason:
/// missing, a folder or other non-regular file, unreadable, larger than
/// maxTextFileBytes, binary (contains NUL bytes), or not valid UTF-8 (with the line).
std::optional<QString> readTextFile(const QString& path, QString* error);

}  // namespace td::app
