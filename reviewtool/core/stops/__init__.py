"""Stop-record parsing (no database): read data.police.uk CSV/JSON and force exports into `StopRow`s.

The import service stores what `parse_stop_file` returns; `write_stops_csv` is the other direction.
"""

from .export import stop_export_columns, write_stops_csv
from .fields import (
    DERIVED_FIELDS,
    FIELD_BY_NAME,
    FORCE_FIELDS,
    PUBLIC_FIELDS,
    REQUIRED_FIELDS,
    STOP_FIELDS,
    StopField,
    field_for_column,
    field_for_json_key,
    normalise_column_name,
    public_columns,
)
from .parse import parse_stop_bytes, parse_stop_file
from .records import LONDON, ParsedFile, RowIssue, StopFileError, StopFileFormat, StopRow
from .vocab import ETHNICITY_GROUPS, OUTCOME_GROUPS, ethnicity_group, outcome_group

__all__ = [
    "DERIVED_FIELDS",
    "ETHNICITY_GROUPS",
    "FIELD_BY_NAME",
    "FORCE_FIELDS",
    "LONDON",
    "OUTCOME_GROUPS",
    "PUBLIC_FIELDS",
    "REQUIRED_FIELDS",
    "STOP_FIELDS",
    "ParsedFile",
    "RowIssue",
    "StopField",
    "StopFileError",
    "StopFileFormat",
    "StopRow",
    "ethnicity_group",
    "field_for_column",
    "field_for_json_key",
    "normalise_column_name",
    "outcome_group",
    "parse_stop_bytes",
    "parse_stop_file",
    "public_columns",
    "stop_export_columns",
    "write_stops_csv",
]
