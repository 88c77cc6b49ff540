// The `tapedeck` executable: the IDE, and its headless commands.
//   tapedeck [script.py]            the IDE (on a default sample without a script)
//   tapedeck run script.py [args]   runs headless: the script's output and a tape summary per iteration
//   tapedeck debug script.py [args] the debugger core's command (stops at the first NaN/Inf)
//   tapedeck --version | --help
#include <QApplication>
#include <QFileInfo>
#include <cstdio>
#include <cstring>

#include "AppInfo.h"
#include "Headless.h"
#include "MainWindow.h"
#include "tapedeck/core/CpuSetup.h"

namespace {

const char* kUsage =
    "usage: tapedeck [script.py]            open the IDE (on a sample when no script is given)\n"
    "       tapedeck run script.py [args]   run a script headless; prints its output and a tape\n"
    "                                       summary per iteration\n"
    "       tapedeck debug [options] script.py [args]\n"
    "                                       run a script under the debugger until the first NaN/Inf\n"
    "                                       (options: --grad-norm L, --no-nan, --chain N)\n"
    "       tapedeck --version | --help\n";

/// Whether a Qt GUI can start: a display, or a platform chosen explicitly (offscreen).
bool hasDisplay(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0) return true;
  return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY") ||
         qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

}  // namespace

int main(int argc, char** argv) {
  // OpenBLAS chose its kernels when it loaded, before main. Where it fell back to generic
  // ones on a CPU it does not know (Debian's 0.3.21 on newer Xeons: several times slower
  // matrix products), start again with the right ones named, as bench/run.sh does. A core
  // the user set is left alone; if the restart fails, this process goes on as it is.
  td::restartForBetterBlasCore(argv);
  if (argc >= 2) {
    const char* command = argv[1];
    if (std::strcmp(command, "--version") == 0) {
      std::printf("%s\n", td::app::versionString().toUtf8().constData());
      return 0;
    }
    if (std::strcmp(command, "--help") == 0 || std::strcmp(command, "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (std::strcmp(command, "run") == 0) return td::app::runHeadless(argc - 2, argv + 2);
    if (std::strcmp(command, "debug") == 0) return td::app::debugHeadless(argc - 2, argv + 2);
    if (command[0] == '-' && std::strcmp(command, "-platform") != 0 && std::strcmp(command, "--platform") != 0) {
      std::fprintf(stderr, "tapedeck: unknown option '%s'\n%s", command, kUsage);
      return 2;
    }
  }
  if (!hasDisplay(argc, argv)) {
    std::fputs("tapedeck: no display to open the IDE on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
               "Run a script without the IDE with `tapedeck run script.py`, or debug it with\n"
               "`tapedeck debug script.py`; or set QT_QPA_PLATFORM=offscreen.\n",
               stderr);
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("Tapedeck");
  QApplication::setOrganizationName("Tapedeck");
  QApplication::setApplicationVersion(td::app::versionString());
  QString script;
  const QStringList args = QApplication::arguments();
  QStringList scriptArgs;
  if (args.size() >= 2) {
    script = args[1];
    scriptArgs = args.mid(2);
  }
  td::app::MainWindow window;
  window.show();
  window.recoverAutosaved();
  if (!script.isEmpty()) {
    if (!QFileInfo(script).isFile())
      std::fprintf(stderr, "tapedeck: %s: no such file\n", script.toUtf8().constData());
    window.openFile(script);
    window.setScriptArguments(scriptArgs);
  } else if (window.currentEditor() == nullptr) {
    window.openFile(td::app::defaultSample());
  }
  if (window.currentEditor() == nullptr) window.newBuffer();
  return QApplication::exec();
}
