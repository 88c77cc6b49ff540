#pragma once
// TD_SHARED_STATE marks engine state defined inline in a header (a flag read on every op)
// as one object for the whole process: a library built with hidden visibility (the
// Python extension is) would otherwise get its own copy and set a flag the engine never
// reads.
#define TD_SHARED_STATE __attribute__((visibility("default")))
