"""What every window and widget is given: the database, the signed-in actor and the services.

Widgets never open database sessions themselves; they call services (Qt-free, in `reviewtool.core`)
through this context, and long calls go through `reviewtool.ui.tasks` so the GUI thread stays free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reviewtool.core.auth import Actor, Permission
from reviewtool.core.db import Database


@dataclass
class AppContext:
    db: Database
    actor: Actor
    # Services are created lazily by name (see `service`) so a window only builds what it uses.
    _services: dict[str, Any] = field(default_factory=dict, repr=False)

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)

    def service(self, cls: type) -> Any:
        """The one instance of a core service class (constructed as `cls(db)`) for this context."""
        key = f"{cls.__module__}.{cls.__qualname__}"
        if key not in self._services:
            self._services[key] = cls(self.db)
        return self._services[key]
