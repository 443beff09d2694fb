"""The areas of the main window, and who may use each: the shell's one extension point.

An area is a QWidget built as `SomeArea(ctx, parent)`.  It is imported lazily, the first time its
entry is chosen, so one area's start-up cost (or a libvlc problem) never delays the others.  Whether
an entry appears at all follows the signed-in actor's permissions; the services check them again.

Optional methods an area widget may define (the shell calls them when present):
- `activated()`   — the area was brought to the front (refresh what may have changed elsewhere);
- `shutdown()`    — the app is closing or the person signs out: stop players, release files.
Areas that open their own top-level windows also follow `reviewtool.ui.app_events` (`locked`,
`unlocked`, `shutting_down`).

To add an area: write its widget, then add an `Area` to `AREAS` below (order = navigation order;
shortcuts Ctrl+1… follow it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QWidget

from reviewtool.core.auth import Permission
from reviewtool.ui.context import AppContext


@dataclass(frozen=True)
class Area:
    key: str
    icon: str                                         # resources/icons/<icon>.svg
    title: Callable[[AppContext], str]                # may differ by role ("My session")
    available: Callable[[AppContext], bool]
    build: Callable[[AppContext, QWidget | None], QWidget]
    description: str = ""


def _stops(ctx: AppContext, parent: QWidget | None) -> QWidget:
    from reviewtool.ui.stops_area import StopsArea

    return StopsArea(ctx, parent)


def _sessions(ctx: AppContext, parent: QWidget | None) -> QWidget:
    from reviewtool.ui.sessions.area import SessionsArea

    return SessionsArea(ctx, parent)


def _reports(ctx: AppContext, parent: QWidget | None) -> QWidget:
    from reviewtool.ui.reports_area import ReportsArea

    return ReportsArea(ctx, parent)


def _settings(ctx: AppContext, parent: QWidget | None) -> QWidget:
    from reviewtool.ui.settings_area import SettingsArea

    return SettingsArea(ctx, parent)


def _runs_things(ctx: AppContext) -> bool:
    """Staff who configure, run or supervise (not panel members, who only take part in a session)."""
    return any(ctx.can(p) for p in (Permission.CHANGE_SETTINGS, Permission.PLAN_SESSIONS,
                                    Permission.SUPERVISE_FEEDBACK))


AREAS: tuple[Area, ...] = (
    Area("stops", "stops",
         lambda ctx: "Stops & footage" if ctx.can(Permission.INGEST) else "Stop records",
         lambda ctx: ctx.can(Permission.VIEW_STOPS), _stops,
         "Stop records imported from the force, and body-worn-video clips with their redaction status."),
    Area("sessions", "sessions",
         lambda ctx: "Sessions" if ctx.can(Permission.PLAN_SESSIONS) else "My session",
         lambda ctx: ctx.can(Permission.PLAN_SESSIONS) or ctx.can(Permission.ENTER_OWN_SCORES), _sessions,
         "Community Monitoring Group meetings: the sample, the room, playback and scoring."),
    Area("reports", "reports", lambda ctx: "Reports", lambda ctx: ctx.can(Permission.VIEW_REPORTS), _reports,
         "Officer feedback, session minutes and public summaries."),
    Area("settings", "settings", lambda ctx: "Settings", _runs_things, _settings,
         "Force policy, retention, idle lock, quorum, the scoring form and the wellbeing notice."),
)


def areas_for(ctx: AppContext) -> list[Area]:
    return [a for a in AREAS if a.available(ctx)]
