"""JSON in and out: the one place that dumps and loads it, with the rules at statekeep's edges.

- Documents are strict JSON: no NaN or infinities (on the way in they are refused, so they are
  never written out), integers within 64 bits (beyond that orjson would turn them into floats
  without a word). A request body nests at most 1,024 levels (orjson's reading limit, checked
  before any work); a document a user hands in to be kept (a context, a payload) at most
  :data:`MAX_DEPTH` (orjson's writing limit: anything kept can be written back out).
- ``orjson`` does the work on the hot paths (the wire form, store records). Digests use the
  standard library's sorted, ASCII form, which the digests of stored versions were made with.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from statekeep.errors import InvalidRequest

__all__ = ["MAX_DEPTH", "canonical", "document", "dumps", "loads"]

#: The deepest nesting of a document that is kept: orjson writes no deeper.
MAX_DEPTH = 254

# An integer literal too long for 64 bits; it may also match inside a string, which only
# sends the document the slow, exact way.
_LONG_INTEGER = re.compile(rb"-?\d{20,}")
_INT_RANGE = (-(1 << 63), (1 << 64) - 1)
# JavaScript's names for what JSON has no number for, as a lenient encoder writes them (only
# used to say why a document was refused).
_NOT_A_NUMBER = re.compile(rb"[\[:,]\s*-?(NaN|Infinity)\b")


def loads(data: bytes | str, what: str = "the body") -> Any:
    """A JSON document, strictly: :class:`InvalidRequest` says why one is refused."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        reason = "it is nested too deep" if "depth" in str(e) else str(e)
        if _NOT_A_NUMBER.search(raw):
            reason = f"NaN and Infinity are not JSON: use a number, a string or null ({reason})"
        elif "infinity" in reason:
            reason = f"a number is too large for a double ({reason})"
        raise InvalidRequest(f"{what} is not valid JSON: {reason}") from None
    if _LONG_INTEGER.search(raw):
        try:
            exact = json.loads(raw)
        except RecursionError:
            # The standard library stops nesting a little before orjson: a document that deep
            # and holding a long integer is refused as too deep, not as a crash.
            raise InvalidRequest(f"{what} is not valid JSON: it is nested too deep") from None
        _check_integers(exact, what)
    return value


def document(value: Any, what: str = "a document") -> bytes:
    """``value`` as JSON, checked the same way: a value a user hands in (a context, a payload)."""
    try:
        out = orjson.dumps(value)
    except TypeError as e:
        raise InvalidRequest(f"{what} must be JSON: {_type_error(e)}") from None
    if b"null" in out:
        # orjson writes NaN and infinities as null; only then is it worth a look for them.
        _check_finite(value, what)
    return out


def dumps(value: Any) -> bytes:
    """JSON of a value statekeep made (already checked): compact, UTF-8."""
    return orjson.dumps(value)


def canonical(value: Any) -> bytes:
    """The form a digest is taken over: keys sorted, no spaces, ASCII only."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _type_error(e: TypeError) -> str:
    text = str(e)
    if "64-bit" in text:
        return "an integer is outside the 64-bit range"
    if "Recursion" in text:
        return f"it is nested more than {MAX_DEPTH} levels deep"
    return text


def _check_finite(value: Any, what: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidRequest(f"{what} holds {item}, which JSON cannot carry: use a number, a string or null")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_integers(value: Any, what: str) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool) and not _INT_RANGE[0] <= item <= _INT_RANGE[1]:
            raise InvalidRequest(f"{what} holds an integer outside the 64-bit range; send it as a string")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
