"""Prewarmed ("cell") start: Lamina may start this runtime before it knows the function.

With LAMINA_CELL=1, everything that does not depend on the function is imported first; then the
function's environment arrives on stdin as NUL-terminated KEY=VALUE records, until EOF.
"""

import os
import sys


def is_cell(environ):
    return environ.get("LAMINA_CELL") == "1"


def await_assignment(environ, client):
    """As a cell: warm what the cold start will use, then wait for the function's environment."""
    if not is_cell(environ):
        return
    client.warm_up()
    # What AWS has loaded before user code: pay for it now, not on the cold start.
    import json  # noqa: F401
    import logging  # noqa: F401
    import traceback  # noqa: F401
    import decimal  # noqa: F401

    data = sys.stdin.buffer.read()
    environ.clear()
    for record in data.split(b"\0"):
        key, sep, value = record.partition(b"=")
        if sep and key:
            environ[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
    os.chdir(environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    if hasattr(__import__("time"), "tzset"):
        __import__("time").tzset()
