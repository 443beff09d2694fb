"""Redaction edits as undoable commands over immutable `RedactionSet`s, saved the moment they are made.

Every edit is a pure function from one `RedactionSet` to the next (the model's `with_keyframe`,
`without_keyframe`, `hidden_from`, `moved`, `with_track`, `without_track`; composed in `actions.py`),
so a command is just the pair (before, after). `RedactionDocument.edit` saves *after* through
`RedactionService.save` with the version it was based on, and only once that has succeeded pushes the
command onto the `QUndoStack`: what is on the stack has been stored and audited. Undo and redo save
again (each is a change of its own in the audit log).

If a save is refused, nothing changes on screen and the document reports the problem. After a
`Conflict` (someone else saved in between), or a refused undo/redo (the stack then describes a document
that is not the stored one), editing stops until the person reloads, which clears the stack.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from reviewtool.core.auth import Actor
from reviewtool.core.errors import Conflict, ReviewtoolError
from reviewtool.core.redactions import RedactionService, RedactionState
from reviewtool.media.redaction import RedactionFormatError, RedactionSet

log = logging.getLogger(__name__)


# --- the stored document and its undo stack ---------------------------------------------------------


class RedactionEdit(QUndoCommand):
    """One edit: the set before and after. Constructed after `after` was saved (first redo skipped)."""

    def __init__(self, document: RedactionDocument, text: str, before: RedactionSet, after: RedactionSet,
                 track_id: str | None = None) -> None:
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after
        self.track_id = track_id
        self._saved = True

    def redo(self) -> None:
        if self._saved:  # pushed after the first save succeeded
            self._saved = False
            return
        self.document._commit(self.after, self.track_id, from_stack=True)

    def undo(self) -> None:
        self.document._commit(self.before, self.track_id, from_stack=True)


class RedactionDocument(QObject):
    """The redactions of one clip as the editor holds them: the stored state, its undo stack, autosave.

    Signals: `changed(RedactionSet, str | None)` (the set now shown, the track an edit touched),
    `stateChanged(RedactionState)` (version, approval), `problem(Exception)` (a refused save or
    approval). After a `Conflict`, or a refused undo/redo, `needs_reload` is set and editing stays
    off until `reload()`; another refusal (a clip erased meanwhile) changes nothing on screen.
    """

    changed = Signal(object, object)
    stateChanged = Signal(object)
    problem = Signal(object)

    def __init__(self, service: RedactionService, actor: Actor, footage_id: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
        self.footage_id = footage_id
        self.undo_stack = QUndoStack(self)
        self.state: RedactionState = service.get(actor, footage_id)  # PermissionDenied, NotFound
        self.needs_reload = False

    @property
    def current(self) -> RedactionSet:
        return self.state.document

    def edit(self, text: str, after: RedactionSet, track_id: str | None = None) -> bool:
        """Save `after` and put the edit on the undo stack; False (and `problem`) if it was refused."""
        if self.needs_reload:
            return False
        before = self.current
        if after == before:
            return True
        if not self._commit(after, track_id):
            return False
        self.undo_stack.push(RedactionEdit(self, text, before, after, track_id))
        return True

    def approve(self, confirm_empty: bool = False) -> bool:
        """Approve the stored set for the panel (records who and when)."""
        if self.needs_reload:
            return False
        try:
            self.state = self.service.approve(self.actor, self.footage_id, self.state.version,
                                              confirm_empty=confirm_empty)
        except ReviewtoolError as exc:
            self._refused(exc, stale=isinstance(exc, Conflict))
            return False
        self.stateChanged.emit(self.state)
        return True

    def reload(self) -> None:
        """Read the stored set again (after a conflict): the undo history no longer applies."""
        self.state = self.service.get(self.actor, self.footage_id)
        self.needs_reload = False
        self.undo_stack.clear()
        self.stateChanged.emit(self.state)
        self.changed.emit(self.current, None)

    def _commit(self, after: RedactionSet, track_id: str | None, *, from_stack: bool = False) -> bool:
        if self.needs_reload:
            return False
        try:
            self.state = self.service.save(self.actor, self.footage_id, after, self.state.version)
        except (ReviewtoolError, RedactionFormatError) as exc:
            # A refused undo/redo leaves the stack out of step with what is stored: reload to go on.
            self._refused(exc, stale=from_stack or isinstance(exc, Conflict))
            return False
        self.stateChanged.emit(self.state)
        self.changed.emit(self.current, track_id)
        return True

    def _refused(self, exc: Exception, *, stale: bool) -> None:
        log.info("redaction change refused: %s", exc)
        self.needs_reload = self.needs_reload or stale
        self.problem.emit(exc)
