#include "AppInfo.h"

#include <QDir>

namespace td::app {
namespace {

QString fromEnvironment(const char* name, const char* fallback) {
  const QString value = qEnvironmentVariable(name);
  return value.isEmpty() ? QString::fromUtf8(fallback) : value;
}

}  // namespace

QString versionString() { return QStringLiteral("tapedeck " TAPEDECK_VERSION); }

QString pythonPackageDir() { return fromEnvironment("TAPEDECK_PYTHONPATH", TAPEDECK_BUILD_PYTHONPATH); }

QString pythonExecutable() { return QStringLiteral(TAPEDECK_PYTHON_EXECUTABLE); }

QString samplesDir() { return fromEnvironment("TAPEDECK_SAMPLES", TAPEDECK_SOURCE_SAMPLES); }

QString defaultSample() { return QDir(samplesDir()).filePath(QStringLiteral("spiral.py")); }

}  // namespace td::app
