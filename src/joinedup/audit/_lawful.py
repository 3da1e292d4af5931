"""When erasure is lawful (UK GDPR Art 17), decided from the lawful basis the data is processed under.

Public services mostly process under a legal obligation or a public task, where Art 17(3)(b) takes away the
right to erasure; restriction of processing (Art 18) stays open. Consent, contract, vital and legitimate
interests give way to an erasure request once the ground in Art 17(1) applies.
"""

from __future__ import annotations

import re

_BASIS = re.compile(r"6\s*\(\s*1\s*\)\s*\(\s*([a-f])\s*\)", re.IGNORECASE)

_ERASABLE = {
    "a": "UK GDPR Art 17(1)(b): consent withdrawn and no other lawful ground",
    "b": "UK GDPR Art 17(1)(a): no longer necessary for the contract",
    "d": "UK GDPR Art 17(1)(a): no longer necessary to protect vital interests",
    "f": "UK GDPR Art 17(1)(c): objection upheld, no overriding legitimate grounds",
}
_NOT_ERASABLE = {
    "c": "it is kept to meet a legal obligation (UK GDPR Art 17(3)(b))",
    "e": "it is processed for a public task (UK GDPR Art 17(3)(b))",
}


class ErasureRefused(ValueError):
    """Erasure is not lawful for this data; the message says why in a plain sentence."""


def erasure_ground(lawful_basis: str) -> str:
    """The Art 17 ground that makes erasure lawful, or ErasureRefused saying why it is not."""
    match = _BASIS.search(lawful_basis)
    if match is None:
        raise ErasureRefused(f"the lawful basis {lawful_basis!r} is not of the form 'Art 6(1)(a)' to 'Art 6(1)(f)'")
    letter = match.group(1).lower()
    if letter in _NOT_ERASABLE:
        raise ErasureRefused(f"the record cannot be erased: {_NOT_ERASABLE[letter]}; restrict its use instead")
    return _ERASABLE[letter]
