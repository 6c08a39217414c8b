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
    r = ml.DOT_RADIUS + ml.DOT_GAP
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


def test_a_name_never_ends_right_beside_another_stations_dot():
    """乙's right side is taken by 丙's dot; its left side would end the name right at 甲's dot, where it reads as
    甲's name (枣园所 beside 龙山所's dot on the 大屏): it goes above instead."""
    zoom = 10.0
    px = math.degrees(2 * math.pi / (512 * 2**zoom))  # degrees of longitude per pixel at this zoom
    width = 3 * ml.LABEL_SIZE + 8
    b = 117.0 + (width + ml.DOT_RADIUS + 4 + ml.DOT_RADIUS) * px  # 乙's name on its left would touch 甲's dot
    stations = (("甲站所", 117.0, 36.6), ("乙站所", b, 36.6), ("丙站所", b + 30 * px, 36.6))
    spots = ml._label_spots(stations, zoom)
    assert spots[1][:2] == ("middle", "bottom")  # above its dot
    assert spots == every_pair(stations, zoom)
