"""The redaction model and the reviewtool-redactions/1 interchange format."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtool.media.redaction import (
    ALWAYS_REDACTED_LABELS,
    BOX_TOLERANCE,
    EFFECTS,
    FORMAT_TAG,
    LABELS,
    POLICY_DEPENDENT_LABELS,
    SHAPES,
    TIME_EPS,
    Keyframe,
    RedactionFormatError,
    RedactionPolicy,
    RedactionSet,
    RedactionTrack,
    Region,
    label_is_redacted,
    normalize_box,
)

SHA = "1a2b" + "0" * 60
OTHER_SHA = "9f8e" + "f" * 60
A = (0.40, 0.20, 0.10, 0.20)
B = (0.60, 0.40, 0.20, 0.10)


def track(*keyframes: tuple[float, tuple | None], label: str = "face_bystander", id: str = "t1",
          effect: str = "solid", shape: str = "rect") -> RedactionTrack:
    return RedactionTrack(id, label, effect, shape, tuple(Keyframe(t, box) for t, box in keyframes))


def approx_box(box):
    return pytest.approx(box, abs=1e-12)


# --- labels and policy -----------------------------------------------------------------------------

def test_labels_and_which_are_always_redacted():
    assert list(LABELS) == ["face_subject", "face_bystander", "child", "plate", "screen", "document",
                            "house_number", "street_sign", "tattoo", "intimate", "medical", "other"]
    assert all(name.strip() for name in LABELS.values())
    assert POLICY_DEPENDENT_LABELS == {"face_subject"}
    assert ALWAYS_REDACTED_LABELS == set(LABELS) - {"face_subject"}
    shown = RedactionPolicy(redact_subject_face=False)
    assert not label_is_redacted("face_subject", shown)
    assert label_is_redacted("face_subject", RedactionPolicy())
    assert all(label_is_redacted(label, shown) for label in ALWAYS_REDACTED_LABELS)


# --- a track through time --------------------------------------------------------------------------

def test_linear_interpolation_between_keyframes():
    tr = track((1.0, A), (3.0, B))
    assert tr.box_at(1.0) == A
    assert tr.box_at(2.0) == approx_box((0.50, 0.30, 0.15, 0.15))
    assert tr.box_at(2.5) == approx_box((0.55, 0.35, 0.175, 0.125))


def test_visible_from_first_keyframe_to_last_inclusive():
    tr = track((1.0, A), (3.0, B))
    assert tr.box_at(0.999) is None
    assert tr.box_at(1.0 - TIME_EPS / 2) == A  # within TIME_EPS is "at" the keyframe
    assert tr.box_at(3.0) == B  # exactly at the last keyframe: still visible
    assert tr.box_at(3.0 + TIME_EPS / 2) == B
    assert tr.box_at(3.001) is None
    assert tr.visible_span() == (1.0, 3.0)


def test_single_keyframe_track_shows_at_that_instant_only():
    tr = track((5.0, A))
    assert tr.box_at(5.0) == A
    assert tr.box_at(4.99) is None and tr.box_at(5.01) is None
    assert tr.visible_spans() == ((5.0, 5.0),)


def test_null_keyframe_hides_until_next_box_keyframe():
    tr = track((1.0, A), (2.0, B), (3.0, None), (5.0, A), (6.0, B))
    assert tr.box_at(2.5) == B  # a box followed by a null holds still; no sliding towards nothing
    assert tr.box_at(2.999) == B
    assert tr.box_at(3.0) is None  # hidden from the null keyframe's own time
    assert tr.box_at(4.0) is None
    assert tr.box_at(4.999) is None
    assert tr.box_at(5.0) == A
    assert tr.box_at(5.5) == approx_box((0.50, 0.30, 0.15, 0.15))
    assert tr.box_at(6.0) == B
    assert tr.box_at(6.5) is None
    assert tr.visible_spans() == ((1.0, 3.0), (5.0, 6.0))
    assert tr.visible_span() == (1.0, 6.0)


def test_track_ending_in_null_and_leading_or_repeated_nulls():
    tr = track((0.5, None), (1.0, A), (2.0, None), (2.5, None))
    assert tr.box_at(0.7) is None
    assert tr.box_at(1.5) == A
    assert tr.box_at(2.2) is None and tr.box_at(2.5) is None and tr.box_at(9.0) is None
    assert tr.visible_spans() == ((1.0, 2.0),)
    assert track((1.0, None)).visible_span() is None


def test_box_at_rejects_non_finite_time():
    with pytest.raises(ValueError, match="finite"):
        track((1.0, A)).box_at(math.nan)


# --- immutable edits -------------------------------------------------------------------------------

def test_with_keyframe_inserts_in_order_and_replaces_within_eps():
    tr = track((1.0, A), (3.0, B))
    inserted = tr.with_keyframe(2.0, B)
    assert [kf.t for kf in inserted.keyframes] == [1.0, 2.0, 3.0]
    replaced = tr.with_keyframe(3.0 + TIME_EPS / 2, A)
    assert [kf.t for kf in replaced.keyframes] == [1.0, 3.0]  # the existing time is kept
    assert replaced.keyframes[1].box == A
    before = tr.with_keyframe(0.5, B)
    assert before.box_at(0.5) == B
    assert tr == track((1.0, A), (3.0, B))  # the original is untouched (undo stacks keep it)


def test_without_keyframe_hidden_from_and_moved():
    tr = track((1.0, A), (2.0, B), (3.0, A))
    assert [kf.t for kf in tr.without_keyframe(2.0).keyframes] == [1.0, 3.0]
    with pytest.raises(ValueError, match="no keyframe at t=2.5"):
        tr.without_keyframe(2.5)
    with pytest.raises(ValueError, match="only keyframe"):
        track((1.0, A)).without_keyframe(1.0)

    hidden = tr.hidden_from(1.5)
    assert hidden.box_at(1.4) == A and hidden.box_at(1.5) is None and hidden.box_at(1.9) is None
    assert hidden.box_at(2.0) == B  # shows again at the next box keyframe
    assert tr.hidden_from(2.0).box_at(2.5) is None  # a null replaces the box keyframe at that time

    moved = tr.moved(2.0, 3.5)
    assert [(kf.t, kf.box) for kf in moved.keyframes] == [(1.0, A), (3.0, A), (3.5, B)]
    with pytest.raises(ValueError, match="already a keyframe at t=3.0"):
        tr.moved(2.0, 3.0)
    with pytest.raises(ValueError, match="no keyframe"):
        tr.moved(2.2, 2.4)


def test_edits_validate_their_input():
    tr = track((1.0, A))
    with pytest.raises(RedactionFormatError, match="box: width must be > 0"):
        tr.with_keyframe(2.0, (0.1, 0.1, 0.0, 0.1))
    with pytest.raises(RedactionFormatError, match="t: must be a finite number"):
        tr.with_keyframe(math.inf, A)


def test_track_rejects_unsorted_and_duplicate_times():
    with pytest.raises(RedactionFormatError, match=r"keyframes\[1\].t: keyframes must be in time order"):
        track((2.0, A), (1.0, B))
    with pytest.raises(RedactionFormatError, match=r"keyframes\[1\].t: duplicate time"):
        track((2.0, A), (2.0 + TIME_EPS / 2, B))
    with pytest.raises(RedactionFormatError, match="keyframes: a track needs at least one keyframe"):
        RedactionTrack("x", "plate", "solid", "rect", ())


# --- a clip's set ----------------------------------------------------------------------------------

def make_set(**kwargs) -> RedactionSet:
    tracks = (
        track((1.0, A), (3.0, B), id="bystander"),
        track((0.0, B), (10.0, B), id="subject", label="face_subject", effect="pixelate", shape="ellipse"),
    )
    return RedactionSet(SHA, tracks, blank=((12.0, 14.5),), mute=((20.0, 21.2),), **kwargs)


def test_regions_at_and_union_over_candidate_times():
    rs = make_set()
    assert rs.regions_at(0.5) == [Region(B, "ellipse", "pixelate", "face_subject")]
    at_1 = rs.regions_at(1.0)
    assert at_1 == [Region(A, "rect", "solid", "face_bystander"), Region(B, "ellipse", "pixelate", "face_subject")]
    union = rs.regions_for_times([0.5, 1.0, 2.0])
    # the subject's unchanging box appears once; the bystander's box at both 1.0 and 2.0
    assert union == [Region(B, "ellipse", "pixelate", "face_subject"), Region(A, "rect", "solid", "face_bystander"),
                     Region(track((1.0, A), (3.0, B)).box_at(2.0), "rect", "solid", "face_bystander")]
    assert rs.regions_for_times([]) == []
    assert rs.regions_for_times([11.0]) == []


def test_blank_is_inclusive_and_mute_is_padded():
    rs = make_set()
    assert not rs.is_blank(11.99) and rs.is_blank(12.0) and rs.is_blank(14.5) and not rs.is_blank(14.51)
    assert not rs.is_muted(19.69) and rs.is_muted(19.7) and rs.is_muted(20.5) and rs.is_muted(21.5)
    assert not rs.is_muted(21.51)
    assert rs.is_muted(19.0, pad=1.0) and not rs.is_muted(19.0)
    with pytest.raises(ValueError, match="at least 0.3"):
        rs.is_muted(20.5, pad=0.1)


def test_policy_filter_drops_only_subject_faces():
    rs = make_set()
    assert rs.effective(RedactionPolicy()) is rs
    shown = rs.effective(RedactionPolicy(redact_subject_face=False))
    assert [t.id for t in shown.tracks] == ["bystander"]
    assert shown.blank == rs.blank and shown.mute == rs.mute and shown.footage_sha256 == SHA
    assert shown.regions_at(0.5) == []


def test_set_level_edits_by_track_id():
    rs = make_set()
    moved = rs.tracks[0].with_keyframe(2.0, B)
    edited = rs.with_track(moved)
    assert edited.tracks == (moved, rs.tracks[1]) and rs.tracks[0] != moved
    added = rs.with_track(track((4.0, A), id="new", label="child"))
    assert [t.id for t in added.tracks] == ["bystander", "subject", "new"]
    assert [t.id for t in added.without_track("subject").tracks] == ["bystander", "new"]
    with pytest.raises(ValueError, match="no track with id 'nope'"):
        rs.without_track("nope")


def test_set_rejects_duplicate_ids_and_bad_ranges():
    with pytest.raises(RedactionFormatError, match=r"tracks\[1\].id: duplicate id 't1' \(also tracks\[0\]\)"):
        RedactionSet(SHA, (track((1.0, A)), track((2.0, B))))
    with pytest.raises(RedactionFormatError, match=r"blank\[0\]: start 3.0 must be before end 3.0"):
        RedactionSet(SHA, (), blank=((3.0, 3.0),))
    assert RedactionSet(SHA.upper(), ()).footage_sha256 == SHA


# --- boxes -----------------------------------------------------------------------------------------

def test_box_overhang_within_tolerance_is_clipped():
    assert normalize_box((-0.005, 0.2, 0.1, 0.1)) == pytest.approx((0.0, 0.2, 0.095, 0.1))
    assert normalize_box((0.95, 0.995, 0.055, 0.01)) == pytest.approx((0.95, 0.995, 0.05, 0.005))
    with pytest.raises(RedactionFormatError, match="left edge x = -0.02 is outside the frame"):
        normalize_box((-0.02, 0.2, 0.1, 0.1))


box_coords = st.tuples(
    st.floats(-BOX_TOLERANCE, 0.97), st.floats(-BOX_TOLERANCE, 0.97),
    st.floats(0.03, 1.0), st.floats(0.03, 1.0),
).map(lambda v: (v[0], v[1], v[2] * (1 + BOX_TOLERANCE - v[0]), v[3] * (1 + BOX_TOLERANCE - v[1])))


@given(box_coords)
def test_normalize_box_is_idempotent_and_inside_the_frame(box):
    once = normalize_box(box)
    assert normalize_box(once) == once
    x, y, w, h = once
    assert 0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= 1 + 1e-12 and y + h <= 1 + 1e-12


# --- the interchange format ------------------------------------------------------------------------

DESIGN_EXAMPLE = {
    "format": "reviewtool-redactions/1", "footage_sha256": SHA,
    "tracks": [{"label": "face", "effect": "pixelate", "shape": "rect",
                "keyframes": [{"t": 1.000, "box": [0.41, 0.22, 0.08, 0.14]},
                              {"t": 2.500, "box": [0.45, 0.20, 0.08, 0.14]},
                              {"t": 3.000, "box": None}]}],
    "blank": [[12.0, 14.5]], "mute": [[20.0, 21.2]],
}


def test_design_example_reads_with_stable_generated_ids():
    rs = RedactionSet.from_json(DESIGN_EXAMPLE, expected_sha256=SHA)
    (tr,) = rs.tracks
    assert tr.label == "face_bystander"  # "face" alone is read as a bystander's face: always redacted
    assert (tr.effect, tr.shape) == ("pixelate", "rect")
    assert tr.box_at(1.75) == approx_box((0.43, 0.21, 0.08, 0.14))
    assert tr.box_at(3.0) is None
    assert rs.blank == ((12.0, 14.5),) and rs.mute == ((20.0, 21.2),)
    assert tr.id.startswith("track-1-")
    assert RedactionSet.from_json(copy.deepcopy(DESIGN_EXAMPLE)).tracks[0].id == tr.id
    two = copy.deepcopy(DESIGN_EXAMPLE)
    two["tracks"].append(copy.deepcopy(two["tracks"][0]))
    ids = [t.id for t in RedactionSet.from_json(two).tracks]
    assert len(set(ids)) == 2


def test_defaults_for_optional_fields():
    rs = RedactionSet.from_json({"format": FORMAT_TAG, "footage_sha256": SHA,
                                 "tracks": [{"id": "p", "label": "plate", "keyframes": [{"t": 1, "box": list(A)}]}]})
    assert rs.tracks[0] == RedactionTrack("p", "plate", "solid", "rect", (Keyframe(1.0, A),))
    assert rs.blank == () and rs.mute == ()
    assert RedactionSet.from_json({"format": FORMAT_TAG, "footage_sha256": SHA}).tracks == ()


def test_to_json_shape():
    doc = make_set().to_json()
    assert doc["format"] == FORMAT_TAG and doc["footage_sha256"] == SHA
    assert doc["tracks"][0] == {"id": "bystander", "label": "face_bystander", "effect": "solid", "shape": "rect",
                                "keyframes": [{"t": 1.0, "box": list(A)}, {"t": 3.0, "box": list(B)}]}
    assert doc["blank"] == [[12.0, 14.5]] and doc["mute"] == [[20.0, 21.2]]
    json.dumps(doc, allow_nan=False)


def _mutated(path: str, value, *, delete: bool = False) -> dict:
    doc = make_set().to_json()
    doc["tracks"][0]["keyframes"].append({"t": 5.0, "box": None})
    target = doc
    *parents, last = path.split("/")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key = int(last) if last.isdigit() else last
    if delete:
        del target[key]
    else:
        target[key] = value
    return doc


BAD_FILES = [
    (_mutated("format", "reviewtool-redactions/2"),
     "format: expected 'reviewtool-redactions/1', got \"reviewtool-redactions/2\""),
    (_mutated("format", None, delete=True), "format: missing"),
    (_mutated("footage_sha256", "abc"), 'footage_sha256: expected 64 hex digits, got "abc"'),
    (_mutated("blanks", [[1.0, 2.0]]), "blanks: unknown field (expected: format, footage_sha256, tracks, blank, mute)"),
    (_mutated("tracks", {}), "tracks: expected a list, got {}"),
    (_mutated("tracks/1", "face"), 'tracks[1]: expected a JSON object, got "face"'),
    (_mutated("tracks/1/label", "faces"), "tracks[1].label: unknown label \"faces\" (expected one of: face_subject,"),
    (_mutated("tracks/1/label", None, delete=True), "tracks[1].label: missing"),
    (_mutated("tracks/0/effect", "smudge"),
     'tracks[0].effect: unknown effect "smudge" (expected one of: solid, pixelate, blur)'),
    (_mutated("tracks/0/shape", "circle"), 'tracks[0].shape: unknown shape "circle" (expected one of: rect, ellipse)'),
    (_mutated("tracks/0/colour", "red"), "tracks[0].colour: unknown field"),
    (_mutated("tracks/0/id", ""), 'tracks[0].id: must be a non-empty string, got ""'),
    (_mutated("tracks/1/id", "bystander"), "tracks[1].id: duplicate id 'bystander' (also tracks[0])"),
    (_mutated("tracks/0/keyframes", []), "tracks[0].keyframes: a track needs at least one keyframe"),
    (_mutated("tracks/0/keyframes/1/box", None, delete=True), "tracks[0].keyframes[1].box: missing"),
    (_mutated("tracks/0/keyframes/1/t", math.nan), "tracks[0].keyframes[1].t: must be a finite number, got nan"),
    (_mutated("tracks/0/keyframes/1/t", "3.0"), 'tracks[0].keyframes[1].t: must be a number, got "3.0"'),
    (_mutated("tracks/0/keyframes/1/t", True), "tracks[0].keyframes[1].t: must be a number, got true"),
    (_mutated("tracks/0/keyframes/2/t", 2.0),
     "tracks[0].keyframes[2].t: keyframes must be in time order, but 2.0 comes after 3.0"),
    (_mutated("tracks/0/keyframes/1/t", 1.0), "tracks[0].keyframes[1].t: duplicate time 1.0 (keyframes[0] is at 1.0)"),
    (_mutated("tracks/0/keyframes/1/box", [0.1, 0.1, 0.0, 0.1]),
     "tracks[0].keyframes[1].box: width must be > 0 (got 0.0)"),
    (_mutated("tracks/0/keyframes/1/box", [0.1, 0.1, 0.1, -0.2]),
     "tracks[0].keyframes[1].box: height must be > 0 (got -0.2)"),
    (_mutated("tracks/0/keyframes/1/box", [0.5, 0.1, 0.6, 0.1]),
     "tracks[0].keyframes[1].box: right edge x + w = 1.1 is outside the frame [0, 1] by more than 0.01"),
    (_mutated("tracks/0/keyframes/1/box", [120, 80, 40, 40]),
     "tracks[0].keyframes[1].box: left edge x = 120 is outside the frame [0, 1] by more than 0.01"),
    (_mutated("tracks/0/keyframes/1/box", [1.005, 0.1, 0.004, 0.1]),
     "tracks[0].keyframes[1].box: box has no area inside the frame after clipping to [0, 1]"),
    (_mutated("tracks/0/keyframes/1/box", [0.1, 0.1, 0.1]),
     "tracks[0].keyframes[1].box: expected [x, y, w, h] or null, got [0.1, 0.1, 0.1]"),
    (_mutated("tracks/0/keyframes/1/box", [0.1, 0.1, math.nan, 0.1]),
     "tracks[0].keyframes[1].box[2]: must be a finite number, got nan"),
    (_mutated("tracks/0/keyframes/1/box", [0.1, 0.1, 0.1, None]),
     "tracks[0].keyframes[1].box[3]: must be a number, got null"),
    (_mutated("tracks/0/keyframes/1/frame", 30), "tracks[0].keyframes[1].frame: unknown field (expected: t, box)"),
    (_mutated("blank/0", [14.5, 12.0]), "blank[0]: start 14.5 must be before end 12.0"),
    (_mutated("mute/0", [20.0]), "mute[0]: expected [start, end], got [20.0]"),
    (_mutated("mute/0", [20.0, math.inf]), "mute[0][1]: must be a finite number, got inf"),
]


@pytest.mark.parametrize("doc, message", BAD_FILES, ids=[m.split(":")[0] for _, m in BAD_FILES])
def test_each_validation_error_names_the_field(doc, message):
    with pytest.raises(RedactionFormatError) as info:
        RedactionSet.from_json(doc)
    assert str(info.value).startswith(message)


def test_rejects_a_file_for_another_clip_first():
    doc = _mutated("tracks/0/effect", "smudge")  # also broken, but the clip mismatch is what matters
    with pytest.raises(RedactionFormatError) as info:
        RedactionSet.from_json(doc, expected_sha256=OTHER_SHA)
    assert str(info.value) == "footage_sha256 differs: file is for 1a2b00000000… but the clip is 9f8effffffff…"
    assert info.value.path == ""
    RedactionSet.from_json(make_set().to_json(), expected_sha256=SHA.upper())  # case does not matter


def test_top_level_must_be_an_object():
    with pytest.raises(RedactionFormatError, match=r"^file: expected a JSON object, got \[\]"):
        RedactionSet.from_json([])


def test_text_reader_rejects_duplicate_keys_nan_and_broken_json():
    good = make_set().to_json_text()
    assert RedactionSet.from_json_text(good, SHA) == make_set()
    assert RedactionSet.from_json_text(good.encode()) == make_set()
    doubled = good.replace('"blank": [[12.0, 14.5]]', '"blank": [[12.0, 14.5]], "blank": []')
    with pytest.raises(RedactionFormatError, match="key 'blank' appears twice"):
        RedactionSet.from_json_text(doubled)
    with pytest.raises(RedactionFormatError, match="NaN is not a number in JSON"):
        RedactionSet.from_json_text(good.replace("12.0", "NaN"))
    with pytest.raises(RedactionFormatError, match="^not valid JSON: "):
        RedactionSet.from_json_text(good[:-5])


# --- round trip --------------------------------------------------------------------------------------

@st.composite
def keyframe_lists(draw):
    t = draw(st.floats(-1.0, 3600.0))
    keyframes = []
    for _ in range(draw(st.integers(1, 8))):
        box = draw(st.none() | box_coords)
        keyframes.append(Keyframe(t, box))
        t += draw(st.floats(2 * TIME_EPS, 60.0))
    return tuple(keyframes)


@st.composite
def redaction_sets(draw):
    n = draw(st.integers(0, 5))
    ids = draw(st.lists(st.text(min_size=1, max_size=12), min_size=n, max_size=n, unique=True))
    tracks = tuple(
        RedactionTrack(track_id, draw(st.sampled_from(list(LABELS))), draw(st.sampled_from(EFFECTS)),
                       draw(st.sampled_from(SHAPES)), draw(keyframe_lists()))
        for track_id in ids
    )
    spans = st.lists(st.tuples(st.floats(-10, 3600), st.floats(0.001, 600)).map(lambda p: (p[0], p[0] + p[1])),
                     max_size=4)
    sha = draw(st.text("0123456789abcdef", min_size=64, max_size=64))
    return RedactionSet(sha, tracks, tuple(draw(spans)), tuple(draw(spans)))


@settings(max_examples=150, deadline=None)
@given(redaction_sets())
def test_json_round_trip(rs):
    assert RedactionSet.from_json(rs.to_json(), expected_sha256=rs.footage_sha256) == rs
    assert RedactionSet.from_json_text(rs.to_json_text()) == rs
    assert RedactionSet.from_json(json.loads(json.dumps(rs.to_json()))).to_json() == rs.to_json()


@settings(max_examples=100, deadline=None)
@given(keyframe_lists(), st.floats(-5.0, 4000.0))
def test_interpolated_boxes_stay_inside_the_frame_and_follow_visibility(keyframes, t):
    tr = RedactionTrack("x", "other", "solid", "rect", keyframes)
    box = tr.box_at(t)
    in_span = any(start - TIME_EPS <= t <= end + TIME_EPS for start, end in tr.visible_spans())
    if box is None:
        # hidden only outside the visible spans, or exactly at a span's closing null keyframe
        assert not in_span or any(kf.box is None and abs(kf.t - t) <= TIME_EPS for kf in keyframes)
    else:
        assert in_span
        Region(box, "rect", "solid", "other")  # a valid box: inside the frame, positive size


def test_the_documented_example_reads_as_described():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    rs = RedactionSet.from_json_text(example)
    face, plate = rs.tracks
    assert face.visible_spans() == ((1.0, 3.0), (6.0, 7.2))
    assert face.box_at(2.8) == (0.45, 0.20, 0.08, 0.14) and face.box_at(4.0) is None
    assert plate.id.startswith("track-2-") and plate.effect == "pixelate"
    assert rs.is_blank(13.0) and rs.is_muted(19.7) and not rs.is_muted(21.6)
