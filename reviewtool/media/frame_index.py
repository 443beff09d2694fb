"""The FrameIndex: every frame's time and content signature, so playback can tell which frame is on screen.

libvlc cannot say which frame it is displaying (DESIGN section 5), so the player computes the signature
of each delivered picture and looks it up here. Redaction is only as good as this look-up, hence:

* `identify` returns *every* frame within tolerance, not just the best one. Static scenes match several
  frames, and the redactor draws the union of their regions; a look-up that stopped at the first hit
  in the window after the last frame could miss the frame actually shown after a seek into a
  look-alike stretch. The whole-clip search is made cheap with exact lower bounds (a signature's mean,
  its brightness gradients and its block means each bound the mean-absolute distance from below), so
  it runs on every call: ~0.3 ms for a 30-minute 30 fps index (54,000 frames) against ~50 ms for a
  plain scan (bench/bench_ingest.py).
* The file carries a format version, the clip's SHA-256 and a digest of its arrays; anything missing,
  damaged or belonging to another clip raises `FrameIndexError`, which the player turns into black
  "protected" frames.

Tolerance (`DEFAULT_TOLERANCE`), measured with `tests/support/measure_tolerance.py` on this project's
machine (PyAV 18 / FFmpeg 8 for ingest, libvlc 3.0.21 with its system FFmpeg for playback, vmem RV32
callbacks, `--avcodec-hw=none`), synthetic clips from `reviewtool.media.synth` (mean absolute
difference of signatures, in green levels):

* true frame, VLC picture vs the ingest signature: 0.000 for all 583 frames shown of 8 clips
  (640x360 constant and VFR, rotate 90 and 270, full range, 1920x1080 untagged and BT.709-tagged,
  1280x722), once ingest converts with the BT.601 matrix as libvlc does. Converting the BT.709-tagged
  clip with its own matrix instead (PyAV's default) puts the true frame at up to 0.69.
* nearest *other* frame: at least 1.36 (640x360) and 1.61 (1920x1080) over 10 s landscape clips,
  0.86 in the portrait (rotated) clips, 1.9 in the DESIGN's measurement on real footage; neighbours in
  a still scene can be far closer, and are meant to match.
* identification (best match first) was right for every one of the 583 frames.

0.9 sits above every true-frame distance seen, including a player that gets the colour matrix wrong
(0.69), with room for another platform's rounding. Frames closer than that to the shown one -- a still
scene, slow portrait footage -- are returned as well and their redaction regions unioned, which is the
safe direction; the true frame still comes first.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from reviewtool.media.signature import GRID_COLS, GRID_ROWS, SIGNATURE_LEN, distances_to_all

#: Identification tolerance in green levels (mean absolute difference); see the module docstring.
DEFAULT_TOLERANCE = 0.9
#: Frames after the last identified one searched first (0.5 s at 30 fps: covers rate changes and skips).
DEFAULT_WINDOW = 15

FORMAT_NAME = "reviewtool-frameindex"
FORMAT_VERSION = 1

# Block grid for the lower bound used to prune the whole-clip search: 15x16 cells in 5x4 blocks of 3x4.
_BLOCK_ROWS = 5
_BLOCK_COLS = 4
# Float slack for the pruning bounds (computed in float64; the final test uses distances_to_all).
_BOUND_SLACK = 1e-3


class FrameIndexError(Exception):
    """A FrameIndex that cannot be trusted: missing, damaged, another clip's, or of an unknown version."""


def index_path(index_dir: str | Path, sha256: str) -> Path:
    """Where the index of the clip with this SHA-256 lives."""
    return Path(index_dir) / f"{sha256.lower()}.npz"


class FrameIndex:
    """Per-frame pts (float64 seconds, display order) and signatures (float32 N x 240) of one clip.

    `width`/`height` are the picture as displayed (after any rotation), which is the size the player
    must ask libvlc for; `rotation` is the clockwise turn that was applied.
    """

    def __init__(
        self,
        pts: np.ndarray,
        signatures: np.ndarray,
        width: int,
        height: int,
        *,
        sha256: str = "",
        rotation: int = 0,
    ):
        pts = np.ascontiguousarray(pts, dtype=np.float64).reshape(-1)
        signatures = np.ascontiguousarray(signatures, dtype=np.float32)
        if signatures.ndim != 2 or signatures.shape[1] != SIGNATURE_LEN:
            raise ValueError(f"signatures must be N x {SIGNATURE_LEN}, got {signatures.shape}")
        if len(pts) != len(signatures):
            raise ValueError(f"{len(pts)} pts for {len(signatures)} signatures")
        if len(pts) == 0:
            raise ValueError("a FrameIndex needs at least one frame")
        if not np.all(np.isfinite(pts)) or np.any(np.diff(pts) < 0):
            raise ValueError("pts must be finite and in display order (non-decreasing)")
        if width <= 0 or height <= 0:
            raise ValueError(f"bad picture size {width}x{height}")
        self.pts = pts
        self.signatures = signatures
        self.width = int(width)
        self.height = int(height)
        self.sha256 = sha256.lower()
        self.rotation = int(rotation)
        self._pruner = _Pruner(signatures)

    def __len__(self) -> int:
        return len(self.pts)

    def __repr__(self) -> str:
        return f"FrameIndex({len(self)} frames, {self.width}x{self.height}, sha256={self.sha256[:12]}...)"

    # --- time ------------------------------------------------------------------------------------

    @property
    def duration(self) -> float:
        """From the first frame's pts to the end of the last frame (its interval taken as the previous)."""
        if len(self.pts) == 1:
            return 0.0
        return float(self.pts[-1] - self.pts[0] + (self.pts[-1] - self.pts[-2]))

    def time_of(self, i: int) -> float:
        self._check(i)
        return float(self.pts[i])

    def frame_at(self, t: float) -> int:
        """The frame on screen at media time t: the last one whose pts <= t (the first, before it)."""
        return max(0, int(np.searchsorted(self.pts, t, side="right")) - 1)

    def nearest_frame_at(self, t: float) -> int:
        """The frame whose pts is closest to t (the earlier one on a tie)."""
        j = int(np.searchsorted(self.pts, t, side="right"))
        if j == 0:
            return 0
        if j == len(self.pts):
            return j - 1
        return j - 1 if t - self.pts[j - 1] <= self.pts[j] - t else j

    def frame_before(self, i: int) -> int | None:
        """The frame displayed before frame i, or None for the first frame."""
        self._check(i)
        return i - 1 if i > 0 else None

    def _check(self, i: int) -> None:
        if not 0 <= i < len(self.pts):
            raise IndexError(f"frame {i} outside 0..{len(self.pts) - 1}")

    # --- identification --------------------------------------------------------------------------

    def identify(
        self,
        sig: np.ndarray,
        after: int | None = None,
        window: int = DEFAULT_WINDOW,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> list[int]:
        """Indices of every frame whose signature is within `tolerance` of `sig`, best match first.

        The `window` frames from `after` (the last identified frame, itself included: a paused player
        re-delivers it) are searched first and win ties, so a still scene keeps its place in time; then
        the whole clip is searched, always, so that the result is complete. Empty list: no frame matches
        (the caller must then show nothing of the picture).
        """
        sig = np.asarray(sig, dtype=np.float32).reshape(SIGNATURE_LEN)
        if not np.all(np.isfinite(sig)):
            return []
        found: list[np.ndarray] = []
        distances: list[np.ndarray] = []
        n = len(self.pts)
        if after is not None and 0 <= after < n:
            d = distances_to_all(sig, self.signatures[after : after + window + 1])
            near = np.flatnonzero(d <= tolerance)
            found.append(near + after)
            distances.append(d[near])
        candidates = self._pruner.candidates(sig, tolerance)
        if len(candidates):
            d = distances_to_all(sig, self.signatures[candidates])
            near = d <= tolerance
            found.append(candidates[near])
            distances.append(d[near])
        if not found:
            return []
        frames, first = np.unique(np.concatenate(found), return_index=True)
        if frames.size == 0:
            return []
        dist = np.concatenate(distances)[first]
        if after is not None:
            outside = (frames < after) | (frames > after + window)
            expected = after + 1
        else:
            outside = np.ones(frames.size, dtype=bool)
            expected = 0
        order = np.lexsort((frames, np.abs(frames - expected), outside, dist))
        return frames[order].tolist()

    # --- storage ---------------------------------------------------------------------------------

    def _digest(self) -> str:
        h = hashlib.sha256()
        h.update(f"{FORMAT_NAME}/{FORMAT_VERSION}|{self.sha256}|{self.width}|{self.height}|{self.rotation}|".encode())
        h.update(self.pts.astype("<f8").tobytes())
        h.update(self.signatures.astype("<f4").tobytes())
        return h.hexdigest()

    def save(self, path: str | Path) -> Path:
        """Write atomically (temporary file in the same folder, then rename): never a half-written index."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            format=np.array(FORMAT_NAME),
            version=np.array(FORMAT_VERSION, dtype=np.int64),
            sha256=np.array(self.sha256),
            width=np.array(self.width, dtype=np.int64),
            height=np.array(self.height, dtype=np.int64),
            rotation=np.array(self.rotation, dtype=np.int64),
            pts=self.pts.astype("<f8"),
            signatures=self.signatures.astype("<f4"),
            digest=np.array(self._digest()),
        )
        fd, tmp_name = tempfile.mkstemp(prefix=".frameindex-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(buffer.getvalue())
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path, expected_sha256: str | None = None) -> FrameIndex:
        """Read an index, refusing anything that is not exactly what `save` wrote for the expected clip."""
        path = Path(path)
        if not path.is_file():
            raise FrameIndexError(f"frame index {path} is missing")
        try:
            with np.load(path, allow_pickle=False) as data:
                fields = {key: data[key] for key in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
            raise FrameIndexError(f"frame index {path} is damaged: {exc}") from exc
        required = {"format", "version", "sha256", "width", "height", "rotation", "pts", "signatures", "digest"}
        missing = required - fields.keys()
        if missing:
            raise FrameIndexError(f"frame index {path} is damaged: missing {', '.join(sorted(missing))}")
        if str(fields["format"]) != FORMAT_NAME:
            raise FrameIndexError(f"{path} is not a frame index (format {str(fields['format'])!r})")
        version = int(fields["version"])
        if version != FORMAT_VERSION:
            raise FrameIndexError(
                f"frame index {path} has format version {version}; this program reads version {FORMAT_VERSION}"
            )
        sha256 = str(fields["sha256"])
        if expected_sha256 is not None and sha256 != expected_sha256.lower():
            raise FrameIndexError(
                f"frame index {path} belongs to clip {sha256[:12]}..., not {expected_sha256.lower()[:12]}..."
            )
        try:
            index = cls(
                fields["pts"],
                fields["signatures"],
                int(fields["width"]),
                int(fields["height"]),
                sha256=sha256,
                rotation=int(fields["rotation"]),
            )
        except ValueError as exc:
            raise FrameIndexError(f"frame index {path} is damaged: {exc}") from exc
        if index._digest() != str(fields["digest"]):
            raise FrameIndexError(f"frame index {path} is damaged: its contents do not match its digest")
        return index


def _block_means(signatures: np.ndarray) -> np.ndarray:
    """Means of 3x4-cell blocks of each 15x16 signature (float64, N x 20)."""
    n = signatures.shape[0]
    grid = signatures.reshape(n, _BLOCK_ROWS, GRID_ROWS // _BLOCK_ROWS, _BLOCK_COLS, GRID_COLS // _BLOCK_COLS)
    return grid.mean(axis=(2, 4), dtype=np.float64).reshape(n, _BLOCK_ROWS * _BLOCK_COLS)


def _sign_patterns() -> np.ndarray:
    """Projections p(x) = sum(s_c * x_c) / 240 with s_c = +/-1: |p(a) - p(b)| <= mean|a - b| for each.

    The plain mean, top minus bottom, left minus right, and the diagonal difference: the overall
    brightness and its gradients, which tell scenes apart.
    """
    rows = np.where(np.arange(GRID_ROWS) < GRID_ROWS // 2 + 1, 1.0, -1.0)[:, None]
    cols = np.where(np.arange(GRID_COLS) < GRID_COLS // 2, 1.0, -1.0)[None, :]
    ones = np.ones((GRID_ROWS, GRID_COLS))
    patterns = np.stack([ones, rows * ones, cols * ones, rows * cols])
    return patterns.reshape(4, SIGNATURE_LEN) / SIGNATURE_LEN


_PATTERNS = _sign_patterns()
# The query's projections and block means in one product (its block means as in `_block_means`, up to
# float rounding far below `_BOUND_SLACK`).
_QUERY = np.vstack([_PATTERNS, _block_means(np.eye(SIGNATURE_LEN)).T])
_CHUNK = 4096


class _Pruner:
    """Narrows a whole-clip search to the frames that can be within tolerance, without missing any.

    Frames are sorted by signature mean; a query takes the slice whose mean is within reach, keeps
    those whose three gradient projections are within reach too, then those whose block-mean bound
    is. Each test is a lower bound on the distance, so no frame within tolerance is dropped.
    Built once per index in float64 (the bounds carry `_BOUND_SLACK` for float32 distances).
    """

    def __init__(self, signatures: np.ndarray):
        n = len(signatures)
        projections = np.empty((n, len(_PATTERNS)))
        blocks = np.empty((n, _BLOCK_ROWS * _BLOCK_COLS))
        for start in range(0, n, _CHUNK):
            chunk = signatures[start : start + _CHUNK].astype(np.float64)
            projections[start : start + _CHUNK] = chunk @ _PATTERNS.T
            blocks[start : start + _CHUNK] = _block_means(chunk)
        self.order = np.argsort(projections[:, 0], kind="stable")
        self.means = np.ascontiguousarray(projections[self.order, 0])
        self.gradients = np.ascontiguousarray(projections[self.order, 1:].T)
        self.blocks = np.ascontiguousarray(blocks[self.order])

    def candidates(self, sig: np.ndarray, tolerance: float) -> np.ndarray:
        query = _QUERY @ sig.astype(np.float64)
        reach = tolerance + _BOUND_SLACK
        lo = int(np.searchsorted(self.means, query[0] - reach, side="left"))
        hi = int(np.searchsorted(self.means, query[0] + reach, side="right"))
        if hi <= lo:
            return self.order[:0]
        keep = np.abs(self.gradients[0, lo:hi] - query[1]) <= reach
        for k in (1, 2):
            keep &= np.abs(self.gradients[k, lo:hi] - query[k + 1]) <= reach
        rows = np.flatnonzero(keep) + lo
        if rows.size == 0:
            return self.order[:0]
        bound = np.abs(self.blocks[rows] - query[len(_PATTERNS):]).mean(axis=1)
        return self.order[rows[bound <= reach]]
