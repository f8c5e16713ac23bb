"""Examples cut out of the reference documents in ../shared (tests skip when it is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REFERENCE = SHARED / "reference"
XSD_DIR = SHARED / "ubl-2.1" / "xsd"
REAL_FIXTURES = SHARED / "fixtures" / "real"

_START = re.compile(r"^<(?:(\w+):)?(Order|OrderChange|OrderResponse|StatusMessage)[\s>]")


def require_shared():
    if not REFERENCE.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}); the reference examples live there")


def xml_examples(document: str = "jakamo-purchase-order-api.txt") -> list[tuple[str, str]]:
    """(title, xml) for every complete XML example in a reference document, in order; none when
    ../shared is absent (parametrized tests then report an empty, skipped parameter set)."""
    if not REFERENCE.is_dir():
        return []
    lines = (REFERENCE / document).read_text(encoding="utf-8").splitlines()
    examples = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _START.match(line)
        if not match:
            if line.startswith("Example"):
                title = line
            i += 1
            continue
        prefix, root = match.group(1), match.group(2)
        closing = f"</{prefix}:{root}>" if prefix else f"</{root}>"
        block = []
        while i < len(lines):
            block.append(lines[i])
            if lines[i].strip().endswith(closing):
                break
            i += 1
        text = "\n".join(block)
        # "<ns:OrderChange xmlns:ns=... Order-2" example B of 6.8.1 starts the root and then jumps
        # to "<cac:DocumentReference>": keep only blocks that parse as whole documents.
        examples.append((title or root, text))
        i += 1
    return examples
