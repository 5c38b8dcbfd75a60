"""Composition: read the environment, set up the log, load the handler, run the loop.

initialize() and run_loop() take their inputs as parameters: a prewarmed parent may call them in a fork.
"""

import os
import sys

from .cell import await_assignment
from .codec import to_json
from .context import FunctionInfo
from .errors import FaultError, current_payload
from .handler_loader import load_handler, set_import_path
from .import_guard import ImportGuard
from .log import FunctionLog, unbuffered
from .loop import run_loop
from .runtime_client import RuntimeClient


def main(environ=None):
    environ = os.environ if environ is None else environ
    import_guard = ImportGuard().install()
    client = RuntimeClient(environ["AWS_LAMBDA_RUNTIME_API"])
    await_assignment(environ, client)
    sys.stdout = unbuffered(sys.stdout)
    sys.stderr = unbuffered(sys.stderr)
    log = FunctionLog(sys.stdout, environ.get("AWS_LAMBDA_LOG_FORMAT"), environ.get("AWS_LAMBDA_LOG_LEVEL"))
    log.install(import_guard)
    task_root = environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    handler = initialize(client, log, environ.get("_HANDLER", ""), task_root)
    run_loop(client, handler, FunctionInfo(environ), log, environ)


def initialize(client, log, handler_name, task_root):
    """Load the handler; on failure post /init/error as AWS shapes it and exit with status 1."""
    set_import_path(task_root)
    try:
        return load_handler(handler_name)
    except FaultError as e:
        error = e.payload()
    except Exception:
        error = current_payload()
    log.warn_unhandled_init()
    log.write_error(error)
    client.post_init_error(to_json(error).encode("utf-8", "replace"), error["errorType"])
    raise SystemExit(1)
