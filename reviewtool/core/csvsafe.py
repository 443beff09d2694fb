"""Neutralise spreadsheet formula injection in CSV cells we write (OWASP "CSV injection").

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run as a formula
when the exported file is opened in Excel or LibreOffice, and our exports carry free text typed by other
people (grounds, team names, clip names).  Such a cell gets a leading apostrophe, which spreadsheets
show as text.

Two decisions, both so that an export can be read back without loss:

* **Plain numbers are left alone.** A published longitude such as ``-1.316167`` (or ``-5``) is a number
  to every spreadsheet, never a formula, and prefixing it would corrupt the coordinate for anyone who
  analyses the export.  Only ``-`` followed by digits with at most one decimal point is exempt;
  ``-1+2``, ``-1e5``, ``+44 …`` and ``-A1`` are neutralised.
* **A leading apostrophe is itself escaped** (``'abc`` → ``''abc``), so :func:`unneutralise` can undo
  :func:`neutralise` exactly for every string.  The stop-file parser applies :func:`unneutralise` to
  each cell, so a file exported by this application re-imports with its original values.
"""

from __future__ import annotations

import re

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_QUOTE = "'"
_PLAIN_NEGATIVE_NUMBER = re.compile(r"-\d+(?:\.\d+)?")
# Characters after a leading apostrophe that show the apostrophe was added by neutralise().  "\n" is
# included because a CR that began a cell becomes LF when the importer normalises line endings.
_UNESCAPE_AFTER = frozenset(FORMULA_PREFIXES) | {"\n", _QUOTE}


def neutralise(value: str) -> str:
    """Return ``value`` made safe to open in a spreadsheet (see module docstring)."""
    if not value:
        return value
    first = value[0]
    if first == _QUOTE:
        return _QUOTE + value
    if first in FORMULA_PREFIXES:
        if first == "-" and _PLAIN_NEGATIVE_NUMBER.fullmatch(value):
            return value
        return _QUOTE + value
    return value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`: drop one leading apostrophe that guards a formula prefix or an apostrophe."""
    if len(value) >= 2 and value[0] == _QUOTE and value[1] in _UNESCAPE_AFTER:
        return value[1:]
    return value


def is_neutralised_safe(value: str) -> bool:
    """True when ``value`` cannot start a spreadsheet formula (used by tests and other exporters)."""
    if not value or value[0] not in FORMULA_PREFIXES:
        return True
    return value[0] == "-" and _PLAIN_NEGATIVE_NUMBER.fullmatch(value) is not None
