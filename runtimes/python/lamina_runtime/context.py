"""The `context` argument of a Python handler, with the attributes AWS's runtimes give it.

memory_limit_in_mb stays a string and client_context is None without the header, as on AWS.
"""

import sys
import time

from .errors import FaultError


class FunctionInfo(object):
    """What the environment says about the function; read once, shared by every context."""

    __slots__ = (
        "function_name", "function_version", "memory_limit_in_mb", "log_group_name", "log_stream_name",
    )

    def __init__(self, environ):
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


class _Record(object):
    """An object whose attributes come from a JSON object; absent keys read as None."""

    __slots__ = ()

    def __init__(self, values=None):
        values = values if values is not None else {}
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def __repr__(self):
        fields = ",".join("%s=%s" % (name, getattr(self, name)) for name in self.__slots__)
        return "%s([%s])" % (type(self).__name__, fields)


class CognitoIdentity(_Record):
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client(_Record):
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")


class ClientContext(_Record):
    """`client` is a Client (or None); `custom` and `env` stay plain dicts."""

    __slots__ = ("custom", "env", "client")

    def __init__(self, values):
        _Record.__init__(self, values)
        if self.client is not None:
            self.client = Client(self.client)


class LambdaContext(object):
    def __init__(self, function, invocation, client_context=None, identity=None):
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.invoked_function_arn
        self.tenant_id = invocation.tenant_id
        self.function_name = function.function_name
        self.function_version = function.function_version
        self.memory_limit_in_mb = function.memory_limit_in_mb
        self.log_group_name = function.log_group_name
        self.log_stream_name = function.log_stream_name
        self.client_context = client_context
        self.identity = identity if identity is not None else CognitoIdentity()
        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, message):
        """Write to the function's log as is, like AWS's context.log."""
        sys.stdout.write(str(message))

    def __repr__(self):
        names = (
            "aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
            "function_version", "invoked_function_arn", "client_context", "identity", "tenant_id",
        )
        return "LambdaContext([%s])" % ",".join("%s=%s" % (n, getattr(self, n)) for n in names)


def make_context(function, invocation, loads):
    """Build the context of one invocation; `loads` parses the JSON headers."""
    client_context = None
    if invocation.client_context:
        client_context = ClientContext(_parse_header(loads, invocation.client_context, "Client Context"))
    identity = CognitoIdentity()
    if invocation.cognito_identity:
        parsed = _parse_header(loads, invocation.cognito_identity, "Cognito Identity")
        identity.cognito_identity_id = parsed.get("cognitoIdentityId")
        identity.cognito_identity_pool_id = parsed.get("cognitoIdentityPoolId")
    return LambdaContext(function, invocation, client_context, identity)


def _parse_header(loads, text, what):
    try:
        return loads(text)
    except Exception as e:
        raise FaultError(FaultError.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (what, e))
