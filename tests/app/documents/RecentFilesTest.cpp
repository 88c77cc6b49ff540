// The recent-files list (app/documents/RecentFiles.cpp) over real files and settings.
#include "documents/RecentFiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace td::app;

class RecentFilesTest : public QObject {
  Q_OBJECT

 private:
  // Creates `name` in the temporary folder; its canonical path.
  QString makeFile(const QString& name) {
    const QString path = m_files.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
      qFatal("cannot create %s", qPrintable(path));
    return QFileInfo(path).canonicalFilePath();
  }

  QTemporaryDir m_files;
  QTemporaryDir m_settingsFolder;
  std::unique_ptr<QSettings> m_settings;

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_files.isValid());
  }

  void init() {
    m_settings = std::make_unique<QSettings>(m_settingsFolder.filePath("settings.ini"),
                                             QSettings::IniFormat);
    m_settings->clear();
  }

  void addPutsTheNewestFirst() {
    RecentFiles recent(m_settings.get());
    const QString a = makeFile("a.py");
    const QString b = makeFile("b.py");
    recent.add(a);
    recent.add(b);
    QCOMPARE(recent.list(), (QStringList{b, a}));
    recent.add(a);  // again: moves to the front, once
    QCOMPARE(recent.list(), (QStringList{a, b}));
  }

  void equivalentPathsAreOneEntry() {
    RecentFiles recent(m_settings.get());
    const QString a = makeFile("same.py");
    QVERIFY(QDir().mkpath(m_files.filePath("sub")));
    recent.add(m_files.filePath("sub/../same.py"));
    recent.add(QDir(m_files.path()).relativeFilePath(a).prepend(m_files.path() + "/./"));
    const QString link = m_files.filePath("link.py");
    QVERIFY(QFile::link(a, link));
    recent.add(link);  // a symbolic link is stored as its target
    QCOMPARE(recent.list(), QStringList{a});
    QVERIFY(QFileInfo(recent.list().first()).isAbsolute());
  }

  void relativePathsBecomeAbsolute() {
    RecentFiles recent(m_settings.get());
    const QString a = makeFile("relative.py");
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_files.path()));
    recent.add("relative.py");
    QVERIFY(QDir::setCurrent(previous));
    QCOMPARE(recent.list(), QStringList{a});
  }

  void atMostTenAreKept() {
    RecentFiles recent(m_settings.get());
    QStringList added;
    for (int i = 0; i < 13; ++i) {
      added.prepend(makeFile(QStringLiteral("file%1.py").arg(i)));
      recent.add(added.first());
    }
    QCOMPARE(RecentFiles::maxCount, 10);
    QCOMPARE(recent.list(), added.mid(0, 10));
  }

  void missingFilesAreSkippedNotForgotten() {
    RecentFiles recent(m_settings.get());
    const QString kept = makeFile("kept.py");
    const QString gone = makeFile("gone.py");
    recent.add(kept);
    recent.add(gone);
    QVERIFY(QFile::remove(gone));
    QCOMPARE(recent.list(), QStringList{kept});
    makeFile("gone.py");  // the file comes back (a remounted drive)
    QCOMPARE(recent.list(), (QStringList{gone, kept}));
  }

  void removeAndClear() {
    RecentFiles recent(m_settings.get());
    const QString a = makeFile("ra.py");
    const QString b = makeFile("rb.py");
    recent.add(a);
    recent.add(b);
    recent.remove(m_files.filePath("sub/../ra.py"));
    QCOMPARE(recent.list(), QStringList{b});
    recent.remove(m_files.filePath("not-there.py"));  // harmless
    QCOMPARE(recent.list(), QStringList{b});
    // A file deleted after it was added can still be removed.
    QVERIFY(QFile::remove(b));
    recent.remove(b);
    QVERIFY(m_settings->value("recentFiles").toStringList().isEmpty());
    recent.add(a);
    recent.clear();
    QVERIFY(recent.list().isEmpty());
  }

  void emptyPathIsIgnored() {
    RecentFiles recent(m_settings.get());
    recent.add(QString());
    QVERIFY(m_settings->value("recentFiles").toStringList().isEmpty());
  }

  void theListSurvivesARestart() {
    const QString a = makeFile("persist.py");
    RecentFiles(m_settings.get()).add(a);
    m_settings->sync();
    QSettings reopened(m_settings->fileName(), QSettings::IniFormat);
    QCOMPARE(RecentFiles(&reopened).list(), QStringList{a});
  }

  // The default settings, in QStandardPaths' test location, never the user's.
  void defaultSettingsAreUsedWhenNoneIsGiven() {
    QCoreApplication::setOrganizationName("TapedeckTests");
    QCoreApplication::setApplicationName("RecentFilesTest");
    QVERIFY2(QSettings().fileName().contains(".qttest"), qPrintable(QSettings().fileName()));
    RecentFiles recent;
    recent.clear();
    const QString a = makeFile("default.py");
    recent.add(a);
    QCOMPARE(RecentFiles().list(), QStringList{a});
    QCOMPARE(QSettings().value("recentFiles").toStringList(), QStringList{a});
    recent.clear();
    QVERIFY(RecentFiles().list().isEmpty());
  }
};

QTEST_MAIN(RecentFilesTest)
#include "RecentFilesTest.moc"
