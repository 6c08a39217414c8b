"""Station names beside their dots on 地图 (components/map_layers.place_labels): the grid index finds the same side
for every name as comparing every dot and name with every other, at a fraction of the cost (a province's 1,800
stations took 14 s that way)."""

from __future__ import annotations

import math
import random

from components import map_layers as ml


def every_pair(stations, zoom):
    """The placement comparing each box with all dots and all names placed before it (the definition)."""
    scale = 512 * 2**zoom / (2 * math.pi)
    pts = [(scale * math.radians(lon), -scale * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
           for _, lon, lat in stations]
    r = ml.DOT_RADIUS
    dots = [(x - r, y - r, x + r, y + r) for x, y in pts]
    crowd = [sum(math.dist(p, q) < 60 for q in pts) for p in pts]
    placed, spots = [], {}
    for i in sorted(range(len(stations)), key=lambda i: -crowd[i]):
        x, y = pts[i]
        w, h = len(stations[i][0]) * ml.LABEL_SIZE + 8, ml.LABEL_SIZE + 4
        best = None
        for rank, (anchor, baseline, (dx, dy)) in enumerate(ml.LABEL_SPOTS):
            left = x + dx - {"start": 0, "end": w, "middle": w / 2}[anchor]
            top = y + dy - {"center": h / 2, "bottom": h, "top": 0}[baseline]
            box = (left, top, left + w, top + h)
            cost = (sum(ml._overlap(box, d) for j, d in enumerate(dots) if j != i)
                    + sum(ml._overlap(box, b) for b in placed))
            if best is None or (cost, rank) < best[0]:
                best = ((cost, rank), box, anchor, baseline, (dx, dy))
        placed.append(best[1])
        spots[i] = best[2:]
    return tuple(spots[i] for i in range(len(stations)))


def test_the_grid_places_every_name_as_comparing_all_pairs_does():
    rng = random.Random(20221031)
    for n, spread, zoom in ((19, 0.3, 9.5), (300, 1.5, 8.0), (300, 0.2, 11.0)):
        stations = tuple(("所" * rng.randint(2, 6), 117.0 + rng.random() * spread, 36.5 + rng.random() * spread)
                         for _ in range(n))
        got = ml._label_spots(stations, zoom)
        assert got == every_pair(stations, zoom)
        assert len({s[0] for s in got}) > 1  # crowded enough that names went to different sides
