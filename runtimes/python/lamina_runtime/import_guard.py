"""Keeps a few stdlib names bound to the stdlib, and runs a callback when one is first imported.

AWS loads json, logging, traceback, decimal before user code; we load them late, yet unshadowed.
"""

import os
import sys

# The stdlib's own directories, where the guarded names are looked up, and only there.
STDLIB_PATH = [os.path.dirname(os.__file__), os.path.join(os.path.dirname(os.__file__), "lib-dynload")]
GUARDED_NAMES = ("json", "logging", "traceback", "decimal")


class ImportGuard(object):
    """A sys.meta_path finder for GUARDED_NAMES (top-level only); install() puts it first."""

    def __init__(self, names=GUARDED_NAMES):
        self._names = frozenset(names)
        self._callbacks = {}  # module name => callables run right after it is executed

    def install(self):
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)
        return self

    def when_imported(self, name, callback):
        """Call `callback(module)` now if `name` is loaded, else right after its first import."""
        module = sys.modules.get(name)
        if module is not None:
            callback(module)
        else:
            self._callbacks.setdefault(name, []).append(callback)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._names:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, STDLIB_PATH)
        if spec is None or spec.loader is None:
            return None  # an unusual layout: let the ordinary finders look
        callbacks = self._callbacks.pop(fullname, None)
        if callbacks:
            spec.loader = _ThenCall(spec.loader, callbacks)
        return spec


class _ThenCall(object):
    """A loader that executes the module with the real loader, then hands it to callbacks."""

    def __init__(self, loader, callbacks):
        self._loader = loader
        self._callbacks = callbacks

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        # Introspection (inspect, pkgutil, linecache) should see the real loader, not this shim.
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        for callback in self._callbacks:
            callback(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)
