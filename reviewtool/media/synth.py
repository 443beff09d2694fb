"""Synthetic body-worn-video clips whose content is known exactly, for the demo and for tests.

Real footage cannot be shipped or put in a test suite (it is personal data), yet every promise the
player makes -- "this displayed picture is frame 1234, and the faces on it are here" -- has to be
checked against ground truth. So the clips are drawn: a textured background that pans slowly and
shakes a few pixels a frame like a walking officer's camera (consecutive frames differ, as in real
footage), a few face-like ellipses on deterministic paths (the truth boxes are a function of time), and
optionally the frame index written as binary blocks in a top band, which `read_frame_number` reads back
from any decoded, scaled or VLC-delivered picture.

Encoding is H.264 (yuv420p) + AAC in .mp4 through PyAV, the codecs body-worn cameras use. Variable
frame rate clips get irregular timestamps in a 1/90000 time base. Rotation is written as a display
matrix (`VideoStream.set_display_rotation`), which the mp4 muxer stores in the track header the way
phones do: the picture is stored turned, and players turn it back. `ClipTruth` describes what a player
should show: sizes and boxes are in display orientation.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: Data bits of the frame number (2**20 frames is 9.7 hours at 30 fps).
FRAME_NUMBER_BITS = 20
#: Check bits: popcount of the frame number, modulo 16, so a misread block gives None, not a wrong number.
_CHECK_BITS = 4
#: Blocks in the band: white marker, black marker, data bits (most significant first), check bits.
_BAND_BLOCKS = 2 + FRAME_NUMBER_BITS + _CHECK_BITS
#: Band height as a fraction of the display height.
BAND_FRACTION = 0.06

_VFR_TIME_BASE = Fraction(1, 90000)
_AUDIO_RATE = 48000
_BLOCK_LOW = 16
_BLOCK_HIGH = 235
_BAND_GREY = 128
#: (AVColorSpace, AVColorPrimaries, AVColorTransferCharacteristic) written for each `colour` tag.
_COLOUR_TAGS: dict[str | None, tuple[int, int, int] | None] = {None: None, "bt601": (6, 6, 6), "bt709": (1, 1, 1)}


@dataclass(frozen=True)
class FrameTruth:
    index: int
    pts: float  # seconds
    faces: list[list[float]]  # [x, y, w, h] fractions of the displayed picture


@dataclass
class ClipTruth:
    """What a correct player shows for each frame of a clip made by `make_clip`.

    `width`/`height` are the displayed size (after rotation); `encoded_width`/`encoded_height` are the
    picture size stored in the stream. `rotate` is the clockwise turn a player applies for display.
    """

    path: str
    width: int
    height: int
    encoded_width: int
    encoded_height: int
    fps: float
    vfr: bool
    rotate: int
    audio: bool
    seed: int
    frame_numbers: bool
    duration_s: float
    frames: list[FrameTruth] = field(default_factory=list)

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def pts(self) -> np.ndarray:
        return np.array([f.pts for f in self.frames], dtype=np.float64)

    def faces_at(self, frame_index: int) -> list[list[float]]:
        """Face boxes [x, y, w, h] (display fractions) on frame `frame_index`."""
        if not 0 <= frame_index < len(self.frames):
            raise IndexError(f"frame {frame_index} outside 0..{len(self.frames) - 1}")
        return [list(b) for b in self.frames[frame_index].faces]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> ClipTruth:
        data = dict(data)
        frames = [FrameTruth(**f) for f in data.pop("frames")]
        return cls(frames=frames, **data)

    @classmethod
    def from_json(cls, text: str) -> ClipTruth:
        return cls.from_dict(json.loads(text))


# --- timing -----------------------------------------------------------------------------------------


def _frame_times(duration_s: float, fps: float, vfr: bool, seed: int) -> tuple[list[int], Fraction]:
    """Frame pts in ticks, and the time base they are in.

    Constant rate: pts i in a 1/fps time base (exact, as cameras write it). VFR: gaps alternating
    1/25 s and 1/40 s with up to +/-3 ms jitter, in 1/90000 s ticks -- the pattern of a camera that
    drops its rate in low light.
    """
    if not vfr:
        rate = Fraction(fps).limit_denominator(1001)
        count = max(1, math.ceil(duration_s * rate - 1e-9))
        return list(range(count)), 1 / rate
    rng = np.random.default_rng(seed + 7919)
    ticks: list[int] = []
    t = 0
    end = round(duration_s * 90000)
    i = 0
    while t < end:
        ticks.append(t)
        gap = (1 / 25) if i % 2 == 0 else (1 / 40)
        if i % 3 == 2:
            gap *= 1.5  # an occasional long gap, so min/max intervals differ from the alternation
        gap += float(rng.uniform(-0.003, 0.003))
        t += max(1, round(gap * 90000))
        i += 1
    return ticks, _VFR_TIME_BASE


# --- drawing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FacePath:
    """A face moving on a Lissajous path; position and size are smooth functions of time."""

    cx0: float
    cy0: float
    ax: float
    ay: float
    px: float
    py: float
    phase_x: float
    phase_y: float
    w0: float
    colour: tuple[int, int, int]

    def box(self, t: float, aspect: float) -> list[float]:
        """[x, y, w, h] as fractions of a picture whose width/height is `aspect`."""
        w = self.w0 * (1.0 + 0.15 * math.sin(2 * math.pi * t / (self.px * 1.7)))
        h = w * 1.3 * aspect
        cx = self.cx0 + self.ax * math.sin(2 * math.pi * t / self.px + self.phase_x)
        cy = self.cy0 + self.ay * math.sin(2 * math.pi * t / self.py + self.phase_y)
        return [round(cx - w / 2, 6), round(cy - h / 2, 6), round(w, 6), round(h, 6)]


def _face_paths(n: int, seed: int, aspect: float) -> list[_FacePath]:
    rng = np.random.default_rng(seed + 104729)
    skin = [(224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172), (92, 56, 38), (241, 194, 125)]
    paths = []
    top = BAND_FRACTION + 0.02
    for k in range(n):
        w0 = float(rng.uniform(0.07, 0.12))
        # Worst case size: w0 * 1.15 wide, 1.3 * aspect times that high; keep the whole box inside.
        hw = w0 * 1.15 / 2
        hh = w0 * 1.15 * 1.3 * aspect / 2
        ax = float(rng.uniform(0.05, 0.5 - hw - 0.01 - 0.05))
        ay_room = (1 - top - 0.01) / 2 - hh
        ay = float(rng.uniform(0.0, max(0.0, ay_room * 0.9)))
        cx0 = float(rng.uniform(hw + ax + 0.01, 1 - hw - ax - 0.01))
        cy_lo = top + hh + ay
        cy_hi = 1 - 0.01 - hh - ay
        cy0 = float(rng.uniform(cy_lo, max(cy_lo, cy_hi)))
        paths.append(
            _FacePath(
                cx0=cx0,
                cy0=cy0,
                ax=ax,
                ay=ay,
                px=float(rng.uniform(3.0, 7.0)),
                py=float(rng.uniform(4.0, 9.0)),
                phase_x=float(rng.uniform(0, 2 * math.pi)),
                phase_y=float(rng.uniform(0, 2 * math.pi)),
                w0=w0,
                colour=skin[k % len(skin)],
            )
        )
    return paths


def _smooth_field(h: int, w: int, cell: int, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Blobs: a coarse random grid bilinearly upsampled to h x w (float32, +/- amplitude)."""
    gh, gw = max(2, h // cell + 2), max(2, w // cell + 2)
    coarse = rng.uniform(-amplitude, amplitude, size=(gh, gw)).astype(np.float32)
    ys = np.linspace(0, gh - 1.001, h, dtype=np.float32)
    xs = np.linspace(0, gw - 1.001, w, dtype=np.float32)
    y0, x0 = ys.astype(np.int64), xs.astype(np.int64)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x0 + 1] * fx
    bottom = coarse[y0 + 1][:, x0] * (1 - fx) + coarse[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _yuv601(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Limited-range BT.601 Y, U, V of an RGB colour (how the face colours are stored)."""
    r, g, b = rgb
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    return round(y), round(u), round(v)


class _Painter:
    """Draws display-orientation YUV 4:2:0 planes; everything is a function of (index, t).

    Drawing straight into Y, U and V (rather than RGB converted per frame) keeps generation well
    under real time: the per-frame work is a few slice copies and small masks.
    """

    def __init__(self, width: int, height: int, faces: list[_FacePath], seed: int, frame_numbers: bool):
        self.w, self.h = width, height
        self.faces = faces
        self.frame_numbers = frame_numbers
        self.shake = max(2, max(width, height) // 160) * 2
        self.margin = max(2 * self.shake + 8, width // 16 * 2)  # even, so chroma moves with luma
        m = self.margin
        rng = np.random.default_rng(seed)
        luma = 128 + _smooth_field(height + 2 * m, width + 2 * m, 20, 55, rng)
        luma += _smooth_field(height + 2 * m, width + 2 * m, 5, 12, rng)
        luma += rng.uniform(-3, 3, size=luma.shape).astype(np.float32)
        # Kept inside 40..215 so the brightness drift (+/-18) never leaves 16..235: no clipping per frame.
        self.tex_y = np.clip(luma, 40, 215).astype(np.uint8)
        ch, cw = (height + 2 * m) // 2, (width + 2 * m) // 2
        self.tex_u = np.clip(128 + _smooth_field(ch, cw, 16, 14, rng), 16, 240).astype(np.uint8)
        self.tex_v = np.clip(128 + _smooth_field(ch, cw, 16, 14, rng), 16, 240).astype(np.uint8)
        self.band_h = _band_height(height)
        self.block_edges = [round(k * width / _BAND_BLOCKS) for k in range(_BAND_BLOCKS + 1)]
        self.y = np.empty((height, width), dtype=np.uint8)
        self.u = np.empty((height // 2, width // 2), dtype=np.uint8)
        self.v = np.empty((height // 2, width // 2), dtype=np.uint8)

    def draw(self, index: int, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # A slow pan plus a walking camera's shake (a few pixels a frame); even, so chroma moves too.
        m, shake = self.margin, self.shake
        pan = m - shake
        sx = shake * (0.6 * math.sin(2 * math.pi * t / 0.7) + 0.4 * math.sin(2 * math.pi * t / 0.43))
        sy = shake * (0.6 * math.sin(2 * math.pi * t / 0.9 + 0.5) + 0.4 * math.sin(2 * math.pi * t / 0.31))
        ox = 2 * int(round((m + pan * math.sin(2 * math.pi * t / 11.0) + sx) / 2))
        oy = 2 * int(round((m + pan * math.sin(2 * math.pi * t / 13.0 + 1.0) + sy) / 2))
        np.copyto(self.y, self.tex_y[oy : oy + self.h, ox : ox + self.w])
        np.copyto(self.u, self.tex_u[oy // 2 : oy // 2 + self.h // 2, ox // 2 : ox // 2 + self.w // 2])
        np.copyto(self.v, self.tex_v[oy // 2 : oy // 2 + self.h // 2, ox // 2 : ox // 2 + self.w // 2])
        # A slow brightness drift, so even a still camera gives frames that differ.
        shift = int(round(18 * math.sin(2 * math.pi * t / 7.0)))
        if shift > 0:
            self.y += np.uint8(shift)
        elif shift < 0:
            self.y -= np.uint8(-shift)
        aspect = self.w / self.h
        for face in self.faces:
            self._draw_face(face.box(t, aspect), face.colour)
        if self.frame_numbers:
            self._draw_band(index)
        return self.y, self.u, self.v

    def _ellipse(self, box: list[float], scale: int) -> tuple[slice, slice, np.ndarray, np.ndarray] | None:
        """Normalised ellipse coordinates over the box's pixels on a plane subsampled by `scale`."""
        x, y, w, h = box
        pw, ph = self.w // scale, self.h // scale
        x0, y0 = max(0, int(math.floor(x * pw))), max(0, int(math.floor(y * ph)))
        x1, y1 = min(pw, int(math.ceil((x + w) * pw))), min(ph, int(math.ceil((y + h) * ph)))
        if x1 <= x0 or y1 <= y0:
            return None
        yy, xx = np.ogrid[y0:y1, x0:x1]
        nx = ((xx + 0.5) / pw - (x + w / 2)) / (w / 2)
        ny = ((yy + 0.5) / ph - (y + h / 2)) / (h / 2)
        return slice(y0, y1), slice(x0, x1), nx, ny

    def _draw_face(self, box: list[float], colour: tuple[int, int, int]) -> None:
        fy, fu, fv = _yuv601(colour)
        luma = self._ellipse(box, 1)
        if luma is not None:
            rows, cols, nx, ny = luma
            region = self.y[rows, cols]
            region[nx * nx + ny * ny <= 1.0] = fy
            for ex in (-0.38, 0.38):  # eyes
                region[((nx - ex) ** 2) / 0.02 + ((ny + 0.2) ** 2) / 0.01 <= 1.0] = 40
            region[(nx * nx) / 0.12 + ((ny - 0.45) ** 2) / 0.006 <= 1.0] = 70  # mouth
        chroma = self._ellipse(box, 2)
        if chroma is not None:
            rows, cols, nx, ny = chroma
            inside = nx * nx + ny * ny <= 1.0
            self.u[rows, cols][inside] = fu
            self.v[rows, cols][inside] = fv

    def _draw_band(self, index: int) -> None:
        band = self.y[: self.band_h]
        band[:] = _BAND_GREY
        for k, bit in enumerate(_band_bits(index)):
            band[:, self.block_edges[k] : self.block_edges[k + 1]] = _BLOCK_HIGH if bit else _BLOCK_LOW
        self.u[: self.band_h // 2] = 128
        self.v[: self.band_h // 2] = 128


def _band_height(height: int) -> int:
    return max(6, 2 * round(height * BAND_FRACTION / 2))


def _band_bits(index: int) -> list[int]:
    if not 0 <= index < 2**FRAME_NUMBER_BITS:
        raise ValueError(f"frame index {index} does not fit in {FRAME_NUMBER_BITS} bits")
    data = [(index >> (FRAME_NUMBER_BITS - 1 - b)) & 1 for b in range(FRAME_NUMBER_BITS)]
    check = bin(index).count("1") % (2**_CHECK_BITS)
    check_bits = [(check >> (_CHECK_BITS - 1 - b)) & 1 for b in range(_CHECK_BITS)]
    return [1, 0, *data, *check_bits]


def read_frame_number(picture: np.ndarray, rotate: int = 0) -> int | None:
    """Read the frame index drawn by `make_clip(frame_numbers=True)` back out of a picture.

    `picture` is HxWxC uint8 with green in channel 1 (RGB24 from PyAV, BGRA/RV32 from libvlc), at any
    scale. `rotate` is the clockwise turn the clip needs for display, for pictures taken *before* that
    turn (e.g. raw decoder output); displayed pictures need 0. Returns None for a picture without a
    valid band (black "protected" frames, other content, or a block misread), never a wrong number.
    """
    if picture.ndim != 3 or picture.shape[2] < 2:
        raise ValueError(f"expected an HxWxC picture, got shape {picture.shape}")
    if rotate % 360:
        # np.rot90 turns counter-clockwise for positive k; a clockwise turn by `rotate` is k = -rotate/90.
        picture = np.rot90(picture, k=(-(rotate % 360) // 90) % 4)
    h, w = picture.shape[:2]
    band_h = _band_height(h)
    y0, y1 = max(0, band_h // 4), max(1, band_h - band_h // 4)
    levels = []
    for k in range(_BAND_BLOCKS):
        left, right = k * w / _BAND_BLOCKS, (k + 1) * w / _BAND_BLOCKS
        inset = (right - left) / 4
        xa, xb = int(round(left + inset)), int(round(right - inset))
        if xb <= xa:
            return None
        levels.append(float(picture[y0:y1, xa:xb, 1].mean()))
    high, low = levels[0], levels[1]
    if high - low < 100:
        return None
    threshold = (high + low) / 2
    margin = (high - low) / 4
    bits = []
    for level in levels[2:]:
        if abs(level - threshold) < margin:
            return None
        bits.append(1 if level > threshold else 0)
    data = bits[:FRAME_NUMBER_BITS]
    check_bits = bits[FRAME_NUMBER_BITS:]
    index = 0
    for b in data:
        index = (index << 1) | b
    check = 0
    for b in check_bits:
        check = (check << 1) | b
    if bin(index).count("1") % (2**_CHECK_BITS) != check:
        return None
    return index


# --- encoding -------------------------------------------------------------------------------------


def _audio_frames(duration_s: float, seed: int):
    """A tone whose pitch and level drift, plus a little noise, in 1024-sample mono AAC frames."""
    rng = np.random.default_rng(seed + 15485863)
    total = int(round(duration_s * _AUDIO_RATE))
    t = np.arange(total) / _AUDIO_RATE
    pitch = 440.0 + 60.0 * np.sin(2 * np.pi * t / 5.0)
    level = 0.2 + 0.1 * np.sin(2 * np.pi * t / 3.0)
    signal = level * np.sin(2 * np.pi * np.cumsum(pitch) / _AUDIO_RATE) + rng.normal(0, 0.01, total)
    signal = signal.astype(np.float32)[None, :]
    for start in range(0, total, 1024):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(signal[:, start : start + 1024]), format="fltp", layout="mono"
        )
        frame.sample_rate = _AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, _AUDIO_RATE)
        yield frame


def _stored_frame(planes: tuple[np.ndarray, ...], rotate: int, width: int, height: int) -> av.VideoFrame:
    """A yuv420p frame holding the display planes turned back by `rotate` degrees clockwise.

    A player turns the stored picture clockwise by `rotate`, so it is stored turned counter-clockwise
    (np.rot90 with positive k turns counter-clockwise).
    """
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane_array, plane in zip(planes, frame.planes):
        data = np.rot90(plane_array, k=rotate // 90) if rotate else plane_array
        ph, pw = data.shape
        target = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
        target[:ph, :pw] = data
    return frame


def make_clip(
    path: str | Path,
    *,
    duration_s: float,
    width: int,
    height: int,
    fps: float = 30.0,
    vfr: bool = False,
    audio: bool = True,
    seed: int = 0,
    frame_numbers: bool = True,
    faces: int = 2,
    rotate: int = 0,
    crf: int = 23,
    preset: str = "ultrafast",
    faststart: bool = False,
    colour: str | None = None,
    full_range: bool = False,
) -> ClipTruth:
    """Write an H.264/AAC .mp4 of known content and return its ground truth.

    `width` x `height` is the picture stored in the stream (even numbers; any, e.g. 1920x1090 -- the
    encoder pads to whole macroblocks and writes the crop). `rotate` (0, 90, 180, 270) is the
    clockwise turn a player must apply, recorded as a display matrix; with 90 or 270 the displayed
    picture is `height` x `width`. `fps` is the nominal rate (the VFR pattern ignores it).
    `preset` is libx264's: the default "ultrafast" keeps test clips quick to make (no B-frames, no
    deblocking); "veryfast" gives the B-frames and in-loop filter of real camera streams.
    `faststart` moves the index (moov) to the front, as cameras that stream do. `colour` tags the
    stream's matrix, primaries and transfer ("bt601" or "bt709"; None leaves them unspecified, as many
    cameras do) and `full_range` tags it full ("JPEG") range: the samples are the same either way, only
    the way players turn them into RGB changes -- which is exactly what ingest and playback must agree on.
    """
    if duration_s <= 0:
        raise ValueError("duration_s must be positive")
    if width < 64 or height < 64 or width % 2 or height % 2:
        raise ValueError(f"width and height must be even and at least 64, got {width}x{height}")
    if rotate % 90 or not 0 <= rotate < 360:
        raise ValueError(f"rotate must be 0, 90, 180 or 270, got {rotate}")
    if faces < 0:
        raise ValueError("faces must be >= 0")
    if colour not in _COLOUR_TAGS:
        raise ValueError(f"colour must be one of {sorted(k for k in _COLOUR_TAGS if k)} or None, got {colour!r}")
    path = Path(path)
    disp_w, disp_h = (height, width) if rotate in (90, 270) else (width, height)
    ticks, time_base = _frame_times(duration_s, fps, vfr, seed)
    face_paths = _face_paths(faces, seed, disp_w / disp_h)
    painter = _Painter(disp_w, disp_h, face_paths, seed, frame_numbers)
    aspect = disp_w / disp_h

    truth = ClipTruth(
        path=str(path),
        width=disp_w,
        height=disp_h,
        encoded_width=width,
        encoded_height=height,
        fps=float(fps) if not vfr else round(len(ticks) / duration_s, 3),
        vfr=vfr,
        rotate=rotate,
        audio=audio,
        seed=seed,
        frame_numbers=frame_numbers,
        duration_s=float(duration_s),
    )

    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=options) as container:
        if vfr:
            vstream = container.add_stream("libx264", rate=None)
        else:
            vstream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        vstream.width = width
        vstream.height = height
        vstream.pix_fmt = "yuv420p"
        vstream.time_base = time_base
        vstream.codec_context.time_base = time_base
        vstream.options = {"preset": preset, "crf": str(crf)}
        tag = _COLOUR_TAGS[colour]
        if tag is not None:
            ctx = vstream.codec_context
            ctx.colorspace, ctx.color_primaries, ctx.color_trc = tag
        if full_range:
            vstream.codec_context.color_range = 2  # AVCOL_RANGE_JPEG
        if rotate:
            # set_display_rotation takes counter-clockwise degrees.
            vstream.set_display_rotation(-rotate)
        astream = None
        if audio:
            astream = container.add_stream("aac", rate=_AUDIO_RATE, layout="mono")
            astream.bit_rate = 64000
        audio_iter = _audio_frames(duration_s, seed) if audio else iter(())
        next_audio = next(audio_iter, None)

        for index, tick in enumerate(ticks):
            t = float(tick * time_base)
            boxes = [face.box(t, aspect) for face in face_paths]
            truth.frames.append(FrameTruth(index=index, pts=round(t, 9), faces=boxes))
            frame = _stored_frame(painter.draw(index, t), rotate, width, height)
            frame.pts = tick
            frame.time_base = time_base
            for packet in vstream.encode(frame):
                container.mux(packet)
            while astream is not None and next_audio is not None and next_audio.pts / _AUDIO_RATE <= t:
                for packet in astream.encode(next_audio):
                    container.mux(packet)
                next_audio = next(audio_iter, None)
        for packet in vstream.encode(None):
            container.mux(packet)
        if astream is not None:
            while next_audio is not None:
                for packet in astream.encode(next_audio):
                    container.mux(packet)
                next_audio = next(audio_iter, None)
            for packet in astream.encode(None):
                container.mux(packet)
    return truth


def make_audio_only(path: str | Path, *, duration_s: float, seed: int = 0) -> None:
    """An AAC-only .m4a (a camera that recorded no picture), for the ingest error path."""
    with av.open(str(path), mode="w", format="mp4") as container:
        astream = container.add_stream("aac", rate=_AUDIO_RATE, layout="mono")
        for frame in _audio_frames(duration_s, seed):
            for packet in astream.encode(frame):
                container.mux(packet)
        for packet in astream.encode(None):
            container.mux(packet)
