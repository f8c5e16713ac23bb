"""Reading untrusted JSON: size limit, strict UTF-8, numbers as Decimal, clear errors."""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal, InvalidOperation

from .errors import DocumentError, Problem
from .ubl import LARGEST

MAX_JSON_BYTES = 5 * 1024 * 1024

# What a JSON escape can put into a string that no text column can take: U+0000 (PostgreSQL refuses
# it) and a lone half of a surrogate pair (not a character: no UTF-8 encodes it, so every database
# and every page refuses it). A raw control character or surrogate is already malformed JSON or
# UTF-8; only the escapes need looking for, and only then the walk.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def load_json(data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise DocumentError(f"The body is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=_whole_number)
    except json.JSONDecodeError as exc:
        raise DocumentError([Problem(f"Malformed JSON: {exc.msg}", line=exc.lineno)]) from None
    except RecursionError:
        raise DocumentError("Malformed JSON: nested too deeply.") from None
    except _TooManyDigits as exc:
        raise DocumentError(
            f"A number in the body has {exc.digits:,} digits; no field holds a number that long."
        ) from None
    if _UNSTORABLE_ESCAPE.search(text):
        found = _unstorable(value)
        if found is not None:
            raise DocumentError([Problem(_why_unstorable(found[1]), found[0] or "(the body)")])
    return value


class _TooManyDigits(ValueError):
    def __init__(self, digits: int):
        super().__init__(digits)
        self.digits = digits


def _whole_number(text: str) -> int:
    # Python refuses to read an integer of more than 4,300 digits with its own advice to the
    # programmer ("use sys.set_int_max_str_digits()"); no field holds one, so say that instead.
    digits = len(text.lstrip("-"))
    if digits > sys.get_int_max_str_digits():
        raise _TooManyDigits(digits)
    return int(text)


def _why_unstorable(char: str) -> str:
    if char == "\x00":
        return "contains the character U+0000 (NUL), which no text field can store"
    return (
        f"contains U+{ord(char):04X}, one half of a surrogate pair standing alone: "
        "not a character, and no text field can store it"
    )


def escape_unstorable(text: str) -> str:
    """``text`` with what no text field can store written as its JSON escape, for messages and pages."""
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _unstorable(value) -> tuple[str, str] | None:
    """Where a string (value or key) holds what no text field can store, as ``a.b[2].c``, and that
    character; or None. A stack, not recursion: json.loads takes nesting deeper than a recursive
    walk from here could follow."""
    stack = [(value, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if match := UNSTORABLE.search(value):
                return path, match.group()
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                if match := UNSTORABLE.search(key):  # said escaped: the message is stored and shown
                    key = escape_unstorable(key)
                    return (f"{path}.{key}" if path else key), match.group()
                children.append((item, f"{path}.{key}" if path else key))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value))))
    return None


class Fields:
    """Typed access to one JSON object, collecting problems with their paths."""

    def __init__(self, obj, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        if not isinstance(obj, dict):
            problems.append(Problem(f"expected an object, got {type(obj).__name__}", path))
            obj = {}
        self.obj = obj
        self.used: set[str] = set()

    def _get(self, key):
        self.used.add(key)
        return self.obj.get(key)

    def str(self, key, *, required=False) -> str | None:
        value = self._get(key)
        if value is None or value == "":
            if required:
                self.problems.append(Problem("is required", f"{self.path}.{key}"))
            return None
        if isinstance(value, (dict, list, bool)):
            self.problems.append(Problem(f"expected text, got {type(value).__name__}", f"{self.path}.{key}"))
            return None
        return str(value)

    def decimal(self, key, *, required=False) -> Decimal | None:
        value = self._get(key)
        if value is None or value == "":
            if required:
                self.problems.append(Problem("is required", f"{self.path}.{key}"))
            return None
        if isinstance(value, (bool, dict, list)):
            self.problems.append(Problem(f"expected a number, got {value!r}", f"{self.path}.{key}"))
            return None
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.problems.append(Problem(f"'{value}' is not a number", f"{self.path}.{key}"))
            return None
        if not result.is_finite():
            self.problems.append(Problem(f"'{value}' is not a finite number", f"{self.path}.{key}"))
            return None
        if abs(result) >= LARGEST:
            self.problems.append(Problem(f"'{value}' is too large (at most {LARGEST - 1:,})", f"{self.path}.{key}"))
            return None
        return result

    def list(self, key) -> list:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(Problem(f"expected a list, got {type(value).__name__}", f"{self.path}.{key}"))
            return []
        return value

    def obj_or_none(self, key):
        value = self._get(key)
        return value if isinstance(value, dict) else None

    def extra(self) -> dict:
        """Fields we do not model: kept, not dropped."""
        return {k: v for k, v in self.obj.items() if k not in self.used}
