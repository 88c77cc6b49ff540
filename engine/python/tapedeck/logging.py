"""tapedeck.log(name, value, step=None): scalars for the training curves. The IDE plots
them live; headless they are kept in memory (tapedeck.logged()) and can be written to CSV."""
import csv
import threading

_lock = threading.Lock()
_records = []  # (name, step, value)
_next_step = {}
_listeners = []


def log(name, value, step=None):
    """Records `value` (a number or one-element tensor) under `name` at `step` (default: the next step of that name)."""
    if name is None or not str(name):
        raise ValueError(f"tapedeck.log: a series needs a name, got {name!r}")
    name = str(name)
    try:
        number = float(value.item()) if hasattr(value, "item") else float(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"tapedeck.log({name!r}, ...): the value must be a number or a one-element tensor, "
                        f"got {type(value).__name__} ({error})") from None
    if step is not None:
        # An int, a whole float or a one-element tensor holding one; not a fraction, a bool or text.
        try:
            whole = None if isinstance(step, (bool, str, bytes)) else float(
                step.item() if hasattr(step, "item") else step)
        except (TypeError, ValueError, RuntimeError):
            whole = None
        if whole is None or not whole.is_integer():
            raise TypeError(f"tapedeck.log({name!r}, ...): step must be a whole number, got {step!r}")
        step = int(whole)
    with _lock:
        if step is None:
            step = _next_step.get(name, 0)
        _next_step[name] = int(step) + 1
        _records.append((str(name), int(step), number))
        listeners = list(_listeners)
    for listener in listeners:
        listener(str(name), int(step), number)


def logged(name=None):
    """[(name, step, value)] recorded so far, of one name or all."""
    with _lock:
        return [r for r in _records if name is None or r[0] == name]


def clear_log():
    with _lock:
        _records.clear()
        _next_step.clear()


def write_log_csv(path):
    """Writes every logged scalar as CSV rows name,step,value."""
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "step", "value"])
        writer.writerows(logged())


def add_log_listener(callback):
    """Calls callback(name, step, value) for every later log() (the IDE's curves)."""
    with _lock:
        _listeners.append(callback)
