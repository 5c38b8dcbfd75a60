"""JSON in and out of the handler, encoded as AWS's runtimes (simplejson) encode it: Decimal as
its digits, NaN/Infinity bare, `_asdict()` objects as objects, non-ASCII unescaped from 3.12 on.
"""

import os
import sys

from .errors import FaultError

_ENSURE_ASCII = sys.version_info < (3, 12)

# A Decimal is first encoded as a unique placeholder string, then swapped for its digits.
# NUL is always escaped by json, and the random nonce makes a collision with user text hopeless.
_RAW_PREFIX = "\x00lamina-raw-%s-" % os.urandom(6).hex()
_encoder_class = None


def loads(text):
    import json

    return json.loads(text)


def decode_event(body, content_type):
    """The event as the handler sees it: parsed JSON, or the raw bytes for other content types."""
    if content_type is not None and content_type != "application/json":
        return body
    try:
        return loads(body)
    except Exception as e:
        raise FaultError(FaultError.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % e)


def encode_result(result):
    """(body bytes, content type) for the handler's return value; bytes go out untouched."""
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return to_json(result).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultError(FaultError.MARSHAL_ERROR, "Unable to marshal response: %s" % e)


def to_json(value):
    return _make_encoder().encode(value)


def _make_encoder():
    global _encoder_class
    if _encoder_class is None:
        import json

        _encoder_class = _define_encoder(json)
    return _encoder_class()


def _define_encoder(json):
    class Encoder(json.JSONEncoder):
        def __init__(self):
            json.JSONEncoder.__init__(self, ensure_ascii=_ENSURE_ASCII, allow_nan=True)
            self._raw = []

        def default(self, value):
            decimal = sys.modules.get("decimal")  # no Decimal can exist before decimal is imported
            if decimal is not None and isinstance(value, decimal.Decimal):
                if value.is_nan():
                    return float("nan")
                self._raw.append(str(value))
                return "%s%d" % (_RAW_PREFIX, len(self._raw) - 1)
            as_dict = getattr(value, "_asdict", None)
            if callable(as_dict):
                return as_dict()
            raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)

        def encode(self, value):
            text = json.JSONEncoder.encode(self, value)
            if self._raw:
                text = self._splice_raw(text)
            return text

        def _splice_raw(self, text):
            quoted_prefix = json.dumps(_RAW_PREFIX)[:-1]  # '"\u0000lamina-raw-<nonce>-'
            parts = text.split(quoted_prefix)
            out = [parts[0]]
            for part in parts[1:]:
                index, _, rest = part.partition('"')
                out.append(self._raw[int(index)])
                out.append(rest)
            return "".join(out)

    return Encoder
