"""The one check behind every row-level list and entry: may this viewer read (or act on) the page, and which
station is it limited to. services.access, services.submissions, services.entry and services.imports build on it."""

from __future__ import annotations

from sqlmodel import Session

from db import models as m
from services.rules.permissions import READ, require, station_scope
from services.rules.viewer import Viewer

MSG_OTHER_STATION = "监管所账号只能查看本所（{station}）的主体、督导、问题和点位名单"


def station_name(session: Session, viewer: Viewer, station_id: int) -> str:
    """The viewer's own station's name, as the viewer carries it or else as stored."""
    name = viewer.station_name
    if not name:
        station = session.get(m.Station, station_id)
        name = station.name if station is not None else f"编号 {station_id}"
    return str(name)


def scope(session: Session, viewer: Viewer, page: str, station_id: int | None = None, *, action: str = READ,
          message: str = MSG_OTHER_STATION) -> int | None:
    """The station a list (or an entry) is limited to, after the checks: the viewer may read (or act on) the page,
    else PermissionError, and a 监管所 account asks for its own station only (none = its own; another =
    PermissionError with `message`, whose {station} is the account's own station). The system gets what it asks."""
    require(viewer, page, action)
    own = station_scope(viewer)
    if own is None:
        return None if station_id is None else int(station_id)
    if station_id is not None and int(station_id) != own:
        raise PermissionError(message.format(station=station_name(session, viewer, own)))
    return own
