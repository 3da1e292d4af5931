"""Rules that look across a place file: codes declared once and named correctly, no secrets inline.

They read the plain data (dicts and lists, as YAML gives it) and never assume it is well formed, so the
loader can run them on a file that also has schema problems and still report everything in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from joinedup.place._governance_rules import agreement_problems
from joinedup.place._paths import Loc, format_loc
from joinedup.place._survivorship import survivorship_problems


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule: where (as a path from the top of the file) and a plain sentence."""

    loc: Loc
    message: str


_ENV_REF = re.compile(r"\$\{[A-Z_][A-Z0-9_]*\}")
_SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "passphrase", "credential", "credentials"}
_KEY_QUALIFIERS = {"api", "private", "access", "secret", "signing", "auth", "client", "encryption", "shared"}
# Long runs of mixed-case letters and digits, or of hex, are how keys and tokens look; paths and host
# names are broken up by '/' and '.', so they do not match.
_MIXED_TOKEN = re.compile(r"[A-Za-z0-9+=_-]{32,}")
_HEX_TOKEN = re.compile(r"[0-9a-f]{32,}")
_MAX_DEPTH = 20
_USE_ENV = "store it in an environment variable and write '${VARIABLE_NAME}' here instead"


def find_inconsistencies(data: object) -> list[Finding]:
    """Every cross-section problem in ``data``, the parsed content of a place file."""
    if not isinstance(data, Mapping):
        return []
    organisations = _entries(data, "organisations")
    systems = _entries(data, "systems")
    agreements = _entries(data, "agreements")
    findings = [
        *_duplicate_codes("organisations", organisations),
        *_duplicate_codes("systems", systems),
        *_duplicate_codes("agreements", agreements),
    ]
    org_codes = _codes(organisations)
    system_codes = _codes(systems)
    agreement_codes = _codes(agreements)

    for i, org in organisations:
        findings += _undeclared(("organisations", i), org, "part_of", org_codes, "organisations")
        if org.get("part_of") is not None and org.get("part_of") == org.get("code"):
            findings.append(
                Finding(
                    ("organisations", i, "part_of"),
                    f"{_named('organisations', i, org)} names itself in part_of; name the organisation it belongs to.",
                )
            )
        findings += _repeated_values(("organisations", i, "roles"), org.get("roles"))
    for i, system in systems:
        findings += _undeclared(("systems", i), system, "organisation", org_codes, "organisations")
        findings += _connection_secrets(("systems", i, "connection"), system.get("connection"))
    for i, mapping in _entries(data, "mappings"):
        findings += _undeclared(("mappings", i), mapping, "system", system_codes, "systems")
    for i, subscription in _entries(data, "subscriptions"):
        findings += _undeclared(("subscriptions", i), subscription, "system", system_codes, "systems")
        findings += _undeclared(("subscriptions", i), subscription, "agreement", agreement_codes, "agreements")
        findings += _repeated_values(("subscriptions", i, "events"), subscription.get("events"))
        findings += _repeated_values(("subscriptions", i, "fields"), subscription.get("fields"))
    for i, agreement in agreements:
        parties = agreement.get("parties")
        for j, party in enumerate(parties if isinstance(parties, list | tuple) else ()):
            if isinstance(party, str) and party not in org_codes:
                findings.append(
                    Finding(
                        ("agreements", i, "parties", j),
                        f"{_named('agreements', i, agreement)} "
                        f"names party '{party}', which is not declared under organisations.",
                    )
                )
        findings += _repeated_values(("agreements", i, "parties"), parties)
        findings += _repeated_values(("agreements", i, "fields"), agreement.get("fields"))
    findings += [Finding(loc, message) for loc, message in survivorship_problems(data, system_codes)]
    findings += [Finding(loc, message) for loc, message in agreement_problems(data)]
    return findings


def _entries(data: Mapping[object, object], section: str) -> list[tuple[int, Mapping[str, object]]]:
    items = data.get(section)
    if not isinstance(items, list | tuple):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, Mapping)]


def _codes(entries: list[tuple[int, Mapping[str, object]]]) -> set[str]:
    return {code for _, entry in entries if isinstance(code := entry.get("code"), str)}


def _named(section: str, index: int, entry: Mapping[str, object]) -> str:
    code = entry.get("code")
    label = format_loc((section, index))
    return f"{label} '{code}'" if isinstance(code, str) else label


def _duplicate_codes(section: str, entries: list[tuple[int, Mapping[str, object]]]) -> Iterator[Finding]:
    first_use: dict[str, int] = {}
    for i, entry in entries:
        code = entry.get("code")
        if not isinstance(code, str):
            continue
        if code in first_use:
            earlier = format_loc((section, first_use[code]))
            yield Finding(
                (section, i, "code"),
                f"{format_loc((section, i))} uses the code '{code}', which "
                f"{earlier} already uses; each code must be used only once.",
            )
        else:
            first_use[code] = i


def _undeclared(where: Loc, entry: Mapping[str, object], key: str, declared: set[str], section: str) -> list[Finding]:
    value = entry.get(key)
    if not isinstance(value, str) or value in declared:
        return []
    subject = _named(str(where[0]), int(where[1]), entry)
    noun = key.replace("_", " ")
    return [Finding((*where, key), f"{subject} names {noun} '{value}', which is not declared under {section}.")]


def _repeated_values(where: Loc, values: object) -> Iterator[Finding]:
    if not isinstance(values, list | tuple):
        return
    seen: set[object] = set()
    for j, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if value in seen:
            yield Finding((*where, j), f"{format_loc(where)} lists '{value}' more than once.")
        seen.add(value)


def _connection_secrets(where: Loc, connection: object, depth: int = 0) -> Iterator[Finding]:
    if depth > _MAX_DEPTH:
        return
    children: list[tuple[str | int, object]]
    if isinstance(connection, Mapping):
        children = [(key, value) for key, value in connection.items() if isinstance(key, str)]
    elif isinstance(connection, list | tuple):
        children = list(enumerate(connection))
    else:
        return
    for key, value in children:
        loc = (*where, key)
        if isinstance(value, Mapping | list | tuple):
            yield from _connection_secrets(loc, value, depth + 1)
            continue
        if isinstance(key, str) and _is_secret_name(key) and value is not None:
            if not (isinstance(value, str) and (_ENV_REF.fullmatch(value.strip()) or not value.strip())):
                yield Finding(loc, f"{format_loc(loc)} holds a secret written into the file; {_USE_ENV}.")
                continue
        if isinstance(value, str) and (problem := _secret_in_text(value)):
            yield Finding(loc, f"{format_loc(loc)} {problem}.")


def _is_secret_name(key: str) -> bool:
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower())
    words = [word for word in words if word]
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS or last == "apikey" or words == ["key"]:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


def _secret_in_text(value: str) -> str | None:
    """Why a text value looks like it carries a secret, or None."""
    if "${" in _ENV_REF.sub("", value):
        return (
            "has a malformed environment variable reference; write it as '${NAME}' with a name "
            "in capital letters, digits and underscores"
        )
    if "-----BEGIN" in value:
        return f"holds a key or certificate written into the file; {_USE_ENV}"
    if "://" in value:
        address = urlsplit(value)
        if address.password and not _ENV_REF.fullmatch(address.password):
            return f"has a password inside the address; {_USE_ENV}"
        for name, query_value in parse_qsl(address.query):
            if _is_secret_name(name) and query_value and not _ENV_REF.fullmatch(query_value):
                return f"has a secret ('{name}') inside the address; {_USE_ENV}"
    without_refs = _ENV_REF.sub("", value)
    mixed = (run for run in _MIXED_TOKEN.findall(without_refs) if _has_all(run, "a-z", "A-Z", "0-9"))
    hexed = (run for run in _HEX_TOKEN.findall(without_refs) if _has_all(run, "a-f", "0-9"))
    if any(mixed) or any(hexed):
        return f"looks like a key or token written into the file; {_USE_ENV}"
    return None


def _has_all(text: str, *character_ranges: str) -> bool:
    return all(re.search(f"[{chars}]", text) for chars in character_ranges)
