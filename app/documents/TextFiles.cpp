#include "TextFiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStringDecoder>

namespace td::app {

namespace {

QString shown(const QString& path) { return QDir::toNativeSeparators(path); }

// Why the folder that should hold `folderPath` cannot, or an empty string when it is an
// existing folder: walks up to the nearest existing ancestor to name the real culprit.
QString folderProblem(const QString& folderPath) {
  QFileInfo folder(folderPath);
  if (folder.isDir())
    return {};
  QString nearest = folderPath;
  while (!QFileInfo::exists(nearest)) {
    const QString parent = QFileInfo(nearest).absolutePath();
    if (parent == nearest)
      return QStringLiteral("the folder %1 does not exist").arg(shown(folderPath));
    nearest = parent;
  }
  if (!QFileInfo(nearest).isDir())
    return QStringLiteral("%1 is a file, not a folder").arg(shown(nearest));
  return QStringLiteral("the folder %1 does not exist").arg(shown(folderPath));
}

// The 1-based line holding the first byte sequence that is not UTF-8. A newline byte
// never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one.
qsizetype firstInvalidUtf8Line(const QByteArray& bytes) {
  qsizetype line = 1;
  qsizetype start = 0;
  while (start <= bytes.size()) {
    qsizetype end = bytes.indexOf('\n', start);
    if (end < 0)
      end = bytes.size();
    QStringDecoder decoder(QStringConverter::Utf8, QStringConverter::Flag::Stateless);
    [[maybe_unused]] const QString decoded = decoder(QByteArrayView(bytes).sliced(start, end - start));
    if (decoder.hasError())
      return line;
    start = end + 1;
    ++line;
  }
  return line - 1;
}

}  // namespace

SaveResult saveTextAtomically(const QString& path, const QString& text) {
  const auto fail = [&](const QString& reason) {
    return SaveResult{false, QStringLiteral("cannot save %1: %2").arg(shown(path), reason)};
  };
  if (path.isEmpty())
    return SaveResult{false, QStringLiteral("cannot save: no file name was given")};

  const QFileInfo given(path);
  // QSaveFile replaces a link's target, so the target's folder is the one that matters.
  const QFileInfo target = given.isSymLink() ? QFileInfo(given.symLinkTarget()) : given;
  if (target.isDir())
    return fail(QStringLiteral("it is a folder, not a file"));
  if (const QString problem = folderProblem(target.absolutePath()); !problem.isEmpty())
    return fail(problem);

  const bool existed = target.exists();
  const QString keptNote = existed ? QStringLiteral("; the file on disk is unchanged") : QString();
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (existed && !target.isWritable())
      return fail(QStringLiteral("the file is read-only"));
    const QFileInfo folder(target.absolutePath());
    if (!folder.isWritable())
      return fail(QStringLiteral("the folder %1 is read-only").arg(shown(folder.absoluteFilePath())));
    return fail(QStringLiteral("could not create it (%1)").arg(file.errorString()) + keptNote);
  }
  const QByteArray bytes = text.toUtf8();
  if (file.write(bytes) != bytes.size()) {
    const QString reason = file.errorString();
    file.cancelWriting();
    return fail(QStringLiteral("could not write it (%1)").arg(reason) + keptNote);
  }
  // Buffered bytes reach the disk in commit(), so a full disk usually shows up here.
  if (!file.commit())
    return fail(QStringLiteral("could not write it (%1)").arg(file.errorString()) + keptNote);
  return SaveResult{true, {}};
}

std::optional<QString> readTextFile(const QString& path, QString* error) {
  const auto fail = [&](const QString& reason) -> std::optional<QString> {
    if (error)
      *error = QStringLiteral("cannot open %1: %2").arg(shown(path), reason);
    return std::nullopt;
  };
  if (path.isEmpty()) {
    if (error)
      *error = QStringLiteral("cannot open a file: no file name was given");
    return std::nullopt;
  }

  const QFileInfo info(path);
  if (!info.exists()) {
    if (info.isSymLink())
      return fail(QStringLiteral("it is a link to %1, which does not exist").arg(shown(info.symLinkTarget())));
    return fail(QStringLiteral("the file does not exist"));
  }
  if (info.isDir())
    return fail(QStringLiteral("it is a folder, not a file"));
  if (!info.isFile())
    return fail(QStringLiteral("it is not a regular file (a device, pipe or socket)"));
  const auto tooLarge = [&](qint64 size) {
    return fail(QStringLiteral("the file is %1 MB, more than the %2 MB the editor opens")
                    .arg(double(size) / (1024 * 1024), 0, 'f', 1)
                    .arg(maxTextFileBytes / (1024 * 1024)));
  };
  if (info.size() > maxTextFileBytes)
    return tooLarge(info.size());

  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (!info.isReadable())
      return fail(QStringLiteral("you do not have permission to read it"));
    return fail(QStringLiteral("could not read it (%1)").arg(file.errorString()));
  }
  // Read one byte past the limit: the file may have grown since it was measured.
  const QByteArray bytes = file.read(maxTextFileBytes + 1);
  if (file.error() != QFileDevice::NoError)
    return fail(QStringLiteral("could not read it (%1)").arg(file.errorString()));
  if (bytes.size() > maxTextFileBytes)
    return tooLarge(bytes.size());
  if (bytes.contains('\0'))
    return fail(QStringLiteral("it looks like a binary file (it contains NUL bytes); only UTF-8 "
                               "text can be opened"));

  // Stateless: a multi-byte sequence cut off at the end of the file is an error too.
  QStringDecoder decoder(QStringConverter::Utf8, QStringConverter::Flag::Stateless);
  QString text = decoder(bytes);
  if (decoder.hasError())
    return fail(QStringLiteral("it is not valid UTF-8 text (line %1 has bytes in another encoding)")
                    .arg(firstInvalidUtf8Line(bytes)));
  return text;
}

}  // namespace td::app
