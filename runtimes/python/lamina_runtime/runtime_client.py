"""The Runtime API client: all HTTP between this process and Lamina, on one keep-alive connection."""

#   GET  /2018-06-01/runtime/invocation/next           200: event body + Lambda-Runtime-* headers
#   POST /2018-06-01/runtime/invocation/{id}/response  202
#   POST /2018-06-01/runtime/invocation/{id}/error     202 (Lambda-Runtime-Function-Error-Type)
#   POST /2018-06-01/runtime/init/error                202, then the runtime exits

import http.client
import socket

_BASE = "/2018-06-01/runtime"
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"

# Errors that mean "the kept-alive socket was already dead": the server closed it while idle
# (e.g. its keep-alive timeout ran out during a long invocation, or across a freeze).
_STALE_CONNECTION_ERRORS = (ConnectionError, http.client.BadStatusLine)


class Invocation(object):
    """One event handed out by /next, with its headers decoded."""

    __slots__ = (
        "request_id", "deadline_ms", "invoked_function_arn", "trace_id",
        "client_context", "cognito_identity", "tenant_id", "content_type", "body",
    )

    def __init__(self, response, body):
        header = response.getheader
        self.request_id = header("Lambda-Runtime-Aws-Request-Id")
        self.deadline_ms = _to_int(header("Lambda-Runtime-Deadline-Ms"))
        self.invoked_function_arn = header("Lambda-Runtime-Invoked-Function-Arn")
        self.trace_id = header("Lambda-Runtime-Trace-Id") or None
        self.client_context = header("Lambda-Runtime-Client-Context") or None
        self.cognito_identity = header("Lambda-Runtime-Cognito-Identity") or None
        self.tenant_id = header("Lambda-Runtime-Aws-Tenant-Id") or None
        self.content_type = header("Content-Type") or None
        self.body = body


class RuntimeApiError(Exception):
    """The Runtime API answered something unusable; the runtime cannot go on (it exits)."""


class RuntimeClient(object):
    def __init__(self, address):
        """`address` is AWS_LAMBDA_RUNTIME_API, `host:port`. No timeout: /next is a long poll."""
        self._connection = http.client.HTTPConnection(address)
        self._connection._create_connection = _connect
        self._reused = False

    def next_invocation(self):
        response, body = self._request("GET", _BASE + "/invocation/next", None, {})
        invocation = Invocation(response, body)
        if not invocation.request_id:
            raise RuntimeApiError("GET /invocation/next: no Lambda-Runtime-Aws-Request-Id header")
        return invocation

    def post_response(self, request_id, body, content_type):
        path = "%s/invocation/%s/response" % (_BASE, request_id)
        self._request("POST", path, body, {"Content-Type": content_type})

    def post_error(self, request_id, body, error_type):
        path = "%s/invocation/%s/error" % (_BASE, request_id)
        self._request("POST", path, body, _error_headers(error_type))

    def warm_up(self):
        """Before a function is known (a prewarmed cell): one request that does nothing (Lamina
        answers 404), so that the connection is open when the first /next goes out."""
        try:
            self._request("GET", _BASE + "/lamina/warm-up", None, {})
        except RuntimeApiError:
            pass

    def post_init_error(self, body, error_type):
        self._request("POST", _BASE + "/init/error", body, _error_headers(error_type))

    def _request(self, method, path, body, headers):
        """Send one request; any 2xx is success, as for AWS's client. Returns (response, body)."""
        while True:
            reused = self._reused
            try:
                self._connection.request(method, path, body, headers)
                response = self._connection.getresponse()
                data = response.read()
            except _STALE_CONNECTION_ERRORS:
                self._connection.close()
                self._reused = False
                if reused:  # the request never reached a live server: send it again, once
                    continue
                raise
            self._reused = not response.will_close
            if not 200 <= response.status < 300:
                detail = "%s %s" % (response.status, data[:500].decode("utf-8", "replace"))
                raise RuntimeApiError("%s %s: the Lambda Runtime API answered %s" % (method, path, detail))
            return response, data


def _error_headers(error_type):
    # Header values travel as bytes: a non-ASCII exception class name must not break the post.
    return {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error_type.encode("utf-8")}


def _connect(address, *args):
    # getaddrinfo() runs a str host through the idna codec, whose imports cost ~2 ms of cold
    # start; AWS_LAMBDA_RUNTIME_API is plain ASCII, so pass the host as bytes.
    host, port = address
    return socket.create_connection((host.encode("ascii"), port), *args)


def _to_int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0
