"""Finds the handler named by `_HANDLER` (`pkg.module.function`) and imports its module.

Failures raise FaultError with AWS's error type and message for each case.
"""

import importlib
import sys

from .errors import FaultError, syntax_error_trace


def set_import_path(task_root, python_version=sys.version_info):
    """Put the function's code first on sys.path, then the layers' python dirs, as AWS does."""
    first = [
        task_root,
        "/opt/python/lib/python%d.%d/site-packages" % (python_version[0], python_version[1]),
        "/opt/python",
    ]
    rest = []
    for entry in sys.path:
        if entry not in first and entry not in rest:
            rest.append(entry)
    sys.path[:] = first + rest


def load_handler(handler_name):
    """Return the callable `handler_name` names. The module path may use `.` or `/` between parts."""
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as e:
        raise FaultError(FaultError.MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler_name, e))

    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                FaultError.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module %s as a handler module" % module_name,
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise FaultError(
            FaultError.IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (module_name, e)
        )
    except SyntaxError as e:
        raise FaultError(
            FaultError.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '%s': %s" % (module_name, e),
            syntax_error_trace(e),
        )

    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultError(
            FaultError.HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (function_name, module_name)
        )
