"""The canonical stop fields, their public column names and the header variants we accept.

One ordered table drives the parser (which column feeds which field), the export (column order) and the
import service (what a stop record holds).  Header matching ignores case, and treats spaces,
underscores, hyphens and other punctuation alike, so ``Self-defined ethnicity``,
``self_defined_ethnicity`` and ``SELF DEFINED ETHNICITY`` are the same column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["vocab", "text", "datetime", "bool", "coord", "list"]
FieldSource = Literal["public", "force", "derived"]


@dataclass(frozen=True, slots=True)
class StopField:
    """One canonical stop field.

    ``column`` is the name a person sees (the data.police.uk column for public fields); ``aliases`` are
    further header spellings accepted on import; ``json_key`` is the data.police.uk API key, if any.
    """

    name: str
    column: str
    kind: FieldKind
    source: FieldSource
    aliases: tuple[str, ...] = ()
    json_key: str | None = None


PUBLIC_FIELDS: tuple[StopField, ...] = (
    StopField("type", "Type", "vocab", "public", ("Search type", "Stop type"), "type"),
    StopField("datetime", "Date", "datetime", "public",
              ("Datetime", "Date time", "Date and time", "Date/time", "Search date"), "datetime"),
    StopField("part_of_policing_operation", "Part of a policing operation", "bool", "public",
              ("Part of policing operation", "Policing operation flag"), "operation"),
    StopField("policing_operation", "Policing operation", "text", "public",
              ("Operation name",), "operation_name"),
    StopField("latitude", "Latitude", "coord", "public", ("Lat",), "latitude"),
    StopField("longitude", "Longitude", "coord", "public", ("Lon", "Lng", "Long"), "longitude"),
    StopField("gender", "Gender", "vocab", "public", ("Sex",), "gender"),
    StopField("age_range", "Age range", "vocab", "public", ("Age group", "Age band"), "age_range"),
    StopField("self_defined_ethnicity", "Self-defined ethnicity", "vocab", "public",
              ("Self defined ethnicity", "Ethnicity (self-defined)", "Self-defined ethnic group"),
              "self_defined_ethnicity"),
    StopField("officer_defined_ethnicity", "Officer-defined ethnicity", "vocab", "public",
              ("Ethnicity (officer-defined)", "Officer-defined ethnic group", "Officer observed ethnicity"),
              "officer_defined_ethnicity"),
    StopField("legislation", "Legislation", "vocab", "public", ("Power", "Power used", "Search power"),
              "legislation"),
    StopField("object_of_search", "Object of search", "vocab", "public", ("Search object",),
              "object_of_search"),
    StopField("outcome", "Outcome", "vocab", "public", ("Search outcome",), "outcome"),
    StopField("outcome_linked_to_object_of_search", "Outcome linked to object of search", "bool", "public",
              ("Outcome linked to object",), "outcome_linked_to_object_of_search"),
    StopField("removal_of_more_than_just_outer_clothing", "Removal of more than just outer clothing", "bool",
              "public", ("Removal of more than outer clothing",), "removal_of_more_than_outer_clothing"),
)

FORCE_FIELDS: tuple[StopField, ...] = (
    StopField("reference", "Reference", "text", "force",
              ("Search reference", "Search ref", "Search reference number", "Reference number", "Ref",
               "Record number", "Record reference", "Record no", "Search record number", "Search record",
               "Search number", "Search id", "Record id", "Stop id", "Stop reference", "Stop search reference",
               "Stop and search reference")),
    StopField("officer", "Officer", "text", "force",
              ("Officer number", "Officer no", "Officer id", "Officer reference", "Collar number",
               "Collar no", "Collar", "Warrant number", "Warrant no", "Officer collar number",
               "Officer warrant number", "Shoulder number", "Searching officer")),
    StopField("team", "Team", "text", "force", ("Team name", "Unit", "Officer team")),
    StopField("area", "Area", "text", "force",
              ("Borough", "BCU", "Basic command unit", "Division", "District", "Command unit", "Policing area")),
    StopField("footage", "Footage", "list", "force",
              ("BWV", "BWV clip", "BWV clips", "BWV clip reference", "BWV clip references", "BWV reference",
               "BWV ref", "BWV clip id", "Body worn video", "Body-worn video", "Footage reference",
               "Footage references", "Footage id", "Clip", "Clips", "Clip reference", "Clip id", "Clip ids",
               "Video", "Video reference")),
    StopField("grounds", "Grounds", "text", "force",
              ("Grounds for search", "Search grounds", "Grounds text", "Reasonable grounds")),
)

#: Computed from other fields; never read from a file (a column of that name is recognised and ignored).
DERIVED_FIELDS: tuple[StopField, ...] = (
    StopField("self_defined_ethnicity_group", "Self-defined ethnicity group", "vocab", "derived"),
    StopField("outcome_group", "Outcome group", "vocab", "derived"),
)

STOP_FIELDS: tuple[StopField, ...] = PUBLIC_FIELDS + FORCE_FIELDS + DERIVED_FIELDS
FIELD_BY_NAME: dict[str, StopField] = {f.name: f for f in STOP_FIELDS}

#: Columns without which a file is not a stop-and-search file: what was done, when, under which power,
#: for what, and how it ended.  The other public columns may be absent (a file-level warning says so).
REQUIRED_FIELDS: tuple[str, ...] = ("type", "datetime", "legislation", "object_of_search", "outcome")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_column_name(name: str) -> str:
    """Lower-case, with every run of spaces/underscores/hyphens/punctuation made one space."""
    return _NON_ALNUM.sub(" ", name.replace("\ufeff", "").casefold()).strip()


def _build_lookup() -> dict[str, StopField]:
    lookup: dict[str, StopField] = {}
    for f in STOP_FIELDS:
        for spelling in (f.column, f.name, *f.aliases):
            key = normalise_column_name(spelling)
            if not key:
                continue
            other = lookup.get(key)
            if other is not None and other is not f:
                raise AssertionError(f"header spelling {spelling!r} maps to {other.name} and {f.name}")
            lookup[key] = f
    return lookup


_LOOKUP = _build_lookup()


_JSON_KEYS: dict[str, StopField] = {f.json_key: f for f in STOP_FIELDS if f.json_key}


def field_for_column(header: str) -> StopField | None:
    """The canonical field a CSV header names, or None for an unknown column."""
    return _LOOKUP.get(normalise_column_name(header))


def field_for_json_key(key: str) -> StopField | None:
    """The canonical field a data.police.uk API key names (exact key first, then as a header).

    Kept apart from CSV headers because the API's ``operation`` is the True/False flag, while a
    force export's ``Operation`` column is far more likely to hold an operation's name.
    """
    return _JSON_KEYS.get(key) or field_for_column(key)


def public_columns() -> list[str]:
    """The 15 data.police.uk column names, in published order."""
    return [f.column for f in PUBLIC_FIELDS]
