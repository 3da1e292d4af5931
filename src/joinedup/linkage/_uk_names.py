"""British short forms that the `nicknames` package (built from US sources) does not know.

Each entry maps a short form to the full names it is commonly used for in the UK. Written for joinedup
from general knowledge of British usage; extend it when a place's data shows a common form missing.
"""

from __future__ import annotations

from typing import Final

UK_SHORT_FORMS: Final[dict[str, tuple[str, ...]]] = {
    "alf": ("alfred",),
    "alfie": ("alfred",),
    "archie": ("archibald",),
    "barbs": ("barbara",),
    "bex": ("rebecca",),
    "charlie": ("charles", "charlotte"),
    "chas": ("charles",),
    "christie": ("christine", "christina"),
    "davy": ("david",),
    "debs": ("deborah",),
    "del": ("derek",),
    "gaz": ("gareth", "gary"),
    "gill": ("gillian",),
    "izzy": ("isabel", "isabella", "isobel"),
    "jill": ("gillian",),
    "jonny": ("jonathan",),
    "kate": ("catherine", "katherine", "kathleen"),
    "kath": ("catherine", "katherine", "kathleen"),
    "katie": ("catherine", "katherine", "kathleen"),
    "kev": ("kevin",),
    "liam": ("william",),
    "lizzie": ("elizabeth",),
    "mags": ("margaret",),
    "margo": ("margaret",),
    "mo": ("maureen", "morris"),
    "nicky": ("nicola", "nicholas"),
    "nikki": ("nicola",),
    "ollie": ("oliver",),
    "robbie": ("robert",),
    "shaz": ("sharon",),
    "stevie": ("stephen", "steven"),
    "tash": ("natasha",),
    "tel": ("terence",),
    "tez": ("terence",),
}
