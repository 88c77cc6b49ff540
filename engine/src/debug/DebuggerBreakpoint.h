#pragma once
// A breakpoint of the debugger (see Debugger.h): shared by its settings (Debugger.cpp) and
// its checks at each tape entry (DebuggerEntries.cpp).
#include <functional>
#include <string>

#include "tapedeck/debug/Debugger.h"

namespace td::debug {

struct Debugger::Breakpoint {
  int id = 0;
  enum class Kind { Op, Module, Condition } kind = Kind::Op;
  OpId op = OpId::Add;
  bool forward = true;
  bool backward = true;
  std::string glob;
  std::function<bool(const TapeEntry&)> condition;
  std::string description;
};

}  // namespace td::debug
