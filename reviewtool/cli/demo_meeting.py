"""The demo's finished meeting: last month's panel, redacted, scored, revealed and agreed.

It is run through the same services a liaison officer and the panel use (redactions saved and
approved, attendance with confidentiality, answers one by one, reveal, consensus, close), so the
Reports area has real panel conclusions to turn into officer feedback straight after `make demo`.
Redaction tracks come from the synthetic clips' known face positions.
"""

from __future__ import annotations

import random
from reviewtool.core.auth import Actor
from reviewtool.core.db import Database
from reviewtool.core.redactions import RedactionService
from reviewtool.core.rubric import default_rubric
from reviewtool.core.scoring import ScoringService
from reviewtool.core.sessions import SessionService
from reviewtool.media.redaction import Keyframe, RedactionSet, RedactionTrack
from reviewtool.media.synth import ClipTruth

KEYFRAME_EVERY = 5  # frames; the editor interpolates between keyframes

_WENT_WELL = [
    "Calm, polite introduction and the grounds were explained clearly before the search began.",
    "Officer listened, explained each step and checked the young person understood.",
    "Good de-escalation when the friend became angry; kept a respectful tone throughout.",
]
_BETTER = [
    "The station and the entitlement to a copy of the record were not mentioned.",
    "The camera started after the conversation had begun, so the grounds are not on the footage.",
    "Handcuffs were applied quickly without explaining why; the person was not told they were detained.",
]
_SUMMARY = {
    "green": "A courteous, well-explained search. The panel commends the clear communication.",
    "amber": "Professional overall, but parts of GOWISELY were missed; a learning point for the officer.",
    "red": "The panel was concerned about the use of handcuffs and the explanation of the grounds.",
}


def redactions_from_truth(footage_sha256: str, truth: ClipTruth) -> RedactionSet:
    """One solid face track per synthetic face, keyframed every few frames."""
    frames = truth.frames
    faces = len(frames[0].faces) if frames else 0
    tracks = []
    for face in range(faces):
        keyframes = [Keyframe(f.pts, tuple(f.faces[face])) for f in frames[::KEYFRAME_EVERY]]
        if frames and keyframes[-1].t < frames[-1].pts:
            keyframes.append(Keyframe(frames[-1].pts, tuple(frames[-1].faces[face])))
        label = "face_subject" if face == 0 else "face_bystander"
        tracks.append(RedactionTrack(id=f"demo-face-{face + 1}", label=label, effect="solid", shape="ellipse",
                                     keyframes=tuple(keyframes)))
    return RedactionSet(footage_sha256=footage_sha256, tracks=tuple(tracks))


def _answer(rng: random.Random, criterion, quality: str) -> str | None:
    if criterion.type == "text":
        return None
    ids = [a for a in criterion.answer_ids() if a != "cant_tell"]
    if criterion.id == "overall":
        return quality
    if rng.random() < 0.06:
        return "cant_tell"
    good_bias = {"green": 0.85, "amber": 0.55, "red": 0.25}[quality]
    if criterion.id.startswith("gowisely_"):  # amber and red searches usually missed a GOWISELY item
        missed = {"green": 0.03, "amber": 0.3, "red": 0.45}[quality]
        return "not_given" if rng.random() < missed else "given"
    if criterion.scale == "ordinal" and criterion.id in ("respect", "communication", "de_escalation",
                                                         "outcome_appropriate"):
        centre = {"green": 4, "amber": 3, "red": 2}[quality]
        return str(max(1, min(5, centre + rng.choice([-1, 0, 0, 1]))))
    return ids[0] if rng.random() < good_bias else rng.choice(ids[1:] or ids)


def run_finished_meeting(db: Database, session_id: int, truths: dict[int, ClipTruth], *, seed: int = 21) -> None:
    """Redact and approve the session's clips, then hold the meeting to its end."""
    liaison = Actor(username="liaison", role="liaison")
    rng = random.Random(seed)
    sessions = SessionService(db)
    redactions = RedactionService(db)
    scoring = ScoringService(db)
    view = sessions.get(liaison, session_id)
    for item in view.active_items:
        if item.footage is None:
            sessions.remove_item(liaison, item.id, "No footage was recorded; followed up with the officer's supervisor.")
            continue
        state = redactions.get(liaison, item.footage.id)
        saved = redactions.save(liaison, item.footage.id, redactions_from_truth(item.footage.sha256,
                                                                               truths[item.footage.id]), state.version)
        redactions.approve(liaison, item.footage.id, saved.version)
    members = sessions.list_panel_members(liaison)
    for member in members:
        sessions.record_attendance(liaison, session_id, member.id, True, True)
    sessions.start(liaison, session_id)
    rubric = default_rubric()
    view = sessions.get(liaison, session_id)
    for item in view.active_items:
        quality = rng.choice(["green", "green", "amber", "amber", "red"])
        sessions.mark_shown(liaison, item.id)
        for member in members:
            mood = quality if rng.random() < 0.75 else rng.choice(["green", "amber", "red"])
            for criterion in rubric.criteria:
                answer = _answer(rng, criterion, mood)
                if criterion.id == "went_well":
                    answer = rng.choice(_WENT_WELL)
                elif criterion.id == "could_be_better":
                    answer = rng.choice(_BETTER) if mood != "green" else None
                if answer is not None:
                    scoring.record_answer(liaison, item.id, member.id, criterion.id, answer)
        scoring.add_comment(liaison, item.id, members[0].id, "Officer explains the grounds here.",
                            media_time=round(rng.uniform(2.0, 8.0), 1))
        scoring.reveal(liaison, item.id)
        scoring.record_consensus(
            liaison, item.id, quality, _SUMMARY[quality],
            commendations="Polite greeting and clear explanation of the search." if quality != "red" else "",
            learning_points="" if quality == "green" else "Give every GOWISELY item before the search starts.",
            refer=quality == "red",
            actions="Supervisor to debrief the officer using the footage." if quality == "red" else "")
    sessions.close(liaison, session_id)
