#pragma once
// Everything a C++ user of the engine needs.
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/DType.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"
#include "tapedeck/ops/Ops.h"
