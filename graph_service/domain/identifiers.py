"""Identifier rules: USCC (GB 32100-2015), resident ID (GB 11643-1999), organisation code (GB 11714).

Each ``check_*`` function returns the normalised identifier and a list of warnings, or raises
:class:`IdentifierError` naming what is wrong. Warnings are for facts that are normal in real data and
must not reject a row (an unknown birth-place prefix, an organisation-code check digit mismatch).

There is one normaliser, :func:`normalise`, and everything that turns typed text into a key goes through
it (the check, the public query, profiles, loaders), so ``9143-0923-MAMFPRR61D``, a full-width USCC and
one with a zero-width space pasted into it all name the same subject. The domain has no clock: rules that
depend on the day (a birth date cannot be in the future) take ``today`` from the caller.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from stdnum.cn import ric

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_CODE_VALUES = {c: i for i, c in enumerate(_ORG_CODE_ALPHABET)}
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


class IdentifierError(ValueError):
    """An identifier that cannot be accepted; ``reason`` says why in words a clerk understands."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.value = value
        self.reason = reason


# Characters a clerk's typing or a copied cell puts inside an identifier without meaning anything:
# whitespace (incl. the ideographic space), every dash (Unicode category Pd, and the minus sign), and
# invisible format characters (category Cf: zero-width space and joiners, word joiner, BOM, soft hyphen).
_DROPPED_CATEGORIES = frozenset({"Pd", "Cf"})
_DROPPED_EXTRA = frozenset({"\u2212"})


def _meaningless(char: str) -> bool:
    return char.isspace() or char in _DROPPED_EXTRA or unicodedata.category(char) in _DROPPED_CATEGORIES


def normalise(value: str) -> str:
    """The canonical form of a typed identifier (USCC, ID number, organisation code).

    Full-width letters and digits become ASCII (NFKC), whitespace, dashes and invisible format characters
    are dropped, letters are upper-cased: ``９１４３－０９２３ MAMFPRR61D`` and ``9143-0923-mamfprr61d``
    both become ``91430923MAMFPRR61D``. Not for unresolved-person keys (see :func:`normalise_key`).
    """
    if value.isascii() and value.isalnum():  # the common case (hot in bulk loads): nothing to strip
        return value.upper()
    text = unicodedata.normalize("NFKC", value)
    return "".join(c for c in text if not _meaningless(c)).upper()


def normalise_key(value: str) -> str:
    """The stored subject key a caller means by ``value``, without validating it.

    An unresolved-person key (``~<uscc>~<name>``) keeps its name as typed (trimmed), its USCC normalised;
    anything else goes through :func:`normalise`.
    """
    text = value.strip()
    if text.startswith("~"):
        parts = text.split("~", 2)
        if len(parts) == 3:
            return f"~{normalise(parts[1])}~{parts[2].strip()}"
        return text
    return normalise(text)


def check_subject_key(value: str, *, today: dt.date | None = None) -> str:
    """The canonical key of a typed subject identifier, validated; :class:`IdentifierError` otherwise.

    A USCC (check character verified), an ID number (check digit and birth date verified, see
    :func:`check_id_number`), or an unresolved-person key whose USCC is verified and which names a person.
    The error of a wrong check character says which character was expected.
    """
    key = normalise_key(value)
    if key.startswith("~"):
        parts = key.split("~", 2)
        if len(parts) != 3 or not parts[2]:
            raise IdentifierError(value, "an unresolved-person key must be ~<USCC>~<name>")
        check_uscc(parts[1])
        return key
    if is_uscc_shaped(key):
        return check_uscc(key)[0]
    return check_id_number(key, today=today)[0]


def org_code_check_char(body: str) -> str:
    """GB 11714 check character for the 8-character body of an organisation code."""
    if len(body) != len(_ORG_CODE_WEIGHTS):
        raise ValueError(f"an organisation code body has 8 characters, got {body!r}")
    try:
        total = sum(_ORG_CODE_VALUES[c] * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not in the organisation code alphabet") from exc
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(body: str) -> str:
    """The GB 32100 mod-31 check character of a USCC's first 17 characters (in :data:`USCC_ALPHABET`).

    What ``stdnum.cn.uscc.calc_check_digit`` computes (python-stdnum is the reference; a unit test holds
    the two equal), table-driven: stdnum's re-cleans its input and looks each character up by
    ``str.index``, ~15x the cost, and a bulk load computes one per organisation it has not seen.
    """
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, _USCC_WEIGHTS, strict=False))
    return USCC_ALPHABET[(31 - total) % 31]


def check_uscc(value: str) -> tuple[str, list[str]]:
    """Validate a 统一社会信用代码.

    Accepts letters in the registering-authority position (N, A, Y …), which ``stdnum.cn.uscc.validate``
    wrongly rejects; the mod-31 check character is ``stdnum.cn.uscc.calc_check_digit``'s
    (:func:`uscc_check_char`).
    A mismatch of the embedded organisation code's own check digit is a warning, not a rejection.
    """
    code, warnings = _check_uscc(value)
    return code, list(warnings)


# Bulk loads check the same identifier several times per row (the loader, then each model that carries
# it) and on neighbouring rows; python-stdnum's helpers cost tens of microseconds a call, so valid results
# are memoised. Errors are raised, never cached.
@lru_cache(maxsize=65_536)
def _check_uscc(value: str) -> tuple[str, tuple[str, ...]]:
    code = normalise(value)
    if len(code) != 18:
        raise IdentifierError(value, f"USCC must have 18 characters, has {len(code)}")
    if not _USCC_RE.match(code):
        bad = sorted({c for c in code if c not in USCC_ALPHABET})
        raise IdentifierError(
            value, f"USCC contains characters outside 0-9/A-Y (no I, O, Z, S, V): {''.join(bad)}"
        )
    if not code[2:8].isdigit():
        raise IdentifierError(value, "USCC characters 3-8 must be the 6-digit region code")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(value, f"USCC check character is {code[17]}, expected {expected}")
    warnings: list[str] = []
    org_body, org_check = code[8:16], code[16]
    if all(c in _ORG_CODE_ALPHABET for c in org_body) and org_code_check_char(org_body) != org_check:
        warnings.append(f"embedded organisation code {code[8:17]} has a check digit mismatch (GB 11714)")
    return code, tuple(warnings)


def check_id_number(value: str, *, today: dt.date | None = None) -> tuple[str, list[str]]:
    """Validate an 18-digit resident identity number (公民身份号码).

    Rejects wrong length, non-digits, a wrong ISO 7064 MOD 11-2 check digit and impossible birth dates
    (not a calendar date, before 1880, or — when the caller says what ``today`` is — after today).
    An unknown or retired place-of-registration prefix is only a warning: real IDs carry them.
    """
    number, born, warnings = _check_id_number(value)
    if today is not None and born > today:
        raise IdentifierError(value, f"ID number has an impossible birth date {born.isoformat()}")
    return number, list(warnings)


# Memoised on the value alone (not the day, which callers pass or not: one entry per ID number, not two).
@lru_cache(maxsize=65_536)
def _check_id_number(value: str) -> tuple[str, dt.date, tuple[str, ...]]:
    number = normalise(value)
    if len(number) != 18:
        raise IdentifierError(value, f"ID number must have 18 characters, has {len(number)}")
    if not _ID_RE.match(number):
        raise IdentifierError(value, "ID number must be 17 digits followed by a digit or X")
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise IdentifierError(value, f"ID number check digit is {number[17]}, expected {expected}")
    try:
        # What ric.get_birth_date computes, without re-cleaning the already normalised number.
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdentifierError(value, f"ID number has an impossible birth date {number[6:14]}") from exc
    if born.year < 1880:
        raise IdentifierError(value, f"ID number has an impossible birth date {born.isoformat()}")
    warnings: list[str] = []
    if not _birth_place_known(number[:6], born.year):
        warnings.append(f"place-of-registration prefix {number[:6]} is unknown for birth year {born.year}")
    return number, born, tuple(warnings)


def _birth_place_known(prefix: str, year: int) -> bool:
    """Whether ``prefix`` was a place-of-registration code in ``year``.

    What ``ric.get_birth_place`` decides (a unit test holds the two equal over its whole table), from
    the prefix's counties looked up once per prefix: python-stdnum's table lookup costs ~80 us and
    dominated bulk loads, and a load's persons share prefixes far more than (prefix, birth year) pairs.
    """
    spans = _county_spans(prefix)
    if spans is None:
        return False
    for start, end in spans:
        if start is None:
            return True  # a county without dates: any year
        if (start and year < int(start)) or (end and year > int(end)):
            continue
        return True
    return False


@lru_cache(maxsize=65_536)
def _county_spans(prefix: str) -> tuple[tuple[str | None, str], ...] | None:
    """The counties of ``prefix`` in ``ric.get_birth_place``'s order as (start, end) years ("" if open;
    None for a county without dates), or None if the prefix is not in python-stdnum's table."""
    from stdnum import numdb

    results = numdb.get("cn/loc").info(prefix)
    info = {k: v for part, props in results for k, v in props.items()}
    if "county" not in info:
        # Not in the table, or only its province is (110199…): unknown, the caller warns. python-stdnum's
        # own ric.get_birth_place raises KeyError('county') on the latter, which once stopped a whole load.
        return None
    spans: list[tuple[str | None, str]] = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            spans.append((None, ""))
            break  # get_birth_place accepts at the first county without dates
        startend, _ = county[1:].split("]")
        start, end = startend.split("-")
        spans.append((start, end))
    return tuple(spans)


# A check asks this of every subject it reaches (and validating relations asks it again): memoised too.
@lru_cache(maxsize=65_536)
def is_uscc_shaped(value: str) -> bool:
    """True if the value is an organisation's USCC rather than a person's key (routes holder ids).

    Letters in the first 17 characters can only be a USCC. Seventeen leading digits are ambiguous: public
    institutions' codes start ``12`` and are often all digits, and a USCC check character may be a digit
    or ``X`` like an ID number's. There the check characters decide: a matching GB 32100 mod-31 character
    and no plausible ID reading (birth date and ISO 7064 MOD 11-2 digit) make it an organisation; anything
    else is treated as an ID number, so a mistyped ID gets the ID number's error message.
    """
    code = normalise(value)
    if len(code) != 18:
        return False
    if not code[:17].isdigit():
        return True
    if _is_plausible_id_number(code):  # cheap (~1 us), and the common case for 17 leading digits
        return False
    return code[17] in USCC_ALPHABET and uscc_check_char(code[:17]) == code[17]


def _is_plausible_id_number(number: str) -> bool:
    if not _ID_RE.match(number) or ric.calc_check_digit(number) != number[17]:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1880 <= born.year <= 2200


def region_of_uscc(code: str) -> str:
    """The registering region embedded in a USCC (characters 3-8)."""
    return code[2:8]


def mask_id_number(value: str) -> str:
    """Mask a resident ID number as ``430923********1011`` (first 6 and last 4 shown)."""
    if _ID_RE.match(value):
        return value[:6] + "*" * 8 + value[14:]
    return value


#: An ID number typed cleanly (18 characters, not touching letters or digits). Masking finds more than
#: this (see :func:`mask_id_numbers_in_text`); the pattern is for scanning answers for a clean leak.
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dX])(?![0-9A-Za-z])")

_DIGIT = "0-9\uff10-\uff19"  # ASCII and full-width digits
# Between two characters of a typed ID: up to three spaces, dashes or invisible characters.
_GAP = "[\\s\\-\u00ad\u2010-\u2015\u2212\ufe63\uff0d\u200b-\u200d\u2060\ufeff]{0,3}"
_ID_IN_TEXT = re.compile(f"[{_DIGIT}](?:{_GAP}[{_DIGIT}]){{16}}{_GAP}[{_DIGIT}Xx\uff38\uff58]")


def mask_id_numbers_in_text(text: str) -> str:
    """Mask every ID number inside free text, however it was typed, as ``430923********1011``.

    Finds 18 characters of an ID (17 digits and a digit or X) in any of the forms people type: touching
    letters, Chinese or other digits (``身份证430923199608295666号``), with spaces, hyphens or zero-width
    characters inside (``430923 19960829 5666``), in full-width digits, with a lowercase ``x``. A match
    is masked when its characters 7-14 are a birth date (1880-2200) and it is not an all-digit USCC (a
    public institution's code, which is public): the date test keeps hex ids and long numbers that
    merely contain 18 digits readable. The masked form is the canonical one, whatever the typing was.
    """
    start = 0
    pos = 0
    parts: list[str] = []
    while (found := _ID_IN_TEXT.search(text, pos)) is not None:
        number = normalise(found.group())
        if _may_be_id_number(number):
            parts += (text[start : found.start()], number[:6] + "*" * 8 + number[14:])
            start = pos = found.end()
        else:
            pos = found.start() + 1  # the ID may start inside this run of digits
    if not parts:
        return text
    parts.append(text[start:])
    return "".join(parts)


def _may_be_id_number(number: str) -> bool:
    """An ID number with a real birth date, right check digit or not (a mistyped ID still names a person)."""
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1880 <= born.year <= 2200 and not is_uscc_shaped(number)
