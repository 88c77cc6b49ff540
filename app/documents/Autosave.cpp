#include "Autosave.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>
#include <optional>

namespace td::app {

namespace {

constexpr int formatVersion = 1;

// A lock file that is still unreadable this long after it was written was left half
// written by a crash; QLockFile alone would never call it stale (it cannot read a pid).
constexpr qint64 unreadableLockGraceMs = 10'000;

QString shown(const QString& path) { return QDir::toNativeSeparators(path); }

std::optional<AutosaveEntry> parseEntry(const QByteArray& bytes) {
  QJsonParseError parseError;
  const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
  if (parseError.error != QJsonParseError::NoError || !document.isObject())
    return std::nullopt;
  const QJsonObject object = document.object();
  const QJsonValue key = object.value(QLatin1String("key"));
  const QJsonValue path = object.value(QLatin1String("path"));
  const QJsonValue text = object.value(QLatin1String("text"));
  if (!key.isString() || key.toString().isEmpty() || !text.isString() ||
      !(path.isString() || path.isUndefined()))
    return std::nullopt;
  AutosaveEntry entry;
  entry.key = key.toString();
  entry.path = path.toString();
  entry.text = text.toString();
  entry.savedAt = QDateTime::fromString(object.value(QLatin1String("savedAt")).toString(),
                                        Qt::ISODateWithMs);
  return entry;
}

}  // namespace

QString Autosave::defaultDirectory() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
         QLatin1String("/autosave");
}

Autosave::Autosave(QString directory) : m_directory(std::move(directory)) {}

Autosave::~Autosave() = default;

QString Autosave::fileFor(const QString& key) const {
  // A hash: keys are paths or ids, with characters a file name cannot hold.
  const QByteArray hash = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1);
  return m_directory + QLatin1Char('/') + QString::fromLatin1(hash.toHex()) +
         QLatin1String(".json");
}

QString Autosave::lockPath() const { return m_directory + QLatin1String("/owner.lock"); }

bool Autosave::acquire() {
  if (ownsDirectory())
    return true;
  if (!QDir().mkpath(m_directory)) {
    m_lastError = QStringLiteral("cannot create the autosave folder %1").arg(shown(m_directory));
    return false;
  }
  m_lock = std::make_unique<QLockFile>(lockPath());
  // Age alone must not make a live owner's lock stale; a dead owner's lock still is.
  m_lock->setStaleLockTime(0);
  if (m_lock->tryLock(0))
    return true;

  if (m_lock->error() == QLockFile::LockFailedError) {
    qint64 pid = 0;
    QString host;
    QString application;
    if (m_lock->getLockInfo(&pid, &host, &application)) {
      m_lastError = QStringLiteral("the autosave folder %1 is in use by %2 (process %3 on %4)")
                        .arg(shown(m_directory), application, QString::number(pid), host);
      return false;
    }
    const QFileInfo lock(lockPath());
    if (lock.exists() &&
        lock.lastModified().msecsTo(QDateTime::currentDateTime()) > unreadableLockGraceMs) {
      m_lock->removeStaleLockFile();
      if (m_lock->tryLock(0))
        return true;
    }
    m_lastError = QStringLiteral("the autosave folder %1 is in use by another instance")
                      .arg(shown(m_directory));
    return false;
  }
  m_lastError = QStringLiteral("cannot write the owner lock %1 (%2)")
                    .arg(shown(lockPath()),
                         m_lock->error() == QLockFile::PermissionError
                             ? QStringLiteral("permission denied")
                             : QStringLiteral("unknown error"));
  return false;
}

bool Autosave::ownsDirectory() const { return m_lock && m_lock->isLocked(); }

void Autosave::release() { m_lock.reset(); }

bool Autosave::store(const AutosaveEntry& entry) {
  Q_ASSERT(!entry.key.isEmpty());
  if (entry.key.isEmpty()) {
    m_lastError = QStringLiteral("cannot keep an autosave copy of %1: the buffer has no key")
                      .arg(entry.path.isEmpty() ? QStringLiteral("an untitled buffer") : shown(entry.path));
    return false;
  }
  const QString fileName = fileFor(entry.key);
  const auto fail = [&](const QString& reason) {
    m_lastError = QStringLiteral("cannot keep an autosave copy of %1 in %2: %3")
                      .arg(entry.path.isEmpty() ? entry.key : shown(entry.path),
                           shown(fileName), reason);
    return false;
  };
  if (!QDir().mkpath(m_directory))
    return fail(QStringLiteral("the folder cannot be created"));

  const QDateTime savedAt =
      entry.savedAt.isValid() ? entry.savedAt : QDateTime::currentDateTimeUtc();
  QJsonObject object;
  object.insert(QLatin1String("version"), formatVersion);
  object.insert(QLatin1String("key"), entry.key);
  object.insert(QLatin1String("path"), entry.path);
  object.insert(QLatin1String("text"), entry.text);
  object.insert(QLatin1String("savedAt"), savedAt.toUTC().toString(Qt::ISODateWithMs));
  const QByteArray bytes = QJsonDocument(object).toJson(QJsonDocument::Compact);

  QSaveFile file(fileName);
  if (!file.open(QIODevice::WriteOnly))
    return fail(file.errorString());
  if (file.write(bytes) != bytes.size()) {
    const QString reason = file.errorString();
    file.cancelWriting();
    return fail(reason);
  }
  if (!file.commit())
    return fail(file.errorString());
  // The buffer may hold secrets (keys, tokens): readable by its owner only.
  QFile::setPermissions(fileName, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  return true;
}

void Autosave::discard(const QString& key) { QFile::remove(fileFor(key)); }

QList<AutosaveEntry> Autosave::entries() const {
  QList<AutosaveEntry> found;
  const QFileInfoList files =
      QDir(m_directory).entryInfoList({QStringLiteral("*.json")}, QDir::Files);
  for (const QFileInfo& info : files) {
    QFile file(info.absoluteFilePath());
    if (!file.open(QIODevice::ReadOnly))
      continue;
    std::optional<AutosaveEntry> entry = parseEntry(file.readAll());
    // A file not named after its key could never be discarded: skip it as foreign.
    if (!entry || QFileInfo(fileFor(entry->key)).fileName() != info.fileName())
      continue;
    if (!entry->savedAt.isValid())
      entry->savedAt = info.lastModified().toUTC();
    found.append(std::move(*entry));
  }
  std::stable_sort(found.begin(), found.end(), [](const AutosaveEntry& a, const AutosaveEntry& b) {
    if (a.savedAt != b.savedAt)
      return a.savedAt > b.savedAt;
    return a.key < b.key;
  });
  return found;
}

}  // namespace td::app
