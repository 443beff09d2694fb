"""One PyAV pass over a body-worn-video file: SHA-256, probe, FrameIndex, decoder errors, thumbnails.

Why one pass, and why this way:

* The SHA-256 is what later proves the played file is the ingested one (DESIGN section 4), so it is
  computed from the same open file the decoder then reads, and again after decoding: a file changed
  while it was being indexed is refused instead of being indexed under the wrong hash.
* Signatures must equal what playback computes on libvlc's RV32 pictures. Measured: libvlc 3 turns
  YUV into RGB with the BT.601 matrix whatever the stream is tagged (BT.709-tagged HD clips included),
  honours full range, and applies the rotation in the display matrix. So ingest converts with BT.601,
  keeps the range, and turns the picture the way the display matrix says. Only the pixels the
  signature reads (every 8th row and column) are converted: they are gathered from the planes into a
  small frame that goes through the same swscale converter, which gives bit-identical values at a
  fraction of the cost of converting the whole picture, and the grid means are taken with two matrix
  products instead of `frame_signature`'s reduceat. Both shortcuts are checked: by the tests frame by
  frame, and during every pass against `frame_signature` itself (first frame, then every 256th).
* Corruption is quiet (DESIGN section 11): damaged H.264 still decodes, and only FFmpeg's log says so.
  The log is captured during the pass and its errors counted. `strict=True` refuses such a clip.
* Nothing reaches `index_dir` unless the whole pass succeeds (the index is written to a temporary
  file and renamed at the end); every failure is a `MediaError` with a one-line reason naming the file.

FFmpeg's log is process-wide: run one pass at a time per process (the CLI and the GUI worker do), or
decoder errors of one clip may be counted against another.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, Iterator

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from numpy.lib.stride_tricks import as_strided

from reviewtool.progress import Job, Progress
from reviewtool.media.frame_index import FrameIndex, index_path
from reviewtool.media.signature import GRID_COLS, GRID_ROWS, SIGNATURE_LEN, SUBSAMPLE, frame_signature

log = logging.getLogger(__name__)

#: Thumbnails in the strip, and the width of each (pixels, display orientation).
THUMBNAIL_COUNT = 10
THUMBNAIL_WIDTH = 160
THUMBNAIL_BLOCK = 8  # pixels: faces in a 160-pixel-wide thumbnail are a block or two
#: A Progress is yielded every this many decoded frames.
PROGRESS_EVERY_FRAMES = 50
_HASH_CHUNK = 4 * 1024 * 1024
_HASH_PROGRESS_BYTES = 256 * 1024 * 1024
_MAX_MESSAGES = 10
# Formats whose samples can be gathered straight from three 4:2:0 planes.
_PLANAR_420 = ("yuv420p", "yuvj420p")
# Demuxers and codecs that present non-footage as video: text as ANSI art, still images.
_NOT_FOOTAGE_FORMATS = frozenset({"tty", "bin", "xbin", "adf", "idf", "image2", "image2pipe"})
_NOT_FOOTAGE_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})
# Smallest picture side the signature grid fits (every 8th pixel, 16 columns): 8 * 15 + 1.
_MIN_SIDE = SUBSAMPLE * (GRID_COLS - 1) + 1
# The matrix libvlc 3 uses for YUV -> RGB32, whatever the stream's colour tags say (measured).
_PLAYBACK_MATRIX = "itu601"


class MediaError(Exception):
    """A file that cannot be ingested; the message is one line and names the file."""


@dataclass(frozen=True)
class ClipProbe:
    """What one ingest pass learnt about a clip.

    Sizes are as displayed (after `rotation`, the clockwise turn from the display matrix);
    `encoded_width`/`encoded_height` are the decoded picture before that turn. Times are media time in
    seconds (pts x time_base). `thumbnail_png` is an unredacted contact strip: treat it as footage.
    """

    path: str
    sha256: str
    size_bytes: int
    container_format: str
    codec: str
    profile: str | None
    pix_fmt: str
    width: int
    height: int
    encoded_width: int
    encoded_height: int
    rotation: int
    frame_count: int
    duration_s: float
    start_s: float
    mean_interval_s: float
    min_interval_s: float
    max_interval_s: float
    average_fps: float
    nominal_fps: float | None
    vfr: bool
    has_audio: bool
    audio_codec: str | None
    decoder_errors: int
    decoder_messages: tuple[str, ...]
    index_path: str
    thumbnail_times: tuple[float, ...]
    thumbnail_png: bytes = field(repr=False)
    ingest_seconds: float = 0.0

    def as_dict(self, *, include_thumbnails: bool = False) -> dict:
        data = asdict(self)
        if not include_thumbnails:
            data.pop("thumbnail_png")
        data["decoder_messages"] = list(self.decoder_messages)
        data["thumbnail_times"] = list(self.thumbnail_times)
        return data


# --- hashing ------------------------------------------------------------------------------------------


def _hash_chunks(f: BinaryIO, digest: "hashlib._Hash") -> Iterator[int]:
    """Feed a file to `digest` in large chunks through one reused buffer; yield the bytes done so far."""
    buffer = bytearray(_HASH_CHUNK)
    view = memoryview(buffer)
    done = 0
    while n := f.readinto(buffer):
        digest.update(view[:n])
        done += n
        yield done


def sha256_file_object(f: BinaryIO) -> str:
    """SHA-256 of an open binary file from its current position to the end."""
    digest = hashlib.sha256()
    for _ in _hash_chunks(f, digest):
        pass
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    """Lower-case hex SHA-256 of a whole file."""
    with open(path, "rb") as f:
        return sha256_file_object(f)


def verify_sha256(path: str | Path, expected: str) -> bool:
    """True when the file's full SHA-256 equals `expected`; False also when it cannot be read."""
    try:
        actual = sha256_file(path)
    except OSError:
        return False
    return hmac.compare_digest(actual, expected.strip().lower())


# --- pictures as libvlc presents them ------------------------------------------------------------


def display_rotation(frame: av.VideoFrame) -> int:
    """Clockwise turn (0, 90, 180, 270) a player applies to this frame, from its display matrix."""
    counter_clockwise = frame.rotation or 0
    return int(round(((-counter_clockwise) % 360) / 90.0)) % 4 * 90


def _turn(array: np.ndarray, rotation: int) -> np.ndarray:
    """View of `array` turned clockwise by `rotation` (np.rot90 turns counter-clockwise for k > 0)."""
    k = (-(rotation // 90)) % 4
    return np.rot90(array, k) if k else array


def display_picture(frame: av.VideoFrame, rotation: int | None = None) -> np.ndarray:
    """The whole picture as libvlc delivers it (RGB order, BT.601 matrix, turned for display)."""
    if rotation is None:
        rotation = display_rotation(frame)
    rgb = frame.to_ndarray(format="rgb24", src_colorspace=_PLAYBACK_MATRIX)
    return np.ascontiguousarray(_turn(rgb, rotation))


def _plane(frame: av.VideoFrame, i: int, rows: int, cols: int) -> np.ndarray:
    plane = frame.planes[i]
    return np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)[:rows, :cols]


def _signature_of_samples(green: np.ndarray) -> np.ndarray:
    """`frame_signature` of a picture whose every 8th row and column are `green` (h8 x w8 uint8).

    Each sample is widened to 8 little-endian bytes, so its value sits 8 bytes after the previous
    one; that buffer is viewed (no copy) as a picture whose [::8, ::8] sampling lands exactly on the
    samples, and the one shared signature function does the grid arithmetic.
    """
    h8, w8 = green.shape
    spread = green.astype("<u8").view(np.uint8)
    virtual = as_strided(
        spread,
        shape=(SUBSAMPLE * (h8 - 1) + 1, SUBSAMPLE * (w8 - 1) + 1, 2),
        strides=(w8, 1, 0),
        writeable=False,
    )
    return frame_signature(virtual)


def _membership(n: int, parts: int) -> np.ndarray:
    """parts x n matrix of 0/1: which of `parts` consecutive runs (edges as in signature.py) holds each item."""
    edges = (np.arange(parts) * n) // parts
    ends = np.append(edges[1:], n)
    matrix = np.zeros((parts, n))
    for part, (start, end) in enumerate(zip(edges, ends)):
        matrix[part, start:end] = 1.0
    return matrix


class _SampledGrid:
    """`frame_signature`'s grid arithmetic on already-sampled green values, as two matrix products.

    `frame_signature` sums over its 15x16 grid with `np.add.reduceat`, which costs more per frame than
    everything else ingest adds to decoding. The same integer sums come from rows @ green @ cols in
    float64 (exact: every partial sum is an integer far below 2**53), and dividing them by the same
    counts gives the same float32 means. `SignatureReader` checks that against `frame_signature` itself.
    """

    def __init__(self, h8: int, w8: int):
        self.rows = _membership(h8, GRID_ROWS)
        self.cols = _membership(w8, GRID_COLS).T.copy()
        self.counts = np.outer(self.rows.sum(axis=1), self.cols.sum(axis=0)).astype(np.int64)

    def signature(self, green: np.ndarray) -> np.ndarray:
        sums = self.rows @ green.astype(np.float64) @ self.cols
        return (sums / self.counts).astype(np.float32).reshape(SIGNATURE_LEN)


class SignatureReader:
    """Signatures of decoded frames, equal to `frame_signature(display_picture(frame))`, computed cheaply.

    For 4:2:0 frames only the sampled pixels are converted: each sampled luma value goes to the
    top-left of a 2x2 block of a small frame whose chroma sample is the one the full picture uses
    there, and that frame goes through the same swscale conversion (1/64 of the pixels). The
    conversion treats each pixel's luma on its own, so only those top-left pixels are read back and
    the rest of each block stays black. The grid means are then taken by `_SampledGrid`; the first
    frame of each size and every `CHECK_EVERY`-th frame are also put through `frame_signature`, and a
    difference stops the pass (the tests compare every frame with whole-picture conversion).
    Other pixel formats take the whole-picture path. One reader serves one thread.
    """

    CHECK_EVERY = 256

    def __init__(self) -> None:
        self._reformatter = VideoReformatter()
        self._small_key: tuple[str, int, int] | None = None
        self._small: av.VideoFrame | None = None
        self._small_planes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._grid: _SampledGrid | None = None
        self._count = 0

    def _small_frame(self, fmt: str, h8: int, w8: int) -> tuple[av.VideoFrame, tuple[np.ndarray, ...]]:
        """The small frame for this geometry (made once) and writable views of its sampled pixels."""
        if self._small_key != (fmt, h8, w8):
            small = av.VideoFrame(2 * w8, 2 * h8, fmt)
            planes = tuple(_plane(small, i, 2 * h8 if i == 0 else h8, 2 * w8 if i == 0 else w8) for i in range(3))
            for plane in planes:
                plane[:] = 16 if plane is planes[0] else 128
            self._small = small
            self._small_planes = (planes[0][::2, ::2], planes[1], planes[2])
            self._small_key = (fmt, h8, w8)
            self._grid = _SampledGrid(h8, w8) if h8 >= GRID_ROWS and w8 >= GRID_COLS else None
            self._count = 0
        return self._small, self._small_planes

    def signature(self, frame: av.VideoFrame, rotation: int = 0) -> np.ndarray:
        fmt = frame.format.name
        if fmt not in _PLANAR_420:
            return frame_signature(display_picture(frame, rotation))
        h, w = frame.height, frame.width
        ch, cw = (h + 1) // 2, (w + 1) // 2
        step = SUBSAMPLE // 2
        y = _turn(_plane(frame, 0, h, w), rotation)[::SUBSAMPLE, ::SUBSAMPLE]
        h8, w8 = y.shape
        small, (luma, u, v) = self._small_frame(fmt, h8, w8)
        luma[:] = y
        u[:] = _turn(_plane(frame, 1, ch, cw), rotation)[::step, ::step]
        v[:] = _turn(_plane(frame, 2, ch, cw), rotation)[::step, ::step]
        small.color_range = frame.color_range
        rgb = self._reformatter.reformat(small, format="rgb24", src_colorspace=_PLAYBACK_MATRIX, threads=1)
        green = rgb.to_ndarray()[::2, ::2, 1]
        if self._grid is None:
            return _signature_of_samples(green)  # too small for a signature: frame_signature says so
        sig = self._grid.signature(green)
        if self._count % self.CHECK_EVERY == 0 and not np.array_equal(sig, _signature_of_samples(green)):
            raise RuntimeError("the ingest signature shortcut disagrees with frame_signature")
        self._count += 1
        return sig


# --- thumbnails ------------------------------------------------------------------------------------


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an H x W x 3 uint8 RGB array, through FFmpeg's PNG encoder."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    codec = av.CodecContext.create("png", "w")
    codec.width = rgb.shape[1]
    codec.height = rgb.shape[0]
    codec.pix_fmt = "rgb24"
    codec.time_base = Fraction(1, 1)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts = 0
    packets = list(codec.encode(frame)) + list(codec.encode(None))
    return b"".join(bytes(p) for p in packets)


def _thumbnail(frame: av.VideoFrame, rotation: int, width: int, height: int) -> np.ndarray:
    """A width x height (display orientation) RGB thumbnail, colours as the player shows them, made
    coarse: the strip is stored with the clip, and raw pictures are never written anywhere (DESIGN
    section 5), so only the colours of THUMBNAIL_BLOCK-pixel blocks survive — enough to tell clips
    apart by scene, not enough to recognise anyone."""
    sw, sh = (height, width) if rotation in (90, 270) else (width, height)
    small = frame.reformat(
        width=sw, height=sh, format="rgb24", src_colorspace=_PLAYBACK_MATRIX, interpolation="AREA"
    )
    return coarsen(np.ascontiguousarray(_turn(small.to_ndarray(), rotation)), THUMBNAIL_BLOCK)


def coarsen(rgb: np.ndarray, block: int) -> np.ndarray:
    """Every block x block tile replaced by its mean colour (edge tiles by the mean of what they hold)."""
    h, w = rgb.shape[:2]
    out = np.empty_like(rgb)
    for y in range(0, h, block):
        for x in range(0, w, block):
            tile = rgb[y:y + block, x:x + block]
            out[y:y + block, x:x + block] = tile.reshape(-1, tile.shape[2]).mean(axis=0).round()
    return out


# --- FFmpeg's log ----------------------------------------------------------------------------------


class _DecoderLog:
    """Collects FFmpeg errors (any thread: frame-threaded decoders log from their workers) for one pass."""

    def __enter__(self) -> _DecoderLog:
        self._level = av.logging.get_level()
        if self._level is None or self._level < av.logging.ERROR:
            av.logging.set_level(av.logging.ERROR)
        self._skip_repeated = av.logging.get_skip_repeated()
        av.logging.set_skip_repeated(False)  # every error counts, even identical ones
        self._capture = av.logging.Capture(local=False)
        self.entries = self._capture.__enter__()
        self.exceptions: list[str] = []
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._capture.__exit__(None, None, None)
        av.logging.set_skip_repeated(self._skip_repeated)
        av.logging.set_level(self._level)

    def errors(self) -> list[str]:
        messages = [f"{name}: {text.strip()}" for level, name, text in self.entries if level <= av.logging.ERROR]
        return messages + self.exceptions


def _one_line(exc: BaseException) -> str:
    """An exception as one line, without the file name FFmpeg errors repeat (the caller names it)."""
    if isinstance(exc, av.FFmpegError) and exc.strerror:
        text = exc.strerror
        log_entry = getattr(exc, "log", None)
        if log_entry:
            text += f"; {log_entry[1]}: {log_entry[2]}" if len(log_entry) == 3 else f"; {log_entry}"
    else:
        text = str(exc)
    text = " ".join(text.split())
    return text or type(exc).__name__


# --- the pass ------------------------------------------------------------------------------------------


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:  # cover art is not video
            return stream
    return None


def _thumbnail_targets(start: float, duration: float | None) -> list[float]:
    if duration and duration > 0:
        return [start + (k + 0.5) * duration / THUMBNAIL_COUNT for k in range(THUMBNAIL_COUNT)]
    return [start + k for k in range(THUMBNAIL_COUNT)]


def _clean_pts(raw: list[float | None]) -> np.ndarray:
    """Frame times in display order: missing ones extrapolated, backward steps held (logged)."""
    pts = np.empty(len(raw), dtype=np.float64)
    known = [t for t in raw if t is not None]
    step = float(np.median(np.diff(known))) if len(known) > 1 else 1 / 30
    fixed = 0
    previous = None
    for i, t in enumerate(raw):
        if t is None:
            t = 0.0 if previous is None else previous + step
            fixed += 1
        elif previous is not None and t < previous:
            t = previous
            fixed += 1
        pts[i] = t
        previous = t
    if fixed:
        log.warning("%d frame timestamps were missing or went backwards and were repaired", fixed)
    return pts


def ingest_pass(path: str | Path, index_dir: str | Path, *, strict: bool = False) -> Job[ClipProbe]:
    """Hash, probe and index one clip; yields Progress, returns a `ClipProbe` (the index is saved).

    Progress comes in two phases with their own units: bytes hashed ("Hashing ...") then frames
    decoded ("Indexing ...", total = the container's frame count when it states one).
    With `strict`, a clip whose decoder logged errors is refused.
    """
    path = Path(path)
    started = time.perf_counter()
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise MediaError(f"{path}: cannot be read ({exc.strerror or _one_line(exc)})") from exc
    with f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise MediaError(f"{path}: the file is empty")
        digest = hashlib.sha256()
        yield Progress(0, size, f"Hashing {path.name}")
        next_report = _HASH_PROGRESS_BYTES
        for done in _hash_chunks(f, digest):
            if done >= next_report:
                yield Progress(done, size, f"Hashing {path.name}")
                next_report = done + _HASH_PROGRESS_BYTES
        sha256 = digest.hexdigest()
        f.seek(0)

        with _DecoderLog() as decoder_log:
            result = yield from _decode_pass(path, f, decoder_log)
        errors = decoder_log.errors()

        f.seek(0)
        if sha256_file_object(f) != sha256:
            raise MediaError(f"{path}: the file changed while it was being ingested")

    if strict and errors:
        raise MediaError(f"{path}: the decoder reported {len(errors)} error(s), first: {errors[0]}")
    if errors:
        log.warning("%s: %d decoder error(s) while indexing, first: %s", path, len(errors), errors[0])

    frame_index = FrameIndex(
        result.pts, result.signatures, result.width, result.height, sha256=sha256, rotation=result.rotation
    )
    saved = frame_index.save(index_path(index_dir, sha256))

    intervals = np.diff(result.pts)
    if len(intervals):
        mean_iv, min_iv, max_iv = float(intervals.mean()), float(intervals.min()), float(intervals.max())
    else:
        mean_iv = min_iv = max_iv = 0.0
    vfr = bool(len(intervals) > 1 and (max_iv - min_iv) > max(0.002, 0.02 * mean_iv))
    duration = float(result.pts[-1] - result.pts[0] + mean_iv)
    return ClipProbe(
        path=str(path),
        sha256=sha256,
        size_bytes=size,
        container_format=result.container_format,
        codec=result.codec,
        profile=result.profile,
        pix_fmt=result.pix_fmt,
        width=result.width,
        height=result.height,
        encoded_width=result.encoded_width,
        encoded_height=result.encoded_height,
        rotation=result.rotation,
        frame_count=len(result.pts),
        duration_s=round(duration, 6),
        start_s=float(result.pts[0]),
        mean_interval_s=mean_iv,
        min_interval_s=min_iv,
        max_interval_s=max_iv,
        average_fps=(1.0 / mean_iv) if mean_iv > 0 else 0.0,
        nominal_fps=result.nominal_fps,
        vfr=vfr,
        has_audio=result.has_audio,
        audio_codec=result.audio_codec,
        decoder_errors=len(errors),
        decoder_messages=tuple(errors[:_MAX_MESSAGES]),
        index_path=str(saved),
        thumbnail_times=tuple(result.thumbnail_times),
        thumbnail_png=result.thumbnail_png,
        ingest_seconds=round(time.perf_counter() - started, 3),
    )


@dataclass
class _Decoded:
    pts: np.ndarray
    signatures: np.ndarray
    width: int
    height: int
    encoded_width: int
    encoded_height: int
    rotation: int
    container_format: str
    codec: str
    profile: str | None
    pix_fmt: str
    nominal_fps: float | None
    has_audio: bool
    audio_codec: str | None
    thumbnail_times: list[float]
    thumbnail_png: bytes


def _decode_pass(path: Path, f: BinaryIO, decoder_log: _DecoderLog) -> Job[_Decoded]:
    try:
        container = av.open(f, mode="r")
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise MediaError(f"{path}: not a readable media file ({_one_line(exc)})") from exc
    with container:
        stream = _video_stream(container)
        if stream is None:
            kinds = sorted({s.type for s in container.streams})
            what = "audio only" if kinds == ["audio"] else f"streams: {', '.join(kinds) or 'none'}"
            raise MediaError(f"{path}: has no video stream ({what})")
        fmt = container.format.name
        if fmt in _NOT_FOOTAGE_FORMATS or fmt.endswith("_pipe") or stream.codec_context.name in _NOT_FOOTAGE_CODECS:
            raise MediaError(f"{path}: not a video file (FFmpeg reads it as {fmt}/{stream.codec_context.name})")
        stream.thread_type = "AUTO"
        audio = container.streams.audio[0] if container.streams.audio else None
        declared = stream.frames or 0
        duration = None
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / av.time_base
        rate = stream.average_rate or stream.guessed_rate
        nominal_fps = float(rate) if rate else None
        expected = declared or (int(round(duration * nominal_fps)) if duration and nominal_fps else None)

        reader = SignatureReader()
        raw_pts: list[float | None] = []
        signatures: list[np.ndarray] = []
        thumbs: list[np.ndarray] = []
        thumb_times: list[float] = []
        targets: list[float] = []
        thumb_size = (THUMBNAIL_WIDTH, 2)
        first: tuple[int, int, str] | None = None  # width, height, pixel format of the first frame
        first_thumb: np.ndarray | None = None
        size_changed = False
        rotation = 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
                raise MediaError(
                    f"{path}: damaged or truncated after {len(raw_pts)} frames ({_one_line(exc)})"
                ) from exc
            try:
                frames = packet.decode()
            except (av.FFmpegError, ValueError) as exc:
                decoder_log.exceptions.append(f"decode: {_one_line(exc)}")
                continue
            for frame in frames:
                t = frame.time
                if first is None:
                    first = (frame.width, frame.height, frame.format.name)
                    rotation = display_rotation(frame)
                    if min(frame.width, frame.height) < _MIN_SIDE:
                        raise MediaError(
                            f"{path}: the picture ({frame.width}x{frame.height}) is too small to index"
                        )
                    thumb_size = _thumbnail_size(frame.width, frame.height, rotation)
                    first_thumb = _thumbnail(frame, rotation, *thumb_size)
                    targets = _thumbnail_targets(t or 0.0, duration)
                elif not size_changed and (frame.width, frame.height) != first[:2]:
                    size_changed = True  # libvlc scales such frames to the first size: they will not match
                    log.warning("%s: the picture size changes within the clip", path)
                raw_pts.append(t)
                signatures.append(reader.signature(frame, rotation))
                if len(thumbs) < len(targets) and (t or 0.0) >= targets[len(thumbs)]:
                    thumbs.append(_thumbnail(frame, rotation, *thumb_size))
                    thumb_times.append(t or 0.0)
                if len(raw_pts) % PROGRESS_EVERY_FRAMES == 0:
                    yield Progress(len(raw_pts), expected, f"Indexing {path.name}")

        if first is None or first_thumb is None:
            raise MediaError(f"{path}: no video frame could be decoded")
        if declared and len(raw_pts) < declared:
            errors = decoder_log.errors()
            detail = f"; first decoder error: {errors[0]}" if errors else ""
            raise MediaError(
                f"{path}: truncated or damaged: the container lists {declared} video frames, "
                f"only {len(raw_pts)} decoded{detail}"
            )
        if len(raw_pts) % PROGRESS_EVERY_FRAMES:
            yield Progress(len(raw_pts), expected or len(raw_pts), f"Indexing {path.name}")

        if not thumbs:
            thumbs.append(first_thumb)
            thumb_times.append(raw_pts[0] or 0.0)
        encoded_width, encoded_height, pix_fmt = first
        width, height = (encoded_height, encoded_width) if rotation in (90, 270) else (encoded_width, encoded_height)
        ctx = stream.codec_context
        return _Decoded(
            pts=_clean_pts(raw_pts),
            signatures=np.stack(signatures),
            width=width,
            height=height,
            encoded_width=encoded_width,
            encoded_height=encoded_height,
            rotation=rotation,
            container_format=fmt,
            codec=ctx.name,
            profile=ctx.profile,
            pix_fmt=pix_fmt,
            nominal_fps=nominal_fps,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            thumbnail_times=thumb_times,
            thumbnail_png=encode_png(np.concatenate(thumbs, axis=1)),
        )


def _thumbnail_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """Display-orientation thumbnail size: THUMBNAIL_WIDTH wide, even height, aspect kept."""
    dw, dh = (height, width) if rotation in (90, 270) else (width, height)
    return THUMBNAIL_WIDTH, max(2, int(round(THUMBNAIL_WIDTH * dh / dw / 2)) * 2)
