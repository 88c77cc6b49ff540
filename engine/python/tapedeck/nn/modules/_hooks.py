"""RemovableHandle: what register_forward_hook and register_forward_pre_hook return."""
import itertools

_hook_ids = itertools.count()


class RemovableHandle:
    """Removes the hook it was returned for (remove(), or leaving a with-block)."""

    def __init__(self, hooks):
        self.id = next(_hook_ids)
        self._hooks = hooks

    def remove(self):
        """Unregisters the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False
