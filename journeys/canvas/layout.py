"""Automatic left-to-right layout of a journey definition (server-side, no JS).

A layered ("Sugiyama") layout, small enough to read whole:

1. Layers: a node's column is its longest path from an entry; back edges (cycles, which
   validation reports) are ignored for layering.
2. Long edges get one pass-through point per column they cross, so they are routed between
   nodes instead of through them; every open port gets a drop slot in the next column, and the
   node whose "+" was clicked gets a "new path" slot.
3. Order within a column: depth-first order from the entry, then a few barycenter sweeps
   (ports count as fractions of their node's position) to reduce crossings.
4. Heights: left to right, each item wants to sit level with what feeds it (the first path
   stays a straight line, later paths go below); items keep their order and a minimum gap.
5. Drawing: every edge is a chain of horizontal-tangent cubic curves through its points,
   with its port label next to the source and a drop slot at the middle of its first segment.

`layout(nodes, edges, ports_of, branch=...)` → `Layout`, a plain data object the templates draw.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

NODE_W = 200
NODE_H = 80
PORT_PITCH = 26
COLUMN_GAP = 84
SLOT_REACH = 56  # an open port's drop slot sits in the gap, this far from the port
COLUMN_W = NODE_W + COLUMN_GAP
ROW_GAP = 34
PASS_GAP = 12
SLOT_SIZE = 36
MARGIN = 56
BRANCH = "+branch"  # pseudo-port of a new path opened with "+"

PortsOf = Callable[[dict[str, Any]], Sequence[tuple[str, str]]]


def _rounded(obj, *names: str) -> None:
    """Pixel positions are whole numbers: templates print them as they are."""
    for name in names:
        setattr(obj, name, round(getattr(obj, name)))


@dataclass
class PlacedPort:
    name: str
    label: str
    x: float
    y: float
    connected: bool
    offset: float = 0.0  # y within the node

    def __post_init__(self) -> None:
        _rounded(self, "x", "y", "offset")


@dataclass
class PlacedNode:
    id: str
    type: str
    config: dict[str, Any]
    column: int
    x: float
    y: float
    width: float
    height: float
    ports: list[PlacedPort]

    def __post_init__(self) -> None:
        _rounded(self, "x", "y", "width", "height")

    @property
    def anchor_in(self) -> tuple[float, float]:
        return self.x, self.y + self.height / 2


@dataclass
class PlacedEdge:
    source: str
    port: str
    target: str
    label: str
    path: str
    label_x: float
    label_y: float
    slot_x: float
    slot_y: float
    back: bool = False

    def __post_init__(self) -> None:
        _rounded(self, "label_x", "label_y", "slot_x", "slot_y")


@dataclass
class Slot:
    """A place to drop an activity: after an open port, or on a new path from a node."""

    after: str
    port: str
    x: float
    y: float
    stub: str  # the dashed line from the port to the slot
    branch: bool = False
    label: str = ""  # the port's label ("Timeout", "On error"), shown on the stub

    def __post_init__(self) -> None:
        _rounded(self, "x", "y")

    @property
    def label_x(self) -> int:
        return self.x - 56

    @property
    def label_y(self) -> int:
        return self.y - 20


@dataclass
class Layout:
    nodes: list[PlacedNode] = field(default_factory=list)
    edges: list[PlacedEdge] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    width: float = 0
    height: float = 0

    def node(self, node_id: str) -> PlacedNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)


@dataclass
class _Item:
    """One thing occupying a column: a node, a pass-through point of a long edge, or a slot."""

    key: str
    kind: str  # "node" | "pass" | "slot"
    column: int
    height: float
    order: float = 0.0
    top: float = 0.0
    preds: list[tuple[str, str]] = field(default_factory=list)  # (item key, port name)
    succs: list[str] = field(default_factory=list)
    port_offsets: dict[str, float] = field(default_factory=dict)  # nodes: port → y offset

    def anchor(self, port: str) -> float:
        """The y an edge leaves this item at; BRANCH is a new path below the node."""
        if port == BRANCH:
            return self.top + self.height + ROW_GAP
        return self.top + self.port_offsets.get(port, self.height / 2)

    def fraction(self, port: str) -> float:
        """Where a port sits within the node, -0.5…0.5, to order the next column."""
        if port == BRANCH:
            return 0.75
        names = list(self.port_offsets)
        if port not in names or len(names) < 2:
            return 0.0
        return (names.index(port) + 1) / (len(names) + 1) - 0.5

    @property
    def center(self) -> float:
        return self.top + self.height / 2


def node_height(port_count: int) -> float:
    return max(NODE_H, 30 + port_count * PORT_PITCH)


def _port_offsets(height: float, count: int) -> list[float]:
    if count <= 1:
        return [height / 2]
    span = PORT_PITCH * (count - 1)
    first = (height - span) / 2
    return [first + i * PORT_PITCH for i in range(count)]


def _columns(
    node_ids: list[str], out: dict[str, list[str]], entries: list[str]
) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Longest-path layering from the sources; returns columns and the back edges skipped."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    topo: list[str] = []

    def visit(start: str) -> None:
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                topo.append(current)
                stack.pop()
            elif state.get(child) == 1:
                back.add((current, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))

    for node_id in entries + node_ids:
        if node_id not in state:
            visit(node_id)
    column = dict.fromkeys(node_ids, 0)
    for node_id in reversed(topo):
        for child in out[node_id]:
            if (node_id, child) not in back:
                column[child] = max(column[child], column[node_id] + 1)
    return column, back


def layout(
    nodes: Sequence[dict[str, Any]],
    edges: Sequence[dict[str, Any]],
    ports_of: PortsOf,
    *,
    branch: str | None = None,
    editable: bool = True,
) -> Layout:
    """Place `nodes` and route `edges` (contract format); see the module docstring."""
    by_id = {n["id"]: n for n in nodes}
    node_ids = list(by_id)
    ports = {nid: list(ports_of(by_id[nid])) for nid in node_ids}
    good_edges = [e for e in edges if e.get("from") in by_id and e.get("to") in by_id]
    out: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for edge in good_edges:
        out[edge["from"]].append(edge["to"])
        incoming[edge["to"]] += 1
    entries = [nid for nid in node_ids if incoming[nid] == 0]
    column, back = _columns(node_ids, out, entries)

    items: dict[str, _Item] = {}
    for nid in node_ids:
        height = node_height(len(ports[nid]))
        offsets = _port_offsets(height, len(ports[nid]))
        items[nid] = _Item(
            nid,
            "node",
            column[nid],
            height,
            port_offsets={p[0]: o for p, o in zip(ports[nid], offsets, strict=False)},
        )

    # Chains of items per edge: source, pass-through points..., target.
    chains: list[tuple[dict[str, Any], list[str]]] = []
    for index, edge in enumerate(good_edges):
        source, target, port = edge["from"], edge["to"], edge.get("port") or "default"
        if (source, target) in back:
            chains.append((edge, [source, target]))
            continue
        chain = [source]
        for col in range(column[source] + 1, column[target]):
            key = f"~{index}~{col}"
            items[key] = _Item(key, "pass", col, 0)
            chain.append(key)
        chain.append(target)
        for a, b in zip(chain, chain[1:], strict=False):
            items[b].preds.append((a, port if a == source else ""))
            items[a].succs.append(b)
        chains.append((edge, chain))

    # Open ports (and the opened "+" branch) get a slot in the next column.
    used_ports = {(e["from"], e.get("port") or "default") for e in good_edges}
    slot_items: list[tuple[str, str, str, bool]] = []
    if editable:
        for nid in node_ids:
            for port_name, _ in ports[nid]:
                if (nid, port_name) not in used_ports:
                    slot_items.append((f"+{nid}+{port_name}", nid, port_name, False))
            if (
                nid == branch
                and any(p[0] == "default" for p in ports[nid])
                and (nid, "default") in used_ports
            ):
                slot_items.append((f"+{nid}+default+branch", nid, "default", True))
        for key, nid, port_name, _is_branch in slot_items:
            items[key] = _Item(key, "slot", column[nid] + 1, SLOT_SIZE)
            items[key].preds.append((nid, BRANCH if _is_branch else port_name))
            items[nid].succs.append(key)

    columns: dict[int, list[_Item]] = defaultdict(list)
    for order, key in enumerate(_dfs_order(entries + node_ids, items)):
        items[key].order = order
    for item in items.values():
        columns[item.column].append(item)
    for col in columns.values():
        col.sort(key=lambda it: it.order)
    _reduce_crossings(columns, items)
    _assign_heights(columns, items)

    placed = _place(node_ids, by_id, ports, items, column, used_ports)
    result = Layout(nodes=list(placed.values()))
    for edge, chain in chains:
        result.edges.append(_route(edge, chain, placed, items, (edge["from"], edge["to"]) in back))
    for key, nid, port_name, is_branch in slot_items:
        result.slots.append(_slot(key, nid, port_name, is_branch, placed, items))
    rights = [n.x + n.width for n in result.nodes] + [
        s.x + SLOT_SIZE / 2 + 70 * s.branch for s in result.slots
    ]
    result.width = round(max(rights, default=NODE_W) + MARGIN)
    bottoms = [it.top + it.height for it in items.values()]
    result.height = round(MARGIN * 2 + (max(bottoms) if bottoms else NODE_H))
    return result


def _dfs_order(starts: list[str], items: dict[str, _Item]) -> list[str]:
    """Depth-first order following successors in port order: a natural top-to-bottom reading."""
    seen: set[str] = set()
    order: list[str] = []
    for start in starts:
        stack = [start]
        while stack:
            key = stack.pop()
            if key in seen or key not in items:
                continue
            seen.add(key)
            order.append(key)
            stack.extend(reversed(items[key].succs))
    order.extend(k for k in items if k not in seen)
    return order


def _reduce_crossings(
    columns: dict[int, list[_Item]], items: dict[str, _Item], sweeps: int = 4
) -> None:
    """Barycenter sweeps: order each column by the mean position of its neighbours."""
    max_col = max(columns, default=0)
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        for col in range(1, max_col + 1) if forward else range(max_col - 1, -1, -1):
            row = columns.get(col, [])
            position = {it.key: i for i, it in enumerate(row)}
            for item in row:
                if forward:
                    refs = [
                        _pos(items, p, columns) + items[p].fraction(port) for p, port in item.preds
                    ]
                else:
                    refs = [_pos(items, s, columns) for s in item.succs]
                item.order = sum(refs) / len(refs) if refs else position[item.key]
            row.sort(key=lambda it: (it.order, position[it.key]))


def _pos(items: dict[str, _Item], key: str, columns: dict[int, list[_Item]]) -> float:
    item = items[key]
    return float(columns[item.column].index(item))


def _assign_heights(columns: dict[int, list[_Item]], items: dict[str, _Item]) -> None:
    """Left to right: sit level with the first feeder's port; keep order and gaps."""
    for col in sorted(columns):
        bottom = None
        for item in columns[col]:
            wanted = None
            if item.preds:
                anchors = [items[p].anchor(port) for p, port in item.preds if items[p].column < col]
                if anchors:
                    wanted = min(anchors) - item.height / 2
            gap = PASS_GAP if item.kind == "pass" else ROW_GAP
            floor = 0.0 if bottom is None else bottom + gap
            item.top = max(wanted if wanted is not None else floor, floor)
            bottom = item.top + item.height


def _place(node_ids, by_id, ports, items, column, used_ports) -> dict[str, PlacedNode]:
    placed: dict[str, PlacedNode] = {}
    for nid in node_ids:
        item = items[nid]
        x = MARGIN + column[nid] * COLUMN_W
        y = MARGIN + item.top
        offsets = _port_offsets(item.height, len(ports[nid]))
        placed[nid] = PlacedNode(
            id=nid,
            type=by_id[nid]["type"],
            config=by_id[nid].get("config") or {},
            column=column[nid],
            x=x,
            y=y,
            width=NODE_W,
            height=item.height,
            ports=[
                PlacedPort(name, label, x + NODE_W, y + offset, (nid, name) in used_ports, offset)
                for (name, label), offset in zip(ports[nid], offsets, strict=False)
            ],
        )
    return placed


def _curve(x0: float, y0: float, x1: float, y1: float) -> str:
    bend = max((x1 - x0) / 2, 40)
    return f"C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _route(edge, chain, placed, items, is_back: bool) -> PlacedEdge:
    source, target = placed[edge["from"]], placed[edge["to"]]
    port_name = edge.get("port") or "default"
    port = next((p for p in source.ports if p.name == port_name), None)
    x0, y0 = (port.x, port.y) if port else (source.x + source.width, source.y + source.height / 2)
    tx, ty = target.anchor_in
    label = port.label if port and port_name != "default" else ""
    if is_back:  # loops back: leave right, go under both nodes, come in from the left
        low = max(source.y + source.height, target.y + target.height) + 40
        path = (
            f"M{x0:.1f},{y0:.1f} C{x0 + 60:.1f},{y0:.1f} {x0 + 60:.1f},{low:.1f} {x0:.1f},{low:.1f} "
            f"L{tx:.1f},{low:.1f} C{tx - 60:.1f},{low:.1f} {tx - 60:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        )
        return PlacedEdge(
            edge["from"],
            port_name,
            edge["to"],
            label,
            path,
            x0 + 12,
            y0 - 8,
            (x0 + tx) / 2,
            low,
            back=True,
        )
    parts = [f"M{x0:.1f},{y0:.1f}"]
    cx, cy = x0, y0
    first_mid: tuple[float, float] | None = None
    for key in chain[1:-1]:
        pass_x = MARGIN + items[key].column * COLUMN_W
        pass_y = MARGIN + items[key].center
        parts.append(_curve(cx, cy, pass_x, pass_y))
        first_mid = first_mid or ((cx + pass_x) / 2, (cy + pass_y) / 2)
        parts.append(f"L{pass_x + NODE_W:.1f},{pass_y:.1f}")
        cx, cy = pass_x + NODE_W, pass_y
    parts.append(_curve(cx, cy, tx, ty))
    slot_x, slot_y = first_mid or ((cx + tx) / 2, (cy + ty) / 2)
    return PlacedEdge(
        edge["from"], port_name, edge["to"], label, " ".join(parts), x0 + 12, y0 - 8, slot_x, slot_y
    )


def _slot(key, nid, port_name, is_branch, placed, items) -> Slot:
    source = placed[nid]
    port = next((p for p in source.ports if p.name == port_name), None)
    x0, y0 = (port.x, port.y) if port else (source.x + source.width, source.y + source.height / 2)
    item = items[key]
    sx = x0 + SLOT_REACH
    sy = MARGIN + item.center
    if is_branch:
        x0, y0 = source.x + source.width, source.y + source.height / 2
    stub = f"M{x0:.1f},{y0:.1f} {_curve(x0, y0, sx - SLOT_SIZE / 2, sy)}"
    label = port.label if port and port_name != "default" else ""
    return Slot(nid, port_name, sx, sy, stub, branch=is_branch, label=label)
