// Reading and atomic saving of documents (app/documents/TextFiles.cpp), on real files.
#include "documents/TextFiles.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace td::app;

namespace {

QByteArray bytesOf(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
  QCOMPARE(file.write(bytes), bytes.size());
}

// Whether a file can still be created in `folder` (true for root whatever its mode).
bool canCreateIn(const QString& folder) {
  QFile probe(folder + QLatin1String("/probe"));
  if (!probe.open(QIODevice::WriteOnly))
    return false;
  probe.remove();
  return true;
}

constexpr auto fullAccess = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner;

}  // namespace

class TextFilesTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void saveWritesUtf8AndReplacesTheOldText() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.py"));
    writeBytes(path, "old text\n");
    const QString text = QStringLiteral("x = \u00e9\u2211 \U0001F600\r\ny = 2\n");
    const SaveResult result = saveTextAtomically(path, text);
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(result.error.isEmpty());
    QCOMPARE(bytesOf(path), text.toUtf8());
    // No temporary file is left beside it.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"model.py"});
  }

  void saveCreatesANewFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("new.py"));
    QVERIFY(saveTextAtomically(path, QStringLiteral("print(1)\n")).ok);
    QCOMPARE(bytesOf(path), QByteArray("print(1)\n"));
  }

  void saveKeepsPermissionsAndLinks() {
    QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("train.sh"));
    writeBytes(script, "old\n");
    QVERIFY(QFile::setPermissions(script, fullAccess));
    const QString link = dir.filePath(QStringLiteral("link.sh"));
    QVERIFY(QFile::link(script, link));
    QVERIFY(saveTextAtomically(link, QStringLiteral("new\n")).ok);
    QCOMPARE(QFileInfo(link).symLinkTarget(), script);
    QCOMPARE(bytesOf(script), QByteArray("new\n"));
    QCOMPARE(QFile::permissions(script) & (fullAccess | QFileDevice::ReadOther | QFileDevice::WriteOther), fullAccess);
  }

  void saveIntoAReadOnlyFolderKeepsTheOldFile() {
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("locked"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = folder + QLatin1String("/model.py");
    writeBytes(path, "old text\n");
    QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    const auto restore = qScopeGuard([&] { QFile::setPermissions(folder, fullAccess); });
    if (canCreateIn(folder))
      QSKIP("folder permissions do not stop writes here (running as root); "
            "saveThatCannotWriteKeepsTheOldFile and saveUnderARegularFileFails cover failed saves");

    const SaveResult result = saveTextAtomically(path, QStringLiteral("new text\n"));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QDir::toNativeSeparators(path)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("read-only")), qPrintable(result.error));
    QCOMPARE(bytesOf(path), QByteArray("old text\n"));
  }

  // A full disk, simulated with a file-size limit (which binds root too).
  void saveThatCannotWriteKeepsTheOldFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.py"));
    writeBytes(path, "old text\n");

    rlimit previousLimit{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &previousLimit), 0);
    rlimit smallLimit = previousLimit;
    smallLimit.rlim_cur = 4096;
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &smallLimit), 0);
    const SaveResult result = saveTextAtomically(path, QString(200000, QLatin1Char('x')));
    setrlimit(RLIMIT_FSIZE, &previousLimit);
    std::signal(SIGXFSZ, previousHandler);

    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QDir::toNativeSeparators(path)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("unchanged")), qPrintable(result.error));
    QCOMPARE(bytesOf(path), QByteArray("old text\n"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"model.py"});
  }

  void saveIntoAMissingFolderFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("no/such/model.py"));
    const SaveResult result = saveTextAtomically(path, QStringLiteral("x\n"));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QDir::toNativeSeparators(path)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("does not exist")), qPrintable(result.error));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("no"))));
  }

  void saveUnderARegularFileFails() {
    QTemporaryDir dir;
    const QString blocker = dir.filePath(QStringLiteral("notes.txt"));
    writeBytes(blocker, "notes\n");
    const QString path = blocker + QLatin1String("/model.py");
    const SaveResult result = saveTextAtomically(path, QStringLiteral("x\n"));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QDir::toNativeSeparators(path)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("is a file, not a folder")), qPrintable(result.error));
    QCOMPARE(bytesOf(blocker), QByteArray("notes\n"));
  }

  void saveOntoAFolderFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("package"));
    QVERIFY(QDir().mkpath(path + QLatin1String("/inner")));
    const SaveResult result = saveTextAtomically(path, QStringLiteral("x\n"));
    QVERIFY(!result.ok);
    QVERIFY2(result.error.contains(QDir::toNativeSeparators(path)), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("folder")), qPrintable(result.error));
    QVERIFY(QFileInfo(path + QLatin1String("/inner")).isDir());
  }

  void saveWithoutANameFails() {
    const SaveResult result = saveTextAtomically(QString(), QStringLiteral("x"));
    QVERIFY(!result.ok);
    QVERIFY(!result.error.isEmpty());
  }

  void readReturnsTheTextAsWritten() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.py"));
    const QString text = QStringLiteral("a = '\u00e9'\r\nb = 2\n");
    writeBytes(path, "\xEF\xBB\xBF" + text.toUtf8());  // the byte order mark is dropped
    QString error;
    const std::optional<QString> read = readTextFile(path, &error);
    QVERIFY2(read.has_value(), qPrintable(error));
    QCOMPARE(*read, text);
  }

  void readAnEmptyFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("empty.py"));
    writeBytes(path, {});
    const std::optional<QString> read = readTextFile(path, nullptr);
    QVERIFY(read.has_value());
    QVERIFY(read->isEmpty());
  }

  void readRefusesBadContent_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("binary") << QByteArray("\x7F" "ELF\x02\x01\x01\x00\x00\x00", 10) << "NUL bytes";
    QTest::newRow("utf-16") << QByteArray("\xFF\xFEx\0=\0", 6) << "NUL bytes";
    QTest::newRow("latin-1 on line 2") << QByteArray("# ok\nname = 'Ren\xE9'\n") << "not valid UTF-8 text (line 2";
    QTest::newRow("cut-off sequence at the end") << QByteArray("x = 1\n\xE2\x88") << "line 2";
    QTest::newRow("overlong encoding") << QByteArray("\xC0\xAF") << "not valid UTF-8";
  }

  void readRefusesBadContent() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("data.py"));
    writeBytes(path, bytes);
    QString error;
    QVERIFY(!readTextFile(path, &error).has_value());
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QVERIFY2(error.contains(reason), qPrintable(error));
  }

  void readAMissingFileFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing.py"));
    QString error;
    QVERIFY(!readTextFile(path, &error).has_value());
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("does not exist")), qPrintable(error));
    QVERIFY(!readTextFile(path, nullptr).has_value());  // no error wanted: no crash
  }

  void readAFolderFails() {
    QTemporaryDir dir;
    QString error;
    QVERIFY(!readTextFile(dir.path(), &error).has_value());
    QVERIFY2(error.contains(QDir::toNativeSeparators(dir.path())), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("folder")), qPrintable(error));
  }

  void readATooLargeFileFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("huge.py"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(maxTextFileBytes + 1));  // sparse: nothing is really written
    file.close();
    QString error;
    QVERIFY(!readTextFile(path, &error).has_value());
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("20 MB")), qPrintable(error));
  }

  void readAnUnreadableFileFails() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret.py"));
    writeBytes(path, "x = 1\n");
    QVERIFY(QFile::setPermissions(path, QFileDevice::WriteOwner));
    QFile probe(path);
    if (probe.open(QIODevice::ReadOnly))
      QSKIP("file permissions do not stop reads here (running as root)");
    QString error;
    QVERIFY(!readTextFile(path, &error).has_value());
    QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("permission")), qPrintable(error));
  }
};

QTEST_MAIN(TextFilesTest)
#include "TextFilesTest.moc"
