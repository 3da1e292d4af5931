"""JSON text for the columns ingest writes, from encoders built once.

``json.JSONEncoder.encode`` builds a new C encoder on every call, which for the small documents of a source
record costs as much as the encoding itself; ingest encodes two per record (raw and canonical). Here the C
encoder is made once and called directly. The text is exactly what ``JSONEncoder(...).encode`` gives with the
same options (compact separators, non-ASCII kept as it is, NaN allowed as the standard encoder allows it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def compact_json(*, sort_keys: bool) -> Callable[[Any], str]:
    """A function from a JSON-able value to its compact text, keys sorted or in their own order."""
    reference = json.JSONEncoder(sort_keys=sort_keys, ensure_ascii=False, separators=(",", ":"))
    make = getattr(_encoder, "c_make_encoder", None)  # the C accelerator's encoder class, if built
    if make is None:  # an interpreter without the C accelerator: the standard path, same text
        return reference.encode
    # markers=None: no circular-reference check (a payload read from a system is a tree; a cycle would end in
    # RecursionError rather than ValueError). default: the standard one, which raises TypeError as before.
    encode = make(None, reference.default, _encoder.encode_basestring, None, ":", ",", sort_keys, False, True)

    def text(value: Any) -> str:
        if isinstance(value, str):  # the C encoder wants a container at the top; JSONEncoder.encode special-cases str
            return reference.encode(value)
        return "".join(encode(value, 0))

    return text
