#pragma once
// Every optimizer and learning-rate scheduler.
#include "tapedeck/optim/Adam.h"
#include "tapedeck/optim/Optimizer.h"
#include "tapedeck/optim/RmsProp.h"
#include "tapedeck/optim/Scheduler.h"
#include "tapedeck/optim/Sgd.h"
