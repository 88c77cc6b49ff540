#pragma once
// Pieces of extraRepr() strings, spelled as PyTorch prints them.
#include <string>

#include "tapedeck/core/Error.h"
#include "tapedeck/core/SmallVector.h"

namespace td::nn::detail {

inline const char* pyBool(bool value) { return value ? "True" : "False"; }

/// "(3, 3)"; a one-element list prints as a Python 1-tuple, "(10,)".
inline std::string pyTuple(const IntList& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + (values.size() == 1 ? ",)" : ")");
}

}  // namespace td::nn::detail
