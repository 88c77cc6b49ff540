#pragma once
// The nn library: modules, layers, losses, initialisation and gradient clipping.
#include "tapedeck/nn/Activation.h"
#include "tapedeck/nn/Container.h"
#include "tapedeck/nn/Conv.h"
#include "tapedeck/nn/Init.h"
#include "tapedeck/nn/Linear.h"
#include "tapedeck/nn/Loss.h"
#include "tapedeck/nn/Module.h"
#include "tapedeck/nn/Normalization.h"
#include "tapedeck/nn/Utils.h"
#if __has_include("tapedeck/nn/Recurrent.h")
#include "tapedeck/nn/Recurrent.h"
#endif
