"""JavaScript semantics the Node runtime relies on, so this twin gives byte-for-byte the same outputs.

Carriers are JSON-shaped dicts. A missing key is JavaScript's ``undefined`` (:data:`UNDEFINED` here); a key
holding ``None`` is JSON ``null``, which the Node code sometimes treats differently (``!== undefined``).
"""

import json
import math
from collections.abc import Mapping
from typing import Any


class _Undefined:
    """JavaScript's ``undefined``: what reading a missing property gives."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()

#: What ``key in {}`` finds on every JavaScript object (Object.prototype), besides its own keys.
OBJECT_PROTOTYPE_KEYS = frozenset((
    "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf", "__proto__",
    "toLocaleString",
))

#: What ``String.prototype.trim`` removes (WhiteSpace and LineTerminator), not what ``str.strip`` does.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def get(value: Any, key: str) -> Any:
    """``value?.[key]`` on JSON-shaped data: a dict's entry, an array's element, else UNDEFINED."""
    if type(value) is dict:
        return value.get(key, UNDEFINED)
    if isinstance(value, Mapping):
        try:
            return value[key] if key in value else UNDEFINED
        except Exception:  # a mapping that refuses the key
            return UNDEFINED
    if isinstance(value, (list, tuple)) and key.isdigit() and key.isascii() and (key == "0" or key[0] != "0"):
        index = int(key)
        return value[index] if index < len(value) else UNDEFINED
    return UNDEFINED


def is_object(value: Any) -> bool:
    """``typeof value === 'object' && value !== null``: anything but a primitive."""
    return value is not None and value is not UNDEFINED and not isinstance(value, (str, int, float))


def is_number(value: Any) -> bool:
    """``typeof value === 'number'`` (a bool is not one)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def truthy(value: Any) -> bool:
    """JavaScript truthiness: empty lists and dicts are truthy, NaN is not."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if is_number(value):
        return value == value and value != 0
    return True


def low_bits(value: Any, mask: int) -> int:
    """``value & mask`` for a JavaScript number (ToInt32 first)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return 0
        value = int(value)
    return int(value) & mask


def to_string(value: Any) -> str:
    """``String(value)``, as template literals and ``Array.prototype.join`` convert."""
    if isinstance(value, str):
        return value
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, (list, tuple)):
        return ",".join("" if e is None or e is UNDEFINED else to_string(e) for e in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def number_to_string(value: Any) -> str:
    """``Number.prototype.toString()``: shortest round-trip digits, exponent past 1e21 and below 1e-6."""
    if isinstance(value, int) and abs(value) < 10**21:
        return str(value)
    x = float(value)
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest round-trip digits, as V8 does; only the layout differs.
    text = repr(abs(x))
    if "e" in text:
        mantissa, exponent = text.split("e")
        digits = mantissa.replace(".", "").rstrip("0") or "0"
        n = int(exponent) + 1  # value = 0.<digits> * 10**n
    else:
        whole, _, fraction = text.partition(".")
        if whole != "0":
            digits, n = (whole + fraction).rstrip("0"), len(whole)
        else:
            stripped = fraction.lstrip("0")
            digits, n = stripped.rstrip("0"), -(len(fraction) - len(stripped))
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + text


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_string(value: str) -> str:
    """``JSON.stringify`` of a string (well-formed: lone surrogates escaped, nothing else non-ASCII)."""
    out = ['"']
    for c in value:
        o = ord(c)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def stringify(value: Any) -> str:
    """``JSON.stringify`` of a JSON-shaped value (compact, the way Node writes it)."""
    if isinstance(value, str):
        return json_string(value)
    if value is None or value is UNDEFINED:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return number_to_string(value) if math.isfinite(value) else "null"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stringify(e) for e in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(json_string(str(k)) + ":" + stringify(v) for k, v in value.items() if v is not UNDEFINED) + "}"
    return json_string(str(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """``JSON.parse``; raises ValueError where it throws (NaN and Infinity are not JSON there either)."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError as error:  # nesting deeper than Python's stack; V8 parses it
        raise ValueError("JSON nested too deeply") from error


def utf8_length(value: str) -> int:
    """``Buffer.byteLength(value)``: UTF-8 bytes, a lone surrogate counted as its 3-byte replacement."""
    # Most message bodies are ASCII: counted without encoding a copy of a body of up to 256 KiB.
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
