"""Who is asking: the one type every permission check reads (services.rules.permissions).

A Viewer is an account logged in on the web (role, its station for a 监管所), a kiosk token (the pseudo-role
"kiosk"), nobody (NOBODY: may read nothing), or the system itself (SYSTEM, Viewer.cli(): the command line,
exports, the demo builder — may do everything). `client` says where the request came from, for the audit log."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Only `system` grants everything; a role of None is nobody."""

    role: str | None = None  # one of permissions.ROLES, or permissions.KIOSK; None = nobody (or the system)
    station_id: int | None = None  # a 监管所 account's own station
    station_name: str | None = None
    username: str | None = None
    display_name: str | None = None
    client: str | None = None  # the address (or 命令行:<login>) written to the audit log
    system: bool = False  # the system itself: the command line, exports, the demo builder

    @classmethod
    def cli(cls) -> Viewer:
        """The command line: the system, its client named after the login running it."""
        try:
            who = getpass.getuser()
        except Exception:  # no login name in some containers
            who = "?"
        return cls(system=True, client=f"命令行:{who}")

    @classmethod
    def of_account(cls, account: Mapping[str, Any], *, client: str | None = None) -> Viewer:
        """An account as services.auth.get_user returns it (username, role, station_id, station_name …)."""
        station_id = account.get("station_id")
        return cls(role=account.get("role"), station_id=None if station_id is None else int(station_id),
                   station_name=account.get("station_name"), username=account.get("username"),
                   display_name=account.get("display_name"), client=client)

    @property
    def logged_in(self) -> bool:
        """An account or a kiosk token (not nobody, not the system)."""
        return not self.system and self.role is not None


SYSTEM = Viewer.cli()  # the system itself (the command line, named after its login): may do everything
NOBODY = Viewer()  # not logged in: may read nothing
