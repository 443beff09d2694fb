"""Rubrics are versioned data (`resources/rubrics/*.json`), never code; a session is bound to one.

This module reads and checks a rubric document and answers what the scoring form, `score import`,
exports and reports need: the criteria in order, the allowed answers, which are required.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewtool.core.errors import ValidationError
from reviewtool.core.models import Rubric as RubricRow
from reviewtool.core.paths import resources_dir

RUBRIC_FORMAT = "reviewtool-rubric/1"
DEFAULT_RUBRIC_FILE = "default-v1.json"


@dataclass(frozen=True)
class Answer:
    id: str
    label: str


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    section: str
    type: str  # "choice" | "text"
    scale: str = "nominal"  # "nominal" | "ordinal"
    answers: tuple[Answer, ...] = ()
    required: bool = False
    required_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unordered_answers: tuple[str, ...] = ()
    help: str = ""

    def answer_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.answers)

    def label_of(self, answer_id: str) -> str:
        for a in self.answers:
            if a.id == answer_id:
                return a.label
        return answer_id

    def ordinal_rank(self, answer_id: str) -> int | None:
        """Position on the ordered scale, or None for answers outside the order (N/A, can't tell)."""
        if self.scale != "ordinal" or answer_id in self.unordered_answers:
            return None
        ordered = [a.id for a in self.answers if a.id not in self.unordered_answers and a.id != "cant_tell"]
        return ordered.index(answer_id) if answer_id in ordered else None


@dataclass(frozen=True)
class RubricDefinition:
    key: str
    version: int
    title: str
    sections: tuple[tuple[str, str], ...]
    criteria: tuple[Criterion, ...]
    sha256: str
    document: dict[str, Any]

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise ValidationError(f"criterion: {criterion_id!r} is not in rubric {self.key} v{self.version}")

    def check_answer(self, criterion_id: str, answer: str | None) -> None:
        c = self.criterion(criterion_id)
        if c.type == "text" or answer in (None, ""):
            return
        if answer not in c.answer_ids():
            allowed = ", ".join(c.answer_ids())
            raise ValidationError(f"answer: {answer!r} is not an answer to {criterion_id} (allowed: {allowed})")

    def missing_required(self, answers: dict[str, str | None]) -> list[str]:
        """Criteria a complete form must still answer, given the answers so far."""
        missing = []
        for c in self.criteria:
            needed = c.required or any(answers.get(k) in v for k, v in c.required_when.items())
            if needed and not answers.get(c.id):
                missing.append(c.id)
        return missing


def parse_rubric(document: dict[str, Any], source: str = "rubric") -> RubricDefinition:
    def fail(where: str, why: str) -> ValidationError:
        return ValidationError(f"{source}: {where}: {why}")

    if document.get("format") != RUBRIC_FORMAT:
        raise fail("format", f"expected {RUBRIC_FORMAT!r}")
    for key in ("key", "version", "title", "sections"):
        if key not in document:
            raise fail(key, "missing")
    cant_tell = document.get("cant_tell")
    criteria: list[Criterion] = []
    sections: list[tuple[str, str]] = []
    seen: set[str] = set()
    for si, section in enumerate(document["sections"]):
        sections.append((section["id"], section["title"]))
        for ci, raw in enumerate(section.get("criteria", [])):
            where = f"sections[{si}].criteria[{ci}]"
            cid = raw.get("id")
            if not cid or cid in seen:
                raise fail(where + ".id", "missing or duplicate")
            seen.add(cid)
            kind = raw.get("type", "choice")
            answers = tuple(Answer(a["id"], a["label"]) for a in raw.get("answers", []))
            if kind == "choice":
                if not answers:
                    raise fail(where + ".answers", "a choice needs answers")
                if cant_tell and raw.get("allow_cant_tell", True):
                    answers = answers + (Answer(cant_tell["id"], cant_tell["label"]),)
            elif kind != "text":
                raise fail(where + ".type", f"unknown type {kind!r}")
            criteria.append(Criterion(
                id=cid, label=raw["label"], section=section["id"], type=kind, scale=raw.get("scale", "nominal"),
                answers=answers, required=bool(raw.get("required", False)),
                required_when={k: tuple(v) for k, v in raw.get("required_when", {}).items()},
                unordered_answers=tuple(raw.get("unordered_answers", [])) + ((cant_tell["id"],) if cant_tell else ()),
                help=raw.get("help", ""),
            ))
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return RubricDefinition(key=document["key"], version=int(document["version"]), title=document["title"],
                            sections=tuple(sections), criteria=tuple(criteria),
                            sha256=hashlib.sha256(canonical).hexdigest(), document=document)


def load_rubric_file(path: Path) -> RubricDefinition:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path.name}: not a readable rubric file ({exc})") from exc
    return parse_rubric(document, path.name)


def default_rubric() -> RubricDefinition:
    return load_rubric_file(resources_dir() / "rubrics" / DEFAULT_RUBRIC_FILE)


def ensure_rubric(session: Session, rubric: RubricDefinition) -> RubricRow:
    """The database row for this rubric version, created the first time it is used."""
    row = session.scalar(select(RubricRow).where(RubricRow.key == rubric.key, RubricRow.version == rubric.version))
    if row is None:
        row = RubricRow(key=rubric.key, version=rubric.version, title=rubric.title, definition=rubric.document,
                        sha256=rubric.sha256)
        session.add(row)
        session.flush()
    elif row.sha256 != rubric.sha256:
        raise ValidationError(f"rubric {rubric.key} v{rubric.version} changed since it was first used; "
                              "give the new wording a new version number")
    return row


def rubric_of(row: RubricRow) -> RubricDefinition:
    return parse_rubric(row.definition, f"{row.key} v{row.version}")
