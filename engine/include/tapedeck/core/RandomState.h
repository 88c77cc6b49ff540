#pragma once
// The global generator's state (rand, randn, randint, dropout, shuffles), to save and restore
// a stretch of randomness: tapedeck.get_rng_state / set_rng_state / initial_seed.
#include <cstdint>
#include <string>

namespace td {

/// The generator's whole state, as text.
std::string rngState();
/// Restores a state rngState() returned; refuses anything else (the state is left as it was).
void setRngState(const std::string& state);
/// The seed last given to manualSeed (the default seed before any).
uint64_t initialSeed();

}  // namespace td
