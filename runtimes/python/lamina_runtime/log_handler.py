"""The root logger's handler and formatters, shaped like AWS's Python runtimes.

Text: `[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>`. JSON: one object per record.
"""

import logging
import time
import traceback  # already loaded by logging

TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord attributes that are not copied into a JSON record as extra fields.
_STANDARD_ATTRIBUTES = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id",
))


def attach(logging_module, function_log):
    """Give the root logger the function's handler, and its level when one is configured."""
    logging_module.Formatter.converter = time.gmtime  # AWS sets it for every formatter
    handler = FunctionLogHandler(function_log.stream)
    if function_log.json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, TEXT_DATE_FORMAT))
    handler.addFilter(RequestIdFilter(function_log))
    root = logging.getLogger()
    if isinstance(logging.getLevelName(function_log.level), int):
        root.setLevel(function_log.level)
    root.addHandler(handler)


class FunctionLogHandler(logging.Handler):
    """Writes each record as one line: newlines inside it become carriage returns."""

    def __init__(self, stream):
        logging.Handler.__init__(self)
        self.stream = stream

    def emit(self, record):
        try:
            self.stream.write(self.format(record).replace("\n", "\r") + "\n")
        except Exception:
            self.handleError(record)


class RequestIdFilter(logging.Filter):
    """Stamps records with `aws_request_id` ("" during init) and `tenant_id`, as AWS does."""

    def __init__(self, function_log):
        logging.Filter.__init__(self)
        self._log = function_log

    def filter(self, record):
        record.aws_request_id = self._log.request_id or ""
        record.tenant_id = self._log.tenant_id
        return True


class JsonFormatter(logging.Formatter):
    """timestamp, level, message, logger, requestId; exception fields, location and extras when set."""

    def __init__(self):
        logging.Formatter.__init__(self, datefmt=JSON_DATE_FORMAT)
        import json  # only JSON-format functions pay for it

        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc_info = record.exc_info if record.exc_info and record.exc_info[0] is not None else None
        fields = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            fields["tenantId"] = record.tenant_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in fields:
                fields[key] = value
        return self._encode(dict((k, v) for k, v in fields.items() if v is not None))
