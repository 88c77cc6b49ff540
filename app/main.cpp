// The `tapedeck` executable: the IDE, and its headless commands.
//   tapedeck [script.py]            the IDE (on a default sample without a script)
//   tapedeck run script.py [args]   runs headless: the script's output and a tape summary per iteration
//   tapedeck debug script.py [args] the debugger core's command (stops at the first NaN/Inf)
//   tapedeck --version | --help
#include <QApplication>
#include <QFileInfo>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

/// Whether something accepts connections on the local socket `path` (a filesystem path,
/// or with a leading '@' an abstract one).
bool socketAccepts(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, path.data(), path.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') address.sun_path[0] = '\0';
  else length += 1;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0;
  ::close(fd);
  return ok;
}

/// Whether something accepts a TCP connection on `host`:`port` within about a second.
bool tcpAccepts(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  bool ok = false;
  for (addrinfo* a = found; a != nullptr && !ok; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t size = sizeof(error);
      ok = ::poll(&p, 1, 1000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return ok;
}

/// Whether an X server answers at `display` ("[host]:number[.screen]").
bool xServerAnswers(const std::string& display) {
  const std::size_t colon = display.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string host = display.substr(0, colon);
  std::string number = display.substr(colon + 1);
  number = number.substr(0, number.find('.'));
  if (number.empty() || number.size() > 5 || number.find_first_not_of("0123456789") != std::string::npos) return false;
  const int port = 6000 + std::atoi(number.c_str());
  if (port > 65535) return false;
  if (host.empty() || host == "unix") {
    const std::string path = "/tmp/.X11-unix/X" + number;
    if (socketAccepts(path) || socketAccepts("@" + path)) return true;
    // As libxcb does when the local socket fails (an X server listening on TCP only).
    return host.empty() && tcpAccepts("localhost", port);
  }
  return tcpAccepts(host, port);
}

/// Whether a Wayland compositor answers at `display` (a socket name under
/// XDG_RUNTIME_DIR, or an absolute path).
bool waylandAnswers(const std::string& display) {
  if (!display.empty() && display[0] == '/') return socketAccepts(display);
  const QByteArray runtime = qgetenv("XDG_RUNTIME_DIR");
  return !runtime.isEmpty() && socketAccepts(runtime.toStdString() + "/" + display);
}

/// Why a Qt GUI cannot start here; empty when it can (a display answers, or a platform
/// was chosen explicitly, such as offscreen).
std::string noDisplayReason(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "-platform") == 0 || std::strcmp(argv[i], "--platform") == 0) return {};
  if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) return {};
  const std::string x = qEnvironmentVariable("DISPLAY").toStdString();
  const std::string wayland = qEnvironmentVariable("WAYLAND_DISPLAY").toStdString();
  if (x.empty() && wayland.empty()) return "DISPLAY and WAYLAND_DISPLAY are unset";
  if ((!x.empty() && xServerAnswers(x)) || (!wayland.empty() && waylandAnswers(wayland))) return {};
  std::string reason;
  if (!x.empty()) reason = "no X server answers at DISPLAY=" + x;
  if (!wayland.empty()) reason += (reason.empty() ? "" : ", and ") + std::string("no Wayland compositor answers at WAYLAND_DISPLAY=") + wayland;
  return reason;
}

void printNoDisplay(const std::string& reason) {
  std::fprintf(stderr,
               "tapedeck: no display to open the IDE on (%s).\n"
               "Run a script without the IDE with `tapedeck run script.py`, or debug it with\n"
               "`tapedeck debug script.py`; or set QT_QPA_PLATFORM=offscreen.\n",
               reason.c_str());
}

/// While the GUI application starts: a fatal message from Qt (a platform plugin that
/// cannot connect, or is missing) ends the process with the same advice and status 2
/// instead of an abort.
void fatalWhileStarting(QtMsgType type, const QMessageLogContext&, const QString& message) {
  std::fprintf(stderr, "%s\n", message.toLocal8Bit().constData());
  if (type != QtFatalMsg) return;
  printNoDisplay("the platform plugin could not start");
  std::fflush(stderr);
  std::_Exit(2);
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
  if (const std::string reason = noDisplayReason(argc, argv); !reason.empty()) {
    printNoDisplay(reason);
    return 2;
  }
  const QtMessageHandler previous = qInstallMessageHandler(fatalWhileStarting);
  QApplication app(argc, argv);
  qInstallMessageHandler(previous);
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
    if (const QFileInfo info(script); !info.isFile())
      std::fprintf(stderr, "tapedeck: %s: %s\n", script.toUtf8().constData(),
                   info.isDir() ? "is a folder, not a script" : "no such file");
    window.openFile(script);
    window.setScriptArguments(scriptArgs);
  } else if (window.currentEditor() == nullptr) {
    window.openFile(td::app::defaultSample());
  }
  if (window.currentEditor() == nullptr) window.newBuffer();
  return QApplication::exec();
}
