"""The redaction model: labelled tracks of keyframed boxes, whole-frame blanking and audio muting.

Qt-free and DB-free on purpose: the player asks `RedactionSet.regions_for_times` on every displayed
frame, the editor keeps these immutable values on its undo stack, storage persists `to_json()`, and the
interchange format `reviewtool-redactions/1` (docs/formats.md) is read by `RedactionSet.from_json`.

Validation is strict and names the offending field ("tracks[2].keyframes[3].box: width must be > 0"),
because a file that is silently half-understood is a privacy leak: a typo'd "blanks" key or a second
"box" key in one keyframe would otherwise drop a redaction without anyone noticing.

Times are media seconds (pts x time_base). Two times within `TIME_EPS` of each other are the same
instant: editing at a keyframe's time replaces it, and a frame that close to a keyframe is "at" it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Iterable, Literal, Mapping, Sequence

FORMAT_TAG = "reviewtool-redactions/1"
TIME_EPS = 1e-6
# A box may overhang the frame by this fraction (editors and other tools draw boxes over edges); it is
# clipped to the frame. Beyond it the file is more likely wrong (pixels instead of fractions) than sloppy.
BOX_TOLERANCE = 0.01
MIN_MUTE_PAD = 0.3

LABELS: Mapping[str, str] = MappingProxyType(
    {
        "face_subject": "Face of the person searched",
        "face_bystander": "Face of a bystander",
        "child": "Child",
        "plate": "Vehicle number plate",
        "screen": "Screen (phone, computer, in-car terminal)",
        "document": "Document or card (ID, bank card, papers)",
        "house_number": "House number",
        "street_sign": "Street sign",
        "tattoo": "Tattoo or distinctive mark",
        "intimate": "Intimate area",
        "medical": "Medical or vulnerability detail",
        "other": "Other identifying detail",
    }
)
# Whether the subject's face is shown is a force policy setting; everything else is always redacted.
POLICY_DEPENDENT_LABELS: frozenset[str] = frozenset({"face_subject"})
ALWAYS_REDACTED_LABELS: frozenset[str] = frozenset(LABELS) - POLICY_DEPENDENT_LABELS
# DESIGN section 6's example says "face" without saying whose. Read it as a bystander's face, which is
# always redacted: over-redacting a subject is safe, exposing a bystander is not.
LABEL_ALIASES: Mapping[str, str] = MappingProxyType({"face": "face_bystander"})

_LABEL_NAMES = tuple(LABELS)

Effect = Literal["solid", "pixelate", "blur"]
Shape = Literal["rect", "ellipse"]
EFFECTS: tuple[str, ...] = ("solid", "pixelate", "blur")
SHAPES: tuple[str, ...] = ("rect", "ellipse")
Box = tuple[float, float, float, float]
Span = tuple[float, float]

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class RedactionFormatError(ValueError):
    """Invalid redaction data; `path` names the field ("tracks[2].keyframes[3].box"), "" for the whole."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)

    def within(self, prefix: str) -> RedactionFormatError:
        if not self.path:
            return RedactionFormatError(prefix, self.problem)
        sep = "" if self.path.startswith("[") else "."
        return RedactionFormatError(f"{prefix}{sep}{self.path}", self.problem)


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """The force's settings that change what is redacted (fail-closed default: redact everything)."""

    redact_subject_face: bool = True


def label_is_redacted(label: str, policy: RedactionPolicy) -> bool:
    if label in POLICY_DEPENDENT_LABELS:
        return policy.redact_subject_face
    return True


def _finite(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RedactionFormatError(path, f"must be a number, got {_describe(value)}")
    if not math.isfinite(value):
        raise RedactionFormatError(path, f"must be a finite number, got {value}")
    return float(value)


def _describe(value: Any) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def normalize_box(box: Any) -> Box:
    """Check an [x, y, w, h] box in frame fractions and clip its overhang; idempotent."""
    # The player builds a Region per box per frame: keep the common case (four floats) cheap.
    if type(box) is tuple and len(box) == 4 and all(type(v) is float for v in box) \
            and math.isfinite(box[0] + box[1] + box[2] + box[3]):
        x, y, w, h = box
    else:
        if isinstance(box, (str, bytes)) or not isinstance(box, Sequence) or len(box) != 4:
            raise RedactionFormatError("", f"expected [x, y, w, h] or null, got {_describe(box)}")
        x, y, w, h = (_finite(v, f"[{i}]") for i, v in enumerate(box))
    if w <= 0:
        raise RedactionFormatError("", f"width must be > 0 (got {w})")
    if h <= 0:
        raise RedactionFormatError("", f"height must be > 0 (got {h})")
    for name, value in (("left edge x", x), ("top edge y", y), ("right edge x + w", x + w),
                        ("bottom edge y + h", y + h)):
        if not -BOX_TOLERANCE <= value <= 1 + BOX_TOLERANCE:
            raise RedactionFormatError(
                "", f"{name} = {value:.6g} is outside the frame [0, 1] by more than {BOX_TOLERANCE}")
    # Clip only what overhangs, so that a clipped box passes through again unchanged.
    if x < 0:
        w, x = w + x, 0.0
    if y < 0:
        h, y = h + y, 0.0
    if x + w > 1:
        w = 1.0 - x
    if y + h > 1:
        h = 1.0 - y
    if w <= 0 or h <= 0:
        raise RedactionFormatError("", "box has no area inside the frame after clipping to [0, 1]")
    return (x, y, w, h)


@dataclass(frozen=True, slots=True)
class Keyframe:
    """The box at media time `t`; `box=None` hides the track from `t` until its next box keyframe."""

    t: float
    box: Box | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", _finite(self.t, "t"))
        if self.box is not None:
            try:
                object.__setattr__(self, "box", normalize_box(self.box))
            except RedactionFormatError as exc:
                raise exc.within("box") from None


def _check_choice(value: Any, choices: tuple[str, ...], path: str, what: str) -> None:
    if value not in choices:
        raise RedactionFormatError(path, f"unknown {what} {_describe(value)} (expected one of: {', '.join(choices)})")


@dataclass(frozen=True, slots=True)
class RedactionTrack:
    """One thing to hide (a face, a plate) followed through the clip by keyframes in time order.

    Visibility: from the first keyframe, boxes are interpolated linearly between consecutive box
    keyframes; a null keyframe hides the track until the next box keyframe (a hidden span); after
    the last keyframe the track is hidden, but at exactly its time it is still shown. Between a box
    keyframe and a following null keyframe the box holds still.
    """

    id: str
    label: str
    effect: Effect
    shape: Shape
    keyframes: tuple[Keyframe, ...]
    _times: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RedactionFormatError("id", f"must be a non-empty string, got {_describe(self.id)}")
        _check_choice(self.label, _LABEL_NAMES, "label", "label")
        _check_choice(self.effect, EFFECTS, "effect", "effect")
        _check_choice(self.shape, SHAPES, "shape", "shape")
        keyframes = tuple(self.keyframes)
        if not keyframes:
            raise RedactionFormatError("keyframes", "a track needs at least one keyframe")
        for i, kf in enumerate(keyframes):
            if not isinstance(kf, Keyframe):
                raise RedactionFormatError(f"keyframes[{i}]", f"expected a Keyframe, got {type(kf).__name__}")
            if i and kf.t - keyframes[i - 1].t <= TIME_EPS:
                prev = keyframes[i - 1].t
                problem = (f"duplicate time {kf.t} (keyframes[{i - 1}] is at {prev})"
                           if abs(kf.t - prev) <= TIME_EPS else
                           f"keyframes must be in time order, but {kf.t} comes after {prev}")
                raise RedactionFormatError(f"keyframes[{i}].t", problem)
        object.__setattr__(self, "keyframes", keyframes)
        object.__setattr__(self, "_times", tuple(kf.t for kf in keyframes))

    def box_at(self, t: float) -> Box | None:
        if not math.isfinite(t):
            raise ValueError(f"media time must be finite, got {t}")
        kfs = self.keyframes
        i = bisect_right(self._times, t + TIME_EPS) - 1
        if i < 0:
            return None
        here = kfs[i]
        if here.box is None:
            return None
        if i == len(kfs) - 1:
            return here.box if t <= here.t + TIME_EPS else None
        nxt = kfs[i + 1]
        if nxt.box is None:
            return here.box
        f = min(1.0, max(0.0, (t - here.t) / (nxt.t - here.t)))
        a, b = here.box, nxt.box
        return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f,
                a[2] + (b[2] - a[2]) * f, a[3] + (b[3] - a[3]) * f)

    def visible_spans(self) -> tuple[Span, ...]:
        """The [start, end] times the track shows, in order; hidden spans are the gaps between them."""
        spans: list[Span] = []
        start: float | None = None
        for kf in self.keyframes:
            if kf.box is None:
                if start is not None:
                    spans.append((start, kf.t))
                    start = None
            elif start is None:
                start = kf.t
        if start is not None:
            spans.append((start, self.keyframes[-1].t))
        return tuple(spans)

    def visible_span(self) -> Span | None:
        """From the first time the track shows to the last, or None if it never shows."""
        spans = self.visible_spans()
        return (spans[0][0], spans[-1][1]) if spans else None

    def _index_at(self, t: float) -> int | None:
        i = bisect_left(self._times, t - TIME_EPS)
        if i < len(self._times) and abs(self._times[i] - t) <= TIME_EPS:
            return i
        return None

    def _with_keyframes(self, keyframes: Iterable[Keyframe]) -> RedactionTrack:
        return replace(self, keyframes=tuple(sorted(keyframes, key=lambda kf: kf.t)))

    def with_keyframe(self, t: float, box: Box | None) -> RedactionTrack:
        """Set the box at `t`: replaces a keyframe within TIME_EPS (keeping its time), else inserts one."""
        i = self._index_at(t)
        if i is None:
            return self._with_keyframes((*self.keyframes, Keyframe(t, box)))
        kfs = self.keyframes
        return replace(self, keyframes=(*kfs[:i], Keyframe(kfs[i].t, box), *kfs[i + 1:]))

    def without_keyframe(self, t: float) -> RedactionTrack:
        i = self._require_index(t)
        if len(self.keyframes) == 1:
            raise ValueError("cannot remove a track's only keyframe; delete the track instead")
        return replace(self, keyframes=self.keyframes[:i] + self.keyframes[i + 1:])

    def hidden_from(self, t: float) -> RedactionTrack:
        """Hide the track from `t` (a null keyframe); it shows again at its next box keyframe, if any."""
        return self.with_keyframe(t, None)

    def moved(self, from_t: float, to_t: float) -> RedactionTrack:
        """Move the keyframe at `from_t` to `to_t` (dragging it along the timeline), box unchanged."""
        i = self._require_index(from_t)
        rest = self.keyframes[:i] + self.keyframes[i + 1:]
        clash = next((kf for kf in rest if abs(kf.t - to_t) <= TIME_EPS), None)
        if clash is not None:
            raise ValueError(f"there is already a keyframe at t={clash.t}")
        return self._with_keyframes((*rest, Keyframe(to_t, self.keyframes[i].box)))

    def _require_index(self, t: float) -> int:
        i = self._index_at(t)
        if i is None:
            raise ValueError(f"track {self.id!r} has no keyframe at t={t}")
        return i


@dataclass(frozen=True, slots=True)
class Region:
    """What to render on one frame: a box in frame fractions, its shape and effect."""

    box: Box
    shape: Shape
    effect: Effect
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "box", normalize_box(self.box))
        _check_choice(self.shape, SHAPES, "shape", "shape")
        _check_choice(self.effect, EFFECTS, "effect", "effect")
        _check_choice(self.label, _LABEL_NAMES, "label", "label")


def _span(value: Any, path: str) -> Span:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise RedactionFormatError(path, f"expected [start, end], got {_describe(value)}")
    start, end = _finite(value[0], f"{path}[0]"), _finite(value[1], f"{path}[1]")
    if start >= end:
        raise RedactionFormatError(path, f"start {start} must be before end {end}")
    return (start, end)


@dataclass(frozen=True, slots=True)
class RedactionSet:
    """Every redaction of one clip (named by the file's SHA-256): tracks, blank and mute ranges."""

    footage_sha256: str
    tracks: tuple[RedactionTrack, ...]
    blank: tuple[Span, ...] = ()
    mute: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        sha = self.footage_sha256
        if not isinstance(sha, str) or not _SHA256_RE.fullmatch(sha.lower()):
            raise RedactionFormatError("footage_sha256", f"expected 64 hex digits, got {_describe(sha)}")
        object.__setattr__(self, "footage_sha256", sha.lower())
        tracks = tuple(self.tracks)
        seen: dict[str, int] = {}
        for i, track in enumerate(tracks):
            if not isinstance(track, RedactionTrack):
                raise RedactionFormatError(f"tracks[{i}]", f"expected a RedactionTrack, got {type(track).__name__}")
            if track.id in seen:
                raise RedactionFormatError(f"tracks[{i}].id",
                                           f"duplicate id {track.id!r} (also tracks[{seen[track.id]}])")
            seen[track.id] = i
        object.__setattr__(self, "tracks", tracks)
        for name in ("blank", "mute"):
            spans = tuple(_span(s, f"{name}[{i}]") for i, s in enumerate(getattr(self, name)))
            object.__setattr__(self, name, spans)

    def regions_at(self, t: float) -> list[Region]:
        regions = []
        for track in self.tracks:
            box = track.box_at(t)
            if box is not None:
                regions.append(Region(box, track.shape, track.effect, track.label))
        return regions

    def regions_for_times(self, ts: Iterable[float]) -> list[Region]:
        """The union of the regions at every candidate time (all frames that matched the displayed one).

        An empty `ts` gives no regions: a frame that matched nothing must be rendered protected by the
        caller, never shown with an empty redaction.
        """
        union: dict[Region, None] = {}
        for t in ts:
            union.update(dict.fromkeys(self.regions_at(t)))
        return list(union)

    def is_blank(self, t: float) -> bool:
        return any(start - TIME_EPS <= t <= end + TIME_EPS for start, end in self.blank)

    def is_muted(self, t: float, pad: float = MIN_MUTE_PAD) -> bool:
        """Whether audio is muted at `t`, each range widened by `pad` seconds (at least 0.3) both sides."""
        if not pad >= MIN_MUTE_PAD:
            raise ValueError(f"mute padding must be at least {MIN_MUTE_PAD} s, got {pad}")
        return any(start - pad <= t <= end + pad for start, end in self.mute)

    def effective(self, policy: RedactionPolicy) -> RedactionSet:
        """The set to play under `policy`: tracks whose label the policy does not redact are dropped."""
        kept = tuple(t for t in self.tracks if label_is_redacted(t.label, policy))
        return self if len(kept) == len(self.tracks) else replace(self, tracks=kept)

    def with_track(self, track: RedactionTrack) -> RedactionSet:
        """Replace the track with the same id, or add it at the end."""
        tracks = list(self.tracks)
        index = next((i for i, t in enumerate(tracks) if t.id == track.id), None)
        if index is None:
            tracks.append(track)
        else:
            tracks[index] = track
        return replace(self, tracks=tuple(tracks))

    def without_track(self, track_id: str) -> RedactionSet:
        kept = tuple(t for t in self.tracks if t.id != track_id)
        if len(kept) == len(self.tracks):
            raise ValueError(f"no track with id {track_id!r}")
        return replace(self, tracks=kept)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_TAG,
            "footage_sha256": self.footage_sha256,
            "tracks": [
                {"id": tr.id, "label": tr.label, "effect": tr.effect, "shape": tr.shape,
                 "keyframes": [{"t": kf.t, "box": None if kf.box is None else list(kf.box)}
                               for kf in tr.keyframes]}
                for tr in self.tracks
            ],
            "blank": [list(s) for s in self.blank],
            "mute": [list(s) for s in self.mute],
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, obj: Any, expected_sha256: str | None = None) -> RedactionSet:
        """Read a parsed `reviewtool-redactions/1` document; raises RedactionFormatError naming the field.

        With `expected_sha256`, a file made for another clip is rejected before anything else in it.
        """
        doc = _fields(obj, "", required=("format", "footage_sha256"),
                      optional=("tracks", "blank", "mute"))
        if doc["format"] != FORMAT_TAG:
            raise RedactionFormatError("format", f"expected {FORMAT_TAG!r}, got {_describe(doc['format'])}")
        sha = doc["footage_sha256"]
        if not isinstance(sha, str) or not _SHA256_RE.fullmatch(sha.lower()):
            raise RedactionFormatError("footage_sha256", f"expected 64 hex digits, got {_describe(sha)}")
        if expected_sha256 is not None and sha.lower() != expected_sha256.lower():
            raise RedactionFormatError(
                "", f"footage_sha256 differs: file is for {sha.lower()[:12]}… "
                    f"but the clip is {expected_sha256.lower()[:12]}…")
        tracks = _list(doc.get("tracks", []), "tracks")
        parsed = tuple(_track_from_json(item, i, sha.lower()) for i, item in enumerate(tracks))
        spans = {name: tuple(_span(s, f"{name}[{i}]") for i, s in enumerate(_list(doc.get(name, []), name)))
                 for name in ("blank", "mute")}
        return cls(sha, parsed, spans["blank"], spans["mute"])  # checks ids are unique

    @classmethod
    def from_json_text(cls, text: str | bytes, expected_sha256: str | None = None) -> RedactionSet:
        """Parse JSON text strictly (no duplicate keys, no NaN/Infinity) and read it with `from_json`."""
        try:
            obj = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
        except RedactionFormatError:
            raise
        except ValueError as exc:  # JSONDecodeError, bad UTF-8
            raise RedactionFormatError("", f"not valid JSON: {exc}") from None
        return cls.from_json(obj, expected_sha256)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise RedactionFormatError("", f"key {key!r} appears twice in one JSON object")
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise RedactionFormatError("", f"not valid JSON: {name} is not a number in JSON")


def _fields(obj: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    where = path or "file"
    if not isinstance(obj, dict):
        raise RedactionFormatError(where, f"expected a JSON object, got {_describe(obj)}")
    known = required + optional
    for key in obj:
        if key not in known:
            name = f"{path}.{key}" if path else str(key)
            raise RedactionFormatError(name, f"unknown field (expected: {', '.join(known)})")
    for key in required:
        if key not in obj:
            raise RedactionFormatError(f"{path}.{key}" if path else key, "missing")
    return obj


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise RedactionFormatError(path, f"expected a list, got {_describe(value)}")
    return value


def _track_from_json(obj: Any, index: int, footage_sha256: str) -> RedactionTrack:
    path = f"tracks[{index}]"
    doc = _fields(obj, path, required=("label", "keyframes"), optional=("id", "effect", "shape"))
    label = doc["label"]
    label = LABEL_ALIASES.get(label, label) if isinstance(label, str) else label
    keyframes = []
    for k, item in enumerate(_list(doc["keyframes"], f"{path}.keyframes")):
        kpath = f"{path}.keyframes[{k}]"
        kdoc = _fields(item, kpath, required=("t", "box"), optional=())
        try:
            keyframes.append(Keyframe(kdoc["t"], kdoc["box"]))
        except RedactionFormatError as exc:
            raise exc.within(kpath) from None
    track_id = doc.get("id")
    if track_id is None:
        track_id = _stable_id(footage_sha256, index, label, doc, keyframes)
    try:
        return RedactionTrack(track_id, label, doc.get("effect", "solid"), doc.get("shape", "rect"),
                              tuple(keyframes))
    except RedactionFormatError as exc:
        raise exc.within(path) from None


def _stable_id(footage_sha256: str, index: int, label: Any, doc: dict[str, Any],
               keyframes: list[Keyframe]) -> str:
    """An id for a track the file left unnamed: the same file always yields the same ids."""
    content = [footage_sha256, index, label, doc.get("effect", "solid"), doc.get("shape", "rect"),
               [[kf.t, kf.box] for kf in keyframes]]
    digest = hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()
    return f"track-{index + 1}-{digest[:12]}"
