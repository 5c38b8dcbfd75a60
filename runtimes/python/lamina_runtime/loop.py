"""The invocation loop: take an event from /next, run the handler, post its result or its error.

An exception from the handler is reported and the loop goes on; the process keeps its state.
"""

import os

from . import codec
from .context import make_context
from .errors import FaultError, current_payload


def run_loop(client, handler, function, log, environ=os.environ):
    """Serve invocations forever. `function` is a FunctionInfo, `log` the FunctionLog."""
    while True:
        invocation = client.next_invocation()
        handle_invocation(client, handler, function, log, invocation, environ)


def handle_invocation(client, handler, function, log, invocation, environ):
    request_id = invocation.request_id
    log.begin_invocation(request_id, invocation.tenant_id)
    set_trace_id(environ, invocation.trace_id)
    try:
        context = make_context(function, invocation, codec.loads)
        event = codec.decode_event(invocation.body, invocation.content_type)
        result = handler(event, context)
        body, content_type = codec.encode_result(result)
    except FaultError as e:
        error = e.payload(request_id)
    except Exception:  # BaseException (sys.exit) ends the process, as on AWS
        error = current_payload(request_id)
    else:
        client.post_response(request_id, body, content_type)
        return
    log.write_error(error)
    client.post_error(request_id, codec.to_json(error).encode("utf-8", "replace"), error["errorType"])


def set_trace_id(environ, trace_id):
    """_X_AMZN_TRACE_ID holds the current invocation's trace header, or is absent without one."""
    if trace_id:
        environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        environ.pop("_X_AMZN_TRACE_ID", None)
