"""Runtime error types and the error payload AWS's Python runtimes post and log.

Payload: {"errorMessage", "errorType", "requestId", "stackTrace": [formatted frames]}.
"""

import os
import sys

# The runtime's own files: frames from here are cut from the top of a stack trace.
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_BOOTSTRAP_FILE = os.path.join(os.path.dirname(RUNTIME_DIR), "bootstrap.py")


class FaultError(Exception):
    """A failure the runtime names itself, with AWS's `Runtime.*` error type."""

    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, error_type, message, stack_trace=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace

    def payload(self, request_id=None):
        return error_payload(self.message, self.error_type, self.stack_trace, request_id)


def error_payload(message, error_type, stack_trace, request_id=None):
    """The error body, keys in AWS's order; missing values become "" or []."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def payload_from_exception(exc_info, request_id=None):
    """Turn any exception escaping user code into an error payload."""
    error_type, value, tb = exc_info
    return error_payload(_describe(value), error_type.__name__, format_stack(tb), request_id)


def format_stack(tb):
    """Traceback frames as `traceback.format_list` renders plain (file, line, name, text) tuples.

    Leading frames of the runtime itself are dropped, as AWS drops its bootstrap's frames;
    tuples carry no column, so Python 3.11+ adds no `^^^` markers.
    """
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if not _is_runtime_file(frame[0]):
            frames = frames[index:]
            break
    return traceback.format_list(frames)


def syntax_error_trace(error):
    """The single pseudo-frame AWS reports for a SyntaxError in the handler module."""
    return ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)]


def _is_runtime_file(filename):
    return filename.startswith(RUNTIME_DIR + os.sep) or os.path.abspath(filename) == _BOOTSTRAP_FILE


def _describe(value):
    try:
        return str(value)
    except Exception:  # a broken __str__ must not cost the caller its error report
        return "<unprintable %s object>" % type(value).__name__


def current_payload(request_id=None):
    """payload_from_exception() for the exception being handled."""
    return payload_from_exception(sys.exc_info(), request_id)
