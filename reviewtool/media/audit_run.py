"""The pre-meeting redaction audit (DESIGN section 10): play a clip through the real player path and keep
what the screen would have shown.

`run_redaction_audit` drives a `RedactedPlayer` (libvlc, identification, rendering: no shortcut) with an
action script, and writes into `out_dir`:
- `frames.jsonl`: one line per displayed frame, in display order: `seq`, `frame` (identified index or
  null), `pts`, `blanked`, `protected`, `action` (index of the script action running) and `png`;
- each displayed frame as a PNG (redacted, blanked or protected -- never raw), scaled by `scale` with an
  area average, so a single unredacted pixel still tints its output pixel; encoded by PyAV's png encoder.
It is both the approver's contact sheet and the basis of the leak tests.

The sink only copies the finished frame into a bounded queue (the display callback stays fast); a
writer thread scales, encodes and writes. If the writer falls behind by `QUEUE_FRAMES` frames the sink
waits: playback slows, but no displayed frame goes unrecorded.

A clip whose bytes changed since ingest is refused with `ClipChanged` before anything is written; a bad
script is refused with `ActionScriptError` naming the action, before the clip is even hashed.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reviewtool.media.frame_index import FrameIndex
from reviewtool.media.frame_pool import DisplayedFrame
from reviewtool.media.ingest import encode_png
from reviewtool.media.player import MAX_RATE, MIN_RATE, RedactedPlayer
from reviewtool.media.redaction import RedactionSet
from reviewtool.media.render import DEFAULT_MARGIN

log = logging.getLogger(__name__)

ACTION_KINDS = ("play", "pause", "seek", "rate", "step")
MAX_WAIT_S = 3600.0
MAX_STEPS = 10000
QUEUE_FRAMES = 120
FRAMES_FILE = "frames.jsonl"


class ActionScriptError(ValueError):
    """An action script that cannot be run; the message names the action ("actions[3]: ...")."""


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    value: float | int


@dataclass(frozen=True)
class AuditSummary:
    out_dir: Path
    frames_path: Path
    clip_sha256: str
    displayed: int
    written: int
    identified: int
    unidentified: int
    blanked: int
    protected: int
    distinct_frames: int
    dropped: int
    errors: int
    wall_s: float
    identify_ms_median: float | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["out_dir"] = str(self.out_dir)
        data["frames_path"] = str(self.frames_path)
        return data


def parse_actions(actions: Any) -> list[Action]:
    """Check an action script (a list of one-key objects) and return it as `Action`s."""
    if not isinstance(actions, list):
        raise ActionScriptError(f"the action script must be a list of actions, got {type(actions).__name__}")
    parsed = []
    for i, item in enumerate(actions):
        where = f"actions[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise ActionScriptError(
                f"{where}: each action is an object with exactly one key ({', '.join(ACTION_KINDS)}), "
                f"got {json.dumps(item, default=repr)[:60]}")
        ((kind, value),) = item.items()
        if kind not in ACTION_KINDS:
            raise ActionScriptError(
                f"{where}: unknown action {kind!r} (expected one of: {', '.join(ACTION_KINDS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ActionScriptError(
                f"{where}.{kind}: must be a finite number, got {json.dumps(value, default=repr)}")
        if kind in ("play", "pause") and not 0 <= value <= MAX_WAIT_S:
            raise ActionScriptError(
                f"{where}.{kind}: wall seconds must be between 0 and {MAX_WAIT_S:g}, got {value}")
        if kind == "seek" and value < 0:
            raise ActionScriptError(f"{where}.seek: media time must be >= 0, got {value}")
        if kind == "rate" and not MIN_RATE <= value <= MAX_RATE:
            raise ActionScriptError(f"{where}.rate: must be between {MIN_RATE} and {MAX_RATE}, got {value}")
        if kind == "step":
            if not isinstance(value, int) or not 1 <= value <= MAX_STEPS:
                raise ActionScriptError(
                    f"{where}.step: must be a whole number of frames from 1 to {MAX_STEPS}, got {value}")
        parsed.append(Action(kind, value))
    return parsed


def downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """HxWxC uint8 scaled by `scale` (0 < scale <= 1): area average for 1/n, else nearest sample."""
    if scale >= 1.0:
        return image
    h, w = image.shape[:2]
    n = round(1 / scale)
    if abs(1 / scale - n) < 1e-9 and h >= n and w >= n:
        hh, ww = (h // n) * n, (w // n) * n
        blocks = image[:hh, :ww].reshape(hh // n, n, ww // n, n, image.shape[2]).astype(np.uint32)
        return ((blocks.sum(axis=(1, 3)) + n * n // 2) // (n * n)).astype(np.uint8)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    rows = np.minimum(((np.arange(out_h) + 0.5) / scale).astype(np.int64), h - 1)
    cols = np.minimum(((np.arange(out_w) + 0.5) / scale).astype(np.int64), w - 1)
    return image[rows][:, cols]


class _FrameRecorder:
    """Sink (VLC thread: copy and enqueue) plus writer thread (scale, encode, write)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.action = -1
        self.queue: queue.Queue[tuple[DisplayedFrame, int, np.ndarray] | None] = queue.Queue(QUEUE_FRAMES)
        self.out_dir: Path | None = None
        self.thread: threading.Thread | None = None
        self.written = 0
        self.identified = 0
        self.blanked = 0
        self.protected = 0
        self.frames_seen: set[int] = set()
        self.failure: BaseException | None = None

    def sink(self, frame: DisplayedFrame) -> None:
        self.queue.put((frame, self.action, frame.image.copy()))

    def start(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.thread = threading.Thread(target=self._run, name="reviewtool-audit-writer", daemon=True)
        self.thread.start()

    def finish(self) -> None:
        if self.thread is None:
            return
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None:
            raise RuntimeError(f"writing the audit output failed: {self.failure}") from self.failure

    def _run(self) -> None:
        assert self.out_dir is not None
        with open(self.out_dir / FRAMES_FILE, "w", encoding="utf-8") as lines:
            while True:
                item = self.queue.get()
                if item is None:
                    break
                if self.failure is not None:
                    continue  # keep draining so the sink never blocks for ever
                frame, action, image = item
                try:
                    name = f"frame-{frame.seq:06d}.png"
                    rgb = downscale(image[..., 2::-1], self.scale)  # B, G, R, A in memory -> R, G, B
                    (self.out_dir / name).write_bytes(encode_png(rgb))
                    lines.write(json.dumps({
                        "seq": frame.seq, "frame": frame.frame_index, "pts": frame.pts,
                        "blanked": frame.blanked, "protected": frame.protected, "action": action,
                        "png": name}, separators=(",", ":")) + "\n")
                except BaseException as exc:  # reported by finish(); never raised into the player
                    log.exception("audit writer failed")
                    self.failure = exc
                    continue
                self.written += 1
                self.identified += frame.frame_index is not None
                self.blanked += frame.blanked
                self.protected += frame.protected
                if frame.frame_index is not None and not frame.protected:
                    self.frames_seen.add(frame.frame_index)


def run_redaction_audit(clip_path: str | Path, expected_sha256: str,
                        frame_index: FrameIndex | str | Path | None, redactions: RedactionSet,
                        actions: Sequence[dict[str, Any]], out_dir: str | Path, scale: float = 0.5, *,
                        vlc_args: Sequence[str] = (), tolerance: float | None = None,
                        margin: float = DEFAULT_MARGIN) -> AuditSummary:
    """Play `clip_path` redacted, following `actions`, and record every displayed frame in `out_dir`.

    Raises ActionScriptError (bad script), ClipChanged (bytes differ from ingest), FileExistsError
    (`out_dir` is not empty); in each case nothing is written.
    """
    steps = parse_actions(list(actions) if isinstance(actions, tuple) else actions)
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and 0 < scale <= 1):
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"audit output folder {out} is not empty")
    recorder = _FrameRecorder(float(scale))
    player = RedactedPlayer(clip_path, expected_sha256, frame_index, redactions, mode="redacted",
                            vlc_args=vlc_args, tolerance=tolerance, margin=margin)
    player.add_sink(recorder.sink)
    started = time.monotonic()
    try:
        player.open()  # hashes the clip: ClipChanged here leaves no trace on disk
        _check_against_clip(steps, player.length)
        out.mkdir(parents=True, exist_ok=True)
        recorder.start(out)
        for number, action in enumerate(steps):
            recorder.action = number
            _perform(player, action)
    finally:
        player.release()
        recorder.finish()
    stats = player.stats()
    return AuditSummary(
        out_dir=out, frames_path=out / FRAMES_FILE, clip_sha256=expected_sha256.lower(),
        displayed=stats.displayed if stats else 0, written=recorder.written,
        identified=recorder.identified, unidentified=recorder.written - recorder.identified,
        blanked=recorder.blanked, protected=recorder.protected,
        distinct_frames=len(recorder.frames_seen), dropped=stats.dropped if stats else 0,
        errors=stats.errors if stats else 0, wall_s=time.monotonic() - started,
        identify_ms_median=stats.identify_ms_median if stats else None,
    )


def _check_against_clip(steps: list[Action], length: float | None) -> None:
    if length is None:
        return
    for i, action in enumerate(steps):
        if action.kind == "seek" and action.value > length:
            raise ActionScriptError(
                f"actions[{i}].seek: {action.value} s is past the end of the clip ({length:.3f} s)")


def _perform(player: RedactedPlayer, action: Action) -> None:
    if action.kind == "play":
        player.play()
        time.sleep(float(action.value))
    elif action.kind == "pause":
        player.pause()
        time.sleep(float(action.value))
    elif action.kind == "seek":
        player.seek(float(action.value))
        player.wait_until_settled()
    elif action.kind == "rate":
        player.set_rate(float(action.value))
    elif action.kind == "step":
        for _ in range(int(action.value)):
            player.step()
            player.wait_until_settled()
