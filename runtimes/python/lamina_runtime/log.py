"""The function's log: unbuffered stdout/stderr, the root logger's handler, and `[ERROR]` records.

Lamina reads stdout line by line: a record's inner newlines are written as carriage returns.
"""

import io
import time

from .codec import to_json

# Logged (through `logging`, as a WARNING) before the [ERROR] record of a failed init, as AWS does.
UNHANDLED_INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, "
    "in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using "
    "managed runtimes, runtime updates can be triggered by a function change, or can be applied "
    "automatically. To determine if the runtime has been updated, check the runtime version in the "
    "INIT_START log entry. If this error correlates with a change in the runtime version, you may be able "
    "to mitigate this error by temporarily rolling back to the previous runtime version. For more "
    "information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

_NBSP = "\u00a0"  # AWS indents stack frames in [ERROR] records with no-break spaces


class FlushingTextWriter(io.TextIOWrapper):
    """A text stream that hands every write straight to the file descriptor, like `python -u`.

    The process may be frozen or killed right after a write: nothing may wait in a buffer.
    """

    def write(self, text):
        count = io.TextIOWrapper.write(self, text)
        self.flush()
        return count


def unbuffered(stream):
    """A FlushingTextWriter (UTF-8) over the same file as `stream`; `stream` itself if it has none."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream
    stream.flush()
    return FlushingTextWriter(buffer, encoding="utf-8", errors=stream.errors, write_through=True)


class FunctionLog(object):
    """Where the runtime logs for the function; one per process.

    1. `request_id` is "" during init, then the current invocation's id (read by the log handler).
    2. `json_format` and `level` come from AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL.
    """

    def __init__(self, stream, log_format=None, log_level=None):
        self.stream = stream
        self.json_format = (log_format or "").upper() == "JSON"
        self.level = _normalize_level(log_level)
        self.request_id = ""
        self.tenant_id = None

    def install(self, import_guard):
        """Give the root logger AWS's handler, now if `logging` is loaded, else when it first is.

        Importing `logging` costs a few ms of cold start that a function may never need.
        """
        import_guard.when_imported("logging", self._attach_handler)

    def _attach_handler(self, logging_module):
        from .log_handler import attach

        attach(logging_module, self)

    def begin_invocation(self, request_id, tenant_id):
        self.request_id = request_id
        self.tenant_id = tenant_id

    def warn_unhandled_init(self):
        import logging  # through the import guard: the handler is attached, as for any import

        logging.warning(UNHANDLED_INIT_WARNING)

    def write_error(self, payload):
        """The record AWS writes for an error result: one line, whatever the stack depth."""
        if self.json_format:
            record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR"}
            record.update(payload)
            self.stream.write(to_json(record) + "\n")
        else:
            self.stream.write("\r".join(_error_lines(payload)) + "\n")


def _error_lines(payload):
    head = "[ERROR]"
    if payload.get("errorType"):
        head += " " + payload["errorType"]
    if payload.get("errorMessage"):
        head += (":" if payload.get("errorType") else "") + " " + payload["errorMessage"]
    lines = [head]
    stack = payload.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for frame in stack:
            if frame == "":
                lines.append("")
                continue
            for line in frame.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_NBSP * (len(line) - len(stripped)) + stripped)
    return lines


def _normalize_level(level):
    level = (level or "").upper()
    return "DEBUG" if level == "TRACE" else level
