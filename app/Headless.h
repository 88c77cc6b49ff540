#pragma once
// The IDE's commands without a window: the embedded interpreter on the main thread.

namespace td::app {

/// `tapedeck run script.py [args]`: runs the script with no debugger; prints its output
/// and one line per tape iteration ("[tape] iteration 3: 41 ops forward, 38 steps
/// backward"). Returns the script's exit status (2 for a usage error).
int runHeadless(int argc, char** argv);
/// `tapedeck debug [options] script.py [args]`: `python3 -m tapedeck.debug`.
int debugHeadless(int argc, char** argv);

}  // namespace td::app
