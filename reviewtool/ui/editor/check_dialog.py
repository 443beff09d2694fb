"""Check redactions: play the clip through the panel's player and look at what the screen showed.

The pre-meeting check (DESIGN section 10) runs `PlaybackService.audit_clip` -- libvlc, identification
and rendering, no shortcut -- off the GUI thread, on the redactions the editor shows now (so a draft can be checked before
approval; the force's policy is applied as in the meeting). The audit writes every displayed frame, redacted, as a
PNG with `frames.jsonl`; this dialog then lays them out as a contact sheet, one tile per distinct
frame in display order, with its frame number and time. Frames the player could not show redacted
("protected", black) and blanked frames are flagged on their tiles and counted at the top, since a
protected frame in the check is a frame the panel would see black too.

The output stays in the user's data folder (`checks/`), named by clip and time, so an approver can
open it again; it holds redacted frames only, never raw ones.
"""

from __future__ import annotations

import json
import logging
from html import escape
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from reviewtool.core.paths import data_dir
from reviewtool.core.playback import PlaybackService
from reviewtool.media.audit_run import FRAMES_FILE, AuditSummary
from reviewtool.media.redaction import RedactionSet
from reviewtool.ui import tasks
from reviewtool.ui.context import AppContext
from reviewtool.ui.video.timeline import clock_text

log = logging.getLogger(__name__)

MAX_TILES = 240
QUICK_POINTS = 120
TILE_WIDTH = 192
SCALE = 0.5
_PROTECTED_BG = QColor("#f6d5d2")
_BLANK_BG = QColor("#dddddd")


@dataclass(frozen=True)
class Tile:
    seq: int
    frame: int | None
    pts: float | None
    blanked: bool
    protected: bool
    png: Path

    @property
    def caption(self) -> str:
        name = "Frame ?" if self.frame is None else f"Frame {self.frame + 1}"
        text = f"{name}  {clock_text(self.pts)}" if self.pts is not None else name
        if self.protected:
            return f"{text}\nPROTECTED — shown black"
        if self.blanked:
            return f"{text}\nBlanked"
        return text


def quick_script(rs: RedactionSet, length: float) -> list[dict]:
    """Seek to the start, each keyframe, each range edge and the end, pausing briefly on each."""
    times = {0.0, max(0.0, length - 0.05)}
    times.update(kf.t for track in rs.tracks for kf in track.keyframes)
    times.update(t for span in (*rs.blank, *rs.mute) for t in span)
    chosen = sorted(t for t in times if 0.0 <= t <= length)
    if len(chosen) > QUICK_POINTS:
        step = len(chosen) / QUICK_POINTS
        chosen = [chosen[int(i * step)] for i in range(QUICK_POINTS)]
    script: list[dict] = []
    for t in chosen:
        script += [{"seek": round(t, 6)}, {"pause": 0.15}]
    return script


def whole_script(length: float) -> list[dict]:
    return [{"play": round(length + 1.0, 3)}]


def contact_sheet(out_dir: Path, limit: int = MAX_TILES) -> list[Tile]:
    """One tile per distinct picture shown (a frame, or a protected/blanked moment), in display order;
    above `limit`, every flagged tile is kept and the rest sampled evenly."""
    seen: set[tuple] = set()
    tiles: list[Tile] = []
    with open(out_dir / FRAMES_FILE, encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            key = (entry["frame"], entry["blanked"], entry["protected"])
            if key in seen:
                continue
            seen.add(key)
            tiles.append(Tile(entry["seq"], entry["frame"], entry["pts"], bool(entry["blanked"]),
                              bool(entry["protected"]), out_dir / entry["png"]))
    if len(tiles) <= limit:
        return tiles
    flagged = [t for t in tiles if t.protected or t.blanked]
    plain = [t for t in tiles if not (t.protected or t.blanked)]
    room = max(0, limit - len(flagged))
    step = len(plain) / room if room else 0
    sampled = [plain[int(i * step)] for i in range(room)] if room else []
    return sorted(flagged[:limit] + sampled, key=lambda t: t.seq)


class CheckRedactionsDialog(QDialog):
    """Runs the check on the editor's current redactions and shows the contact sheet."""

    def __init__(self, ctx: AppContext, footage_id: int, redactions: RedactionSet, approved: bool,
                 parent: QWidget | None = None, *, vlc_args: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("checkRedactions")
        self.setWindowTitle("Check redactions")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.ctx = ctx
        self.footage_id = footage_id
        self.redactions = redactions
        self.vlc_args = tuple(vlc_args)
        self.info = ctx.service(PlaybackService).clip_info(ctx.actor, footage_id)
        self.summary: AuditSummary | None = None
        self.tiles: list[Tile] = []
        self.out_dir: Path | None = None
        self.handle: tasks.TaskHandle | None = None
        self.resize(1000, 680)  # fits a laptop screen (1280x720 inside the taskbar and title bar)

        layout = QVBoxLayout(self)
        state = "approved" if approved else "a draft, not yet approved"
        intro = QLabel(f"Plays <b>{escape(self.info.file_name)}</b> through the panel's player with the "
                       f"redactions as they are now ({state}) and keeps every frame the screen showed. "
                       "Look through them before the meeting.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        length = self.info.duration_s
        self.whole = QRadioButton(f"Whole clip at normal speed (takes about {clock_text(length + 2, fine=False)})")
        self.quick = QRadioButton("Quick: the start, the end, every keyframe and every blank or mute edge")
        (self.quick if length > 120 else self.whole).setChecked(True)
        layout.addWidget(self.whole)
        layout.addWidget(self.quick)
        row = QHBoxLayout()
        self.start_button = QPushButton("Start the check")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.start_button)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(200)
        self.busy.hide()
        row.addWidget(self.busy)
        self.status = QLabel()
        self.status.setObjectName("checkStatus")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.open_folder = QPushButton("Open folder")
        self.open_folder.clicked.connect(self._open_folder)
        self.open_folder.hide()
        row.addWidget(self.open_folder)
        layout.addLayout(row)
        self.sheet = QListWidget()
        self.sheet.setObjectName("contactSheet")
        self.sheet.setViewMode(QListView.ViewMode.IconMode)
        self.sheet.setIconSize(QSize(TILE_WIDTH, TILE_WIDTH * 9 // 16))
        self.sheet.setGridSize(QSize(TILE_WIDTH + 16, TILE_WIDTH * 9 // 16 + 44))
        self.sheet.setResizeMode(QListView.ResizeMode.Adjust)
        self.sheet.setMovement(QListView.Movement.Static)
        self.sheet.setWordWrap(True)
        self.sheet.setUniformItemSizes(True)
        layout.addWidget(self.sheet, 1)

    def start(self) -> None:
        """Run the audit off the GUI thread; the sheet fills in when it is done."""
        if self.handle is not None and not self.handle.finished:
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        base = data_dir() / "checks" / f"clip{self.footage_id}-{stamp}"
        self.out_dir = base / "frames"
        script = (quick_script(self.redactions, self.info.duration_s) if self.quick.isChecked()
                  else whole_script(self.info.duration_s))
        service: PlaybackService = self.ctx.service(PlaybackService)
        actor, footage_id, out, args = self.ctx.actor, self.footage_id, self.out_dir, self.vlc_args
        redactions = self.redactions

        def work() -> AuditSummary:
            return service.audit_clip(actor, footage_id, script, out, SCALE, vlc_args=args, redactions=redactions)

        self.start_button.setEnabled(False)
        self.busy.show()
        self.status.setText("Playing the clip through the panel's player…")
        self.sheet.clear()
        self.handle = tasks.run_task(self, work, self._done, self._failed, title="Checking redactions")

    def _done(self, summary: AuditSummary) -> None:
        self.summary = summary
        self.busy.hide()
        self.start_button.setEnabled(True)
        self.start_button.setText("Check again")
        self.open_folder.show()
        self.tiles = contact_sheet(summary.out_dir)
        protected = sum(t.protected for t in self.tiles)
        text = (f"{summary.written} frames shown, {summary.distinct_frames} different; "
                f"{summary.blanked} blanked; {summary.protected} protected.")
        if summary.protected:
            text += (f" {protected} moment(s) could not be shown redacted and were black — the panel would "
                     "see them black too. They are marked below.")
            self.status.setStyleSheet("color: #B3261E;")
        else:
            self.status.setStyleSheet("color: #1E7B3A;")
        self.status.setText(text)
        self._fill_sheet()

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.start_button.setEnabled(True)
        self.status.setStyleSheet("color: #B3261E;")
        self.status.setText(f"The check could not run: {exc}")

    def _fill_sheet(self) -> None:
        self.sheet.clear()
        for tile in self.tiles:
            pixmap = QPixmap(str(tile.png))
            item = QListWidgetItem(QIcon(pixmap), tile.caption)
            item.setData(Qt.ItemDataRole.UserRole, tile)
            item.setToolTip(f"Shown #{tile.seq}: {tile.caption.replace(chr(10), ' — ')}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if tile.protected:
                item.setBackground(_PROTECTED_BG)
            elif tile.blanked:
                item.setBackground(_BLANK_BG)
            self.sheet.addItem(item)

    def _open_folder(self) -> None:
        if self.out_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.out_dir)))

