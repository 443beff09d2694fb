"""Vocabularies of the public stop-and-search data, current and legacy, and their normalisation.

Known values are matched ignoring case and runs of whitespace, and stored in their published spelling.
Legacy values (2016-era outcomes and 16+1 ethnicity codes) are **kept as written**; what makes them
comparable across years are the two derived groups:

* ``self_defined_ethnicity_group``: White, Black, Asian, Mixed, Other or Not stated (None when empty).
  Legacy "Chinese or other ethnic group - Chinese (O1)" goes to **Asian**, as the 2011 and 2021 census
  wording ("Asian/Asian British - Chinese") does, so a series across 2016→2020 does not jump.
  "Other ethnic group - Not stated" and "Not Stated (NS)" are Not stated.  Some 2016-era files write the
  codes with a zero ("(01)", "(09)"); both spellings are understood.
* ``outcome_group``: ``"nfa"``, ``"positive"`` (any disposal other than no further action) or ``""``
  when the outcome is empty or cannot be classified.  It is derived from the outcome **only**: "outcome
  linked to object of search" is never read as "something was found" (some forces set it True on
  no-further-action rows).

An unknown value is accepted and kept as written; the caller records a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

OutcomeGroup = Literal["nfa", "positive", ""]

ETHNICITY_GROUPS: Final = ("White", "Black", "Asian", "Mixed", "Other", "Not stated")
OUTCOME_GROUPS: Final = ("nfa", "positive", "")

TYPES: Final = ("Person search", "Person and Vehicle search", "Vehicle search")
GENDERS: Final = ("Male", "Female", "Other")
AGE_RANGES: Final = ("under 10", "10-17", "18-24", "25-34", "over 34")
OFFICER_DEFINED_ETHNICITIES: Final = ("White", "Black", "Asian", "Other", "Mixed")

_CURRENT_SELF_DEFINED: Final = {
    "White": (
        "White - English/Welsh/Scottish/Northern Irish/British",
        "White - Irish",
        "White - Gypsy or Irish Traveller",
        "White - Roma",
        "White - Any other White background",
    ),
    "Mixed": (
        "Mixed/Multiple ethnic groups - White and Black Caribbean",
        "Mixed/Multiple ethnic groups - White and Black African",
        "Mixed/Multiple ethnic groups - White and Asian",
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    ),
    "Asian": (
        "Asian/Asian British - Indian",
        "Asian/Asian British - Pakistani",
        "Asian/Asian British - Bangladeshi",
        "Asian/Asian British - Chinese",
        "Asian/Asian British - Any other Asian background",
    ),
    "Black": (
        "Black/African/Caribbean/Black British - African",
        "Black/African/Caribbean/Black British - Caribbean",
        "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    ),
    "Other": (
        "Other ethnic group - Arab",
        "Other ethnic group - Any other ethnic group",
    ),
    "Not stated": ("Other ethnic group - Not stated",),
}

#: 2016-era 16+1 wording with its code (as published; "(01)"/"(09)" zero spellings also occur).
_LEGACY_SELF_DEFINED: Final = {
    "White": (
        "White - White British (W1)",
        "White - White Irish (W2)",
        "White - Any other White ethnic background (W9)",
    ),
    "Mixed": (
        "Mixed - White and Black Caribbean (M1)",
        "Mixed - White and Black African (M2)",
        "Mixed - White and Asian (M3)",
        "Mixed - Any other Mixed ethnic background (M9)",
    ),
    "Asian": (
        "Asian or Asian British - Indian (A1)",
        "Asian or Asian British - Pakistani (A2)",
        "Asian or Asian British - Bangladeshi (A3)",
        "Asian or Asian British - Any other Asian ethnic background (A9)",
        "Chinese or other ethnic group - Chinese (O1)",
        "Chinese or other ethnic group - Chinese (01)",
    ),
    "Black": (
        "Black or Black British - Caribbean (B1)",
        "Black or Black British - African (B2)",
        "Black or Black British - Any other Black ethnic background (B9)",
    ),
    "Other": (
        "Chinese or other ethnic group - Any other ethnic group (O9)",
        "Chinese or other ethnic group - Any other ethnic group (09)",
    ),
    "Not stated": ("Not Stated (NS)",),
}

SELF_DEFINED_ETHNICITIES: Final = tuple(v for vs in _CURRENT_SELF_DEFINED.values() for v in vs)
LEGACY_SELF_DEFINED_ETHNICITIES: Final = tuple(v for vs in _LEGACY_SELF_DEFINED.values() for v in vs)

LEGISLATION: Final = (
    "Misuse of Drugs Act 1971 (section 23)",
    "Police and Criminal Evidence Act 1984 (section 1)",
    "Criminal Justice and Public Order Act 1994 (section 60)",
    "Firearms Act 1968 (section 47)",
    "Criminal Justice Act 1988 (section 139B)",
    "Psychoactive Substances Act 2016 (s36(2))",
    "Psychoactive Substances Act 2016 (s37(2))",
    "Police and Criminal Evidence Act 1984 (section 6)",
    "Terrorism Act 2000 (section 43)",
    "Terrorism Act 2000 (section 43A)",
    "Terrorism Act 2000 (section 47A)",
    "Aviation Security Act 1982 (section 27(1))",
    "Customs and Excise Management Act 1979 (section 163)",
    "Crossbows Act 1987 (section 4)",
    "Wildlife and Countryside Act 1981 (section 19)",
    "Protection of Badgers Act 1992 (section 11)",
    "Conservation of Seals Act 1970 (section 4)",
    "Deer Act 1991 (section 12)",
    "Poaching Prevention Act 1862 (section 2)",
    "Public Stores Act 1875 (section 6)",
    "Environmental Protection Act 1990 (section 34B )",
    "Hunting Act 2004 (section 8)",
    "Sporting Events Act 1985 (section 7)",
)

OBJECTS_OF_SEARCH: Final = (
    "Controlled drugs",
    "Offensive weapons",
    "Stolen goods",
    "Article for use in theft",
    "Articles for use in criminal damage",
    "Anything to threaten or harm anyone",
    "Firearms",
    "Fireworks",
    "Crossbows",
    "Psychoactive substances",
    "Evidence of offences under the Act",
    "Evidence of wildlife offences",
    "Evidence of hunting any wild mammal with a dog",
    "Game or poaching equipment",
    "Goods on which duty has not been paid etc.",
    "Seals or hunting equipment",
    "Detailed object of search unavailable",
)

OUTCOMES_NFA: Final = (
    "A no further action disposal",
    "Nothing found - no further action",
    # 2017-era: something was seized but the disposal was no further action against the person.
    "Suspected psychoactive substances seized - No further action",
)
OUTCOMES_POSITIVE: Final = (
    "Arrest",
    "Khat or Cannabis warning",
    "Community resolution",
    "Summons / charged by post",
    "Caution (simple or conditional)",
    "Penalty Notice for Disorder",
    # legacy (2016-era)
    "Suspect arrested",
    "Offender given drugs possession warning",
    "Offender given penalty notice",
    "Local resolution",
    "Suspect summonsed to court",
    "Offender cautioned",
    "Article found - Detailed outcome unavailable",
)
OUTCOMES: Final = OUTCOMES_NFA + OUTCOMES_POSITIVE

#: data.police.uk API ``outcome_object.id`` values.
OUTCOME_IDS: Final = {
    "bu-no-further-action": "nfa",
    "bu-arrest": "positive",
    "bu-summons": "positive",
    "bu-caution": "positive",
    "bu-community-resolution": "positive",
    "bu-penalty-notice": "positive",
    "bu-khat-or-cannabis-warning": "positive",
}

_SPACES = re.compile(r"\s+")


def vocab_key(value: str) -> str:
    """Matching key: case-folded, whitespace runs collapsed, spaces around ``-`` and ``/`` ignored."""
    key = _SPACES.sub(" ", value.casefold()).strip()
    key = key.replace(" - ", "-").replace(" -", "-").replace("- ", "-").replace(" / ", "/")
    return key.replace("( ", "(").replace(" )", ")")


def _table(values) -> dict[str, str]:
    return {vocab_key(v): v for v in values}


_VOCABS: Final[dict[str, dict[str, str]]] = {
    "type": _table(TYPES),
    "gender": _table(GENDERS),
    "age_range": _table(AGE_RANGES),
    "officer_defined_ethnicity": _table(OFFICER_DEFINED_ETHNICITIES),
    "self_defined_ethnicity": _table(SELF_DEFINED_ETHNICITIES + LEGACY_SELF_DEFINED_ETHNICITIES),
    "legislation": _table(LEGISLATION),
    "object_of_search": _table(OBJECTS_OF_SEARCH),
    "outcome": _table(OUTCOMES),
}

#: Fields whose values are checked against a vocabulary.
VOCAB_FIELDS: Final = tuple(_VOCABS)

_ETHNICITY_GROUP_OF: Final[dict[str, str]] = {
    vocab_key(v): group
    for table in (_CURRENT_SELF_DEFINED, _LEGACY_SELF_DEFINED)
    for group, values in table.items()
    for v in values
}
# Bare group names, as some force systems write them.
_ETHNICITY_GROUP_OF.update({vocab_key(g): g for g in ETHNICITY_GROUPS})
_ETHNICITY_GROUP_OF.update({"not stated (ns)": "Not stated", "not stated": "Not stated", "chinese": "Asian"})

# Group part (before " - ") of the current and legacy wordings.
_GROUP_PREFIXES: Final = {
    "white": "White",
    "black/african/caribbean/black british": "Black",
    "black or black british": "Black",
    "black": "Black",
    "asian/asian british": "Asian",
    "asian or asian british": "Asian",
    "asian": "Asian",
    "mixed/multiple ethnic groups": "Mixed",
    "mixed": "Mixed",
    "other ethnic group": "Other",
    "chinese or other ethnic group": "Other",
    "other": "Other",
}
_CODE = re.compile(r"\(\s*([wbamo0])\s*(\d)\s*\)$|\(\s*ns\s*\)$")
_CODE_GROUP: Final = {"w": "White", "b": "Black", "a": "Asian", "m": "Mixed", "o": "Other", "0": "Other"}

_OUTCOME_GROUP_OF: Final[dict[str, str]] = {vocab_key(v): "nfa" for v in OUTCOMES_NFA}
_OUTCOME_GROUP_OF.update({vocab_key(v): "positive" for v in OUTCOMES_POSITIVE})
_NFA_WORDS: Final = re.compile(r"no further action|nothing found|\bnfa\b")
_POSITIVE_WORDS: Final = re.compile(r"arrest|summons|charged|caution|warning|penalty|resolution")


@dataclass(frozen=True, slots=True)
class VocabValue:
    """A normalised value: the published spelling when known, else the original string."""

    value: str
    known: bool


def normalise(field: str, value: str) -> VocabValue:
    """Normalise one non-empty value of a vocabulary field (see :data:`VOCAB_FIELDS`)."""
    canonical = _VOCABS[field].get(vocab_key(value))
    if canonical is not None:
        return VocabValue(canonical, True)
    return VocabValue(value, False)


def ethnicity_group(self_defined: str | None) -> str | None:
    """White / Black / Asian / Mixed / Other / Not stated for a self-defined ethnicity; None if empty
    or not classifiable."""
    if not self_defined:
        return None
    key = vocab_key(self_defined)
    group = _ETHNICITY_GROUP_OF.get(key)
    if group is not None:
        return group
    code = _CODE.search(key)
    head, sep, detail = key.partition("-")
    detail = _CODE.sub("", detail).strip() if sep else ""
    if detail in ("not stated", "not known", "unknown", "prefer not to say"):
        return "Not stated"
    if code is not None:
        letter, digit = code.group(1), code.group(2)
        if letter is None:
            return "Not stated"
        if letter in ("o", "0") and digit == "1":
            return "Asian"  # legacy Chinese, see module docstring
        return _CODE_GROUP[letter]
    if sep:
        group = _GROUP_PREFIXES.get(head.strip())
        if group is not None:
            if group == "Other" and detail == "chinese":
                return "Asian"
            return group
    return None


def outcome_group(outcome: str | None, outcome_id: str | None = None) -> OutcomeGroup:
    """``"nfa"``, ``"positive"`` or ``""`` (empty or unclassifiable) from the outcome text or API id."""
    if outcome_id:
        group = OUTCOME_IDS.get(outcome_id.strip().lower())
        if group is not None:
            return group  # type: ignore[return-value]
    if not outcome:
        return ""
    key = vocab_key(outcome)
    group = _OUTCOME_GROUP_OF.get(key)
    if group is not None:
        return group  # type: ignore[return-value]
    if _NFA_WORDS.search(key):
        return "nfa"
    if _POSITIVE_WORDS.search(key):
        return "positive"
    return ""
