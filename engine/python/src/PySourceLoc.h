#pragma once
// The user's line for ops called from Python: the innermost frame outside the tapedeck
// package, recorded lazily. A code object is interned once (a strong reference, a copy of
// its file and function names, and its offset-to-line table from co_lines()); a location
// is then just (code id, instruction offset), and the engine's SourceResolver turns it
// into file:line on any thread without the GIL.
#include <string>

#include "tapedeck/core/SourceLocation.h"

namespace td::python {

/// The calling Python frame outside the tapedeck package as a lazy SourceLoc; unknown when
/// there is none. Needs the GIL.
SourceLoc callerLoc();

/// Frames whose file lies under `directory` belong to the package and are skipped.
void setPackageDirectory(const std::string& directory);

/// Registers the resolver with the engine (once, at module import).
void installSourceResolver();

}  // namespace td::python
