"""What each editor action does to the redactions, as pure functions (no Qt): the current
`RedactionSet` in, an `Outcome` out -- the set after the edit and the words for the undo menu, or the
calm reason it cannot be done here. The editor window turns an Outcome into a saved, undoable command.

How boxes behave while editing (CVAT-like, in the terms of `reviewtool-redactions/1`, where a track is
hidden after its last keyframe):
- a new box is held still until the clip's last frame (a second keyframe there with the same box), so
  a face drawn once stays covered until the editor ends it: forgetting to extend a box over-redacts,
  it never leaks;
- moving or resizing a box makes a keyframe on the frame shown; if the box was being held still to
  the clip's end, it is held at its new place from there on (the end keyframe follows it);
- "hide from here" ends the box on the frame shown (a null keyframe) and drops that held end, so it
  does not reappear on the last frame.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from reviewtool.media.redaction import (
    EFFECTS,
    LABELS,
    SHAPES,
    TIME_EPS,
    Box,
    Keyframe,
    RedactionFormatError,
    RedactionSet,
    RedactionTrack,
)

DEFAULT_LABEL = "face_bystander"
DEFAULT_EFFECT = "solid"
DEFAULT_SHAPE = "rect"
NO_SELECTION = "Select a box first (click it, or press Tab)."


@dataclass(frozen=True)
class Outcome:
    text: str = ""
    after: RedactionSet | None = None
    select: str | None = None
    refusal: str = ""


def refuse(reason: str) -> Outcome:
    return Outcome(refusal=reason)


# --- single-track edits -----------------------------------------------------------------------------


def keyframe_at(track: RedactionTrack, t: float) -> Keyframe | None:
    return next((kf for kf in track.keyframes if abs(kf.t - t) <= TIME_EPS), None)


def find_track(rs: RedactionSet, track_id: str | None) -> RedactionTrack | None:
    return next((t for t in rs.tracks if t.id == track_id), None)


def next_track_id(rs: RedactionSet) -> str:
    numbers = [int(m.group(1)) for tr in rs.tracks if (m := re.fullmatch(r"box-(\d+)", tr.id))]
    return f"box-{max(numbers, default=0) + 1}"


def new_track(rs: RedactionSet, t: float, box: Box, end_t: float, *, label: str = DEFAULT_LABEL,
              effect: str = DEFAULT_EFFECT, shape: str = DEFAULT_SHAPE) -> RedactionTrack:
    """A box drawn at `t`, held still until `end_t` (the clip's last frame)."""
    keyframes = [Keyframe(t, box)]
    if end_t - t > TIME_EPS:
        keyframes.append(Keyframe(end_t, box))
    return RedactionTrack(next_track_id(rs), label, effect, shape, tuple(keyframes))


def held_to_end(track: RedactionTrack, t: float) -> bool:
    """Whether at `t` the track shows a box held still up to its last keyframe."""
    kfs = track.keyframes
    if len(kfs) < 2 or kfs[-1].box is None or t >= kfs[-1].t - TIME_EPS:
        return False
    before_last = kfs[-2]
    return before_last.box == kfs[-1].box and before_last.t <= t + TIME_EPS


def set_box(track: RedactionTrack, t: float, box: Box) -> RedactionTrack:
    """The box at `t` made a keyframe; a box held still to the end stays held at its new place."""
    held = held_to_end(track, t)
    edited = track.with_keyframe(t, box)
    if held:
        edited = edited.with_keyframe(edited.keyframes[-1].t, box)
    return edited


def end_track(track: RedactionTrack, t: float) -> RedactionTrack:
    """Hidden from `t`, dropping a box that was only held to the end."""
    held = held_to_end(track, t)
    ended = track.hidden_from(t)
    if held and ended.keyframes[-1].t > t + TIME_EPS:
        ended = ended.without_keyframe(ended.keyframes[-1].t)
    return ended


# --- editor actions -----------------------------------------------------------------------------------


def draw_box(rs: RedactionSet, t: float | None, box: Box, end_t: float, *, label: str = DEFAULT_LABEL,
             effect: str = DEFAULT_EFFECT) -> Outcome | None:
    if t is None:
        return None
    try:
        track = new_track(rs, t, box, end_t, label=label, effect=effect)
    except RedactionFormatError as exc:
        return refuse(f"That box cannot be used: {exc}")
    return Outcome(f"Draw {LABELS[track.label].lower()} box", rs.with_track(track), track.id)


def change_box(rs: RedactionSet, track_id: str, t: float | None, box: Box) -> Outcome | None:
    if t is None:
        return None
    track = find_track(rs, track_id)
    if track is None:
        return refuse("That box no longer exists.")
    try:
        return Outcome("Move box", rs.with_track(set_box(track, t, box)), track_id)
    except RedactionFormatError as exc:
        return refuse(f"That box cannot be used: {exc}")


def add_keyframe(rs: RedactionSet, track_id: str | None, t: float | None) -> Outcome | None:
    if t is None:
        return None
    track = find_track(rs, track_id)
    if track is None:
        return refuse(NO_SELECTION)
    if keyframe_at(track, t) is not None:
        return refuse("The selected box already has a keyframe on this frame.")
    box = track.box_at(t)
    if box is None:
        return refuse("The selected box is not showing on this frame; drag it where it should be instead.")
    return Outcome("Add keyframe", rs.with_track(track.with_keyframe(t, box)), track_id)


def hide_from(rs: RedactionSet, track_id: str | None, t: float | None) -> Outcome | None:
    if t is None:
        return None
    track = find_track(rs, track_id)
    if track is None:
        return refuse(NO_SELECTION)
    if track.box_at(t) is None:
        return refuse("The selected box is already hidden on this frame.")
    if track.keyframes[0].t >= t - TIME_EPS:
        return refuse("The box starts on this frame; delete it (Shift+Del) rather than hide it from here.")
    return Outcome("Hide box from here", rs.with_track(end_track(track, t)), track_id)


def delete_keyframe(rs: RedactionSet, track_id: str | None, t: float | None) -> Outcome | None:
    if t is None:
        return None
    track = find_track(rs, track_id)
    if track is None:
        return refuse(NO_SELECTION)
    if keyframe_at(track, t) is None:
        return refuse("The selected box has no keyframe on this frame. Shift+Del deletes the whole box.")
    remaining = track.without_keyframe(t) if len(track.keyframes) > 1 else None
    if remaining is None or all(kf.box is None for kf in remaining.keyframes):
        return Outcome("Delete box (its last keyframe)", rs.without_track(track_id), None)
    return Outcome("Delete keyframe", rs.with_track(remaining), track_id)


def delete_track(rs: RedactionSet, track_id: str | None, allowed: bool = True) -> Outcome | None:
    if not allowed:
        return None
    if find_track(rs, track_id) is None:
        return refuse(NO_SELECTION)
    return Outcome("Delete box", rs.without_track(track_id), None)


def move_keyframe(rs: RedactionSet, track_id: str, from_t: float, to_t: float, allowed: bool = True
                  ) -> Outcome | None:
    if not allowed:
        return None
    track = find_track(rs, track_id)
    if track is None or keyframe_at(track, from_t) is None:
        return refuse("That keyframe no longer exists.")
    try:
        return Outcome("Move keyframe", rs.with_track(track.moved(from_t, to_t)), track_id)
    except ValueError as exc:
        return refuse(f"The keyframe cannot go there: {exc}.")


def set_property(rs: RedactionSet, track_id: str, field: str, value: str, allowed: bool = True
                 ) -> Outcome | None:
    if not allowed:
        return None
    track = find_track(rs, track_id)
    if track is None:
        return refuse(NO_SELECTION)
    choices = {"label": tuple(LABELS), "effect": EFFECTS, "shape": SHAPES}
    if field not in choices or value not in choices[field]:
        return refuse(f"Unknown {field}: {value}.")
    if getattr(track, field) == value:
        return None
    words = {"label": "what it hides", "effect": "effect", "shape": "shape"}[field]
    return Outcome(f"Change {words}", rs.with_track(dataclasses.replace(track, **{field: value})), track_id)


def add_range(rs: RedactionSet, kind: str, start: float, end: float, allowed: bool = True) -> Outcome | None:
    if not allowed:
        return None
    if not end > start:
        return refuse("The end of the range must be after its start.")
    spans = tuple(sorted((*getattr(rs, kind), (float(start), float(end)))))
    word = {"blank": "blank", "mute": "mute"}[kind]
    return Outcome(f"Add {word} range", dataclasses.replace(rs, **{kind: spans}), None)


def remove_range(rs: RedactionSet, kind: str, span: tuple[float, float], allowed: bool = True
                 ) -> Outcome | None:
    if not allowed:
        return None
    spans = list(getattr(rs, kind))
    if tuple(span) not in spans:
        return refuse("That range no longer exists.")
    spans.remove(tuple(span))
    return Outcome(f"Remove {kind} range", dataclasses.replace(rs, **{kind: tuple(spans)}), None)


# --- navigation -----------------------------------------------------------------------------------------


def neighbour_track(rs: RedactionSet, track_id: str | None, direction: int) -> str | None:
    ids = [t.id for t in rs.tracks]
    if not ids:
        return None
    if track_id not in ids:
        return ids[0] if direction > 0 else ids[-1]
    return ids[(ids.index(track_id) + direction) % len(ids)]


def neighbour_keyframe(rs: RedactionSet, track_id: str | None, t: float | None, direction: int) -> float | None:
    """The selected track's (else any track's) keyframe time after/before `t`."""
    track = find_track(rs, track_id)
    tracks = [track] if track is not None else list(rs.tracks)
    times = sorted({kf.t for tr in tracks for kf in tr.keyframes})
    if t is None or not times:
        return None
    if direction > 0:
        return next((x for x in times if x > t + TIME_EPS), None)
    return next((x for x in reversed(times) if x < t - TIME_EPS), None)
