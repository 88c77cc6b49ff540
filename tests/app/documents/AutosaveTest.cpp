// Autosaved buffers and folder ownership (app/documents/Autosave.cpp), on real folders.
#include "documents/Autosave.h"

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>

using namespace td::app;

namespace {

AutosaveEntry entryAt(const QString& key, const QString& path, const QString& text, int secondsAgo) {
  return AutosaveEntry{key, path, text, QDateTime::currentDateTimeUtc().addSecs(-secondsAgo)};
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
  QCOMPARE(file.write(bytes), bytes.size());
}

QStringList keysOf(const QList<AutosaveEntry>& entries) {
  QStringList keys;
  for (const AutosaveEntry& entry : entries)
    keys.append(entry.key);
  return keys;
}

// A process id that no running process has.
qint64 deadProcessId() {
  for (qint64 pid = 4000000; pid > 1000; --pid) {
    if (::kill(pid_t(pid), 0) == -1 && errno == ESRCH)
      return pid;
  }
  return 0;
}

}  // namespace

class AutosaveTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void defaultDirectoryIsUnderAppData() {
    const Autosave autosave;
    QCOMPARE(autosave.directory(),
             QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave");
  }

  void storeEntriesDiscardRoundTrip() {
    QTemporaryDir dir;
    Autosave autosave(dir.filePath(QStringLiteral("autosave")));  // created on demand
    const QString text = QStringLiteral("x = '\u00e9\U0001F600'\n\"quoted\" \\ and \0 nul\n");
    const AutosaveEntry stored = entryAt("/home/a/model.py", "/home/a/model.py", text, 5);
    QVERIFY2(autosave.store(stored), qPrintable(autosave.lastError()));

    const QList<AutosaveEntry> entries = autosave.entries();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].key, stored.key);
    QCOMPARE(entries[0].path, stored.path);
    QCOMPARE(entries[0].text, text);
    QCOMPARE(entries[0].savedAt, stored.savedAt);

    autosave.discard(stored.key);
    QVERIFY(autosave.entries().isEmpty());
    autosave.discard(stored.key);  // discarding twice is harmless
  }

  void anotherInstanceSeesTheEntries() {
    QTemporaryDir dir;
    QVERIFY(Autosave(dir.path()).store(entryAt("untitled-1", QString(), "draft", 0)));
    const QList<AutosaveEntry> entries = Autosave(dir.path()).entries();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].key, QStringLiteral("untitled-1"));
    QVERIFY(entries[0].path.isEmpty());
    QCOMPARE(entries[0].text, QStringLiteral("draft"));
  }

  void storeReplacesTheEntryOfTheSameKey() {
    QTemporaryDir dir;
    Autosave autosave(dir.path());
    QVERIFY(autosave.store(entryAt("k", "/a.py", "first", 10)));
    QVERIFY(autosave.store(AutosaveEntry{"k", "/a.py", "second", {}}));  // savedAt: now
    const QList<AutosaveEntry> entries = autosave.entries();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].text, QStringLiteral("second"));
    QVERIFY(qAbs(entries[0].savedAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);
  }

  void entriesAreNewestFirst() {
    QTemporaryDir dir;
    Autosave autosave(dir.path());
    QVERIFY(autosave.store(entryAt("middle", "", "m", 20)));
    QVERIFY(autosave.store(entryAt("newest", "", "n", 1)));
    QVERIFY(autosave.store(entryAt("oldest", "", "o", 300)));
    QCOMPARE(keysOf(autosave.entries()), (QStringList{"newest", "middle", "oldest"}));
  }

  void corruptFilesAreSkipped() {
    QTemporaryDir dir;
    Autosave autosave(dir.path());
    QVERIFY(autosave.store(entryAt("good", "/good.py", "fine", 0)));
    writeBytes(dir.filePath("truncated.json"), "{\"key\": \"bad\", \"text\": \"unfinished");
    writeBytes(dir.filePath("array.json"), "[1, 2, 3]");
    writeBytes(dir.filePath("no-text.json"), "{\"key\": \"no-text\", \"path\": \"\"}");
    writeBytes(dir.filePath("binary.json"), QByteArray("\x00\xFF\x13\x37", 4));
    writeBytes(dir.filePath("empty.json"), {});
    // Well formed, but not named after its key: discard() could never remove it.
    writeBytes(dir.filePath("foreign.json"), "{\"key\": \"foreign\", \"path\": \"\", \"text\": \"t\"}");
    QVERIFY(QDir().mkpath(dir.filePath("folder.json")));
    QCOMPARE(keysOf(autosave.entries()), QStringList{"good"});
  }

  void aMissingFolderHasNoEntries() {
    QTemporaryDir dir;
    QVERIFY(Autosave(dir.filePath("never-created")).entries().isEmpty());
  }

  void storeFailsWithAnErrorWhenTheFolderCannotBeMade() {
    QTemporaryDir dir;
    writeBytes(dir.filePath("file"), "x");
    Autosave autosave(dir.filePath("file/autosave"));
    QVERIFY(!autosave.store(entryAt("k", "/work/model.py", "text", 0)));
    QVERIFY2(autosave.lastError().contains("/work/model.py"), qPrintable(autosave.lastError()));
    QVERIFY(!autosave.acquire());
    QVERIFY2(autosave.lastError().contains(dir.filePath("file/autosave")), qPrintable(autosave.lastError()));
  }

  void aLiveOwnerKeepsTheFolder() {
    QTemporaryDir dir;
    Autosave first(dir.path());
    QVERIFY2(first.acquire(), qPrintable(first.lastError()));
    QVERIFY(first.ownsDirectory());
    QVERIFY(first.acquire());  // idempotent

    {
      Autosave second(dir.path());
      QVERIFY(!second.acquire());
      QVERIFY(!second.ownsDirectory());
      QVERIFY2(second.lastError().contains(dir.path()), qPrintable(second.lastError()));
      // Without the lock it still stores, discards and lists.
      QVERIFY(second.store(entryAt("second-buffer", "", "typed", 0)));
      QCOMPARE(keysOf(second.entries()), QStringList{"second-buffer"});
    }
    QVERIFY(first.ownsDirectory());  // the loser did not remove the owner's lock

    first.release();
    QVERIFY(!first.ownsDirectory());
    Autosave third(dir.path());
    QVERIFY(third.acquire());
    QCOMPARE(keysOf(third.entries()), QStringList{"second-buffer"});  // kept on disk
  }

  void destructionReleasesTheFolder() {
    QTemporaryDir dir;
    { Autosave first(dir.path()); QVERIFY(first.acquire()); }
    QVERIFY(Autosave(dir.path()).acquire());
  }

  void aDeadOwnersLockIsTakenOver() {
    QTemporaryDir dir;
    const QString lockPath = dir.filePath("owner.lock");
    // A lock exactly as QLockFile writes it, but naming a process that is gone.
    QByteArray contents;
    {
      QLockFile real(lockPath);
      QVERIFY(real.tryLock(0));
      QFile file(lockPath);
      QVERIFY(file.open(QIODevice::ReadOnly));
      contents = file.readAll();
    }
    const qint64 dead = deadProcessId();
    QVERIFY(dead > 0);
    contents.replace(0, contents.indexOf('\n'), QByteArray::number(dead));
    writeBytes(lockPath, contents);

    Autosave autosave(dir.path());
    QVERIFY2(autosave.acquire(), qPrintable(autosave.lastError()));
  }

  void aLongUnreadableLockIsTakenOver() {
    QTemporaryDir dir;
    const QString lockPath = dir.filePath("owner.lock");
    writeBytes(lockPath, {});  // a crash between creating and writing the lock
    QFile lock(lockPath);
    QVERIFY(lock.open(QIODevice::ReadWrite));
    QVERIFY(lock.setFileTime(QDateTime::currentDateTime().addSecs(-60), QFileDevice::FileModificationTime));
    lock.close();
    QVERIFY(Autosave(dir.path()).acquire());
  }
};

QTEST_MAIN(AutosaveTest)
#include "AutosaveTest.moc"
