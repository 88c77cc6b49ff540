#pragma once
// The application's name and version, and where it finds the tapedeck package, a real
// Python and the samples (each overridable from the environment).
#include <QString>

namespace td::app {

/// "tapedeck 0.1.0".
QString versionString();
/// The folder holding the tapedeck package (TAPEDECK_PYTHONPATH, else the build tree's).
QString pythonPackageDir();
/// A real Python for sys.executable (multiprocessing starts it, not another IDE).
QString pythonExecutable();
/// The Python samples (TAPEDECK_SAMPLES, else the source tree's samples/python).
QString samplesDir();
/// The sample the IDE opens when started without a script.
QString defaultSample();
}  // namespace td::app
