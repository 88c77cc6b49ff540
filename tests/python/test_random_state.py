"""get_rng_state / set_rng_state / seed / initial_seed: a saved stretch of randomness repeats
(every draw of the global generator: rand, randn, randint, dropout, shuffles, samplers)."""
import pytest

import tapedeck as td


def test_a_saved_generator_state_repeats_every_kind_of_draw():
    td.manual_seed(123)
    assert td.initial_seed() == 123
    state = td.get_rng_state()
    assert state.dtype == td.int64 and state.dim() == 1
    first = [td.rand(4).tolist(), td.randn(3).tolist(), td.randint(0, 100, (5,)).tolist(),
             td.nn.functional.dropout(td.ones(8), 0.5).tolist(), list(td.utils.data.RandomSampler(range(6)))]
    td.set_rng_state(state)
    again = [td.rand(4).tolist(), td.randn(3).tolist(), td.randint(0, 100, (5,)).tolist(),
             td.nn.functional.dropout(td.ones(8), 0.5).tolist(), list(td.utils.data.RandomSampler(range(6)))]
    assert first == again
    drawn = td.seed()
    assert td.initial_seed() == drawn and drawn >= 0


def test_a_state_that_is_not_one_is_refused_and_changes_nothing():
    td.manual_seed(5)
    state = td.get_rng_state()
    with pytest.raises(td.TapedeckError, match="set_rng_state: the state is not one get_rng_state returned"):
        td.set_rng_state(td.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="values outside 0-255"):
        td.set_rng_state(td.tensor([300]))
    with pytest.raises(TypeError, match="set_rng_state: expected the 1-D tensor get_rng_state returned, got list"):
        td.set_rng_state([1, 2])
    assert td.get_rng_state().tolist() == state.tolist()  # untouched by the refusals
