"""``voco config import``: make the store match a configuration file, idempotently.

Every record of the file is validated before anything is read or written (first the kind of each
value, then the value itself), so a file with one bad value changes nothing and the error names
the file, the record and the field. The changes are then
computed against the store (the plan), and applied in a single transaction: adds and changes in
registry order, removals in reverse, so references always point at something that exists.
Importing the same file twice makes the second plan empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from asterisk_bridge.configio import kinds, schema
from asterisk_bridge.configio.registry import SECTIONS, WITHHELD, Record, Section
from asterisk_bridge.errors import ValidationError

OPS = ("add", "change", "remove")
_MARK = {"add": "+", "change": "~", "remove": "-"}


@dataclass(frozen=True)
class Change:
    """One record to add, change or remove; ``fields`` names what a change touches."""

    section: Section
    op: str
    key: str
    new: Record | None = None
    old: Record | None = None
    fields: tuple[str, ...] = ()


@dataclass
class Plan:
    """The changes an import makes, and the notices (generated secrets) applying them produced."""

    changes: list[Change]
    notices: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{section: {add: n, change: n, remove: n}}`` for sections with changes."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.section.name, dict.fromkeys(OPS, 0))[c.op] += 1
        return out

    def listing(self) -> list[dict[str, object]]:
        """Each change as data: section, op, key and the fields a change touches (no values)."""
        return [{"section": c.section.name, "op": c.op, "key": c.key, "fields": list(c.fields)}
                for c in self.changes]

    def render(self) -> str:
        """Human-readable plan; secret values are never shown, only that they change."""
        if not self.changes:
            return "no changes: the store already matches the file"
        lines = []
        for s in SECTIONS:
            mine = [c for c in self.changes if c.section is s]
            if not mine:
                continue
            n = {op: sum(c.op == op for c in mine) for op in OPS}
            lines.append(f"{s.name}: {n['add']} to add, {n['change']} to change, "
                         f"{n['remove']} to remove")
            for c in mine:
                detail = f" ({', '.join(c.fields)})" if c.fields else ""
                lines.append(f"  {_MARK[c.op]} {c.key}{detail}")
        return "\n".join(lines)


def parse(doc: schema.Document) -> dict[str, list[Record]]:
    """Validate every record of every section present; errors name record and field."""
    desired: dict[str, list[Record]] = {}
    for s in SECTIONS:
        if s.name not in doc.sections:
            continue
        seen: set[str] = set()
        records = []
        for i, raw in enumerate(doc.sections[s.name], start=1):
            where = f"{s.name}[{i}]" + (f" ({raw[s.key]})" if isinstance(raw.get(s.key), str)
                                        else "")
            try:
                kinds.check(raw, s.fields, s.what, s.secret_fields)
                rec = s.parse(raw)
            except ValidationError as err:
                raise ValidationError(f"{where}: {err}") from None
            key = str(rec[s.key])
            if key in seen:
                raise ValidationError(f"{where}: {s.key}: {key!r} is listed twice")
            seen.add(key)
            records.append(rec)
        desired[s.name] = records
    return desired


def _differs(new: Record, old: Record, secret_fields: tuple[str, ...]) -> tuple[str, ...]:
    """Fields whose values differ; a secret the file withholds or leaves out is kept."""
    names = dict.fromkeys([*old, *new])
    return tuple(k for k in names
                 if not (k in secret_fields and new.get(k, WITHHELD) == WITHHELD)
                 and new.get(k) != old.get(k))


def plan(conn: Connection, master_key: bytes, desired: Mapping[str, list[Record]]) -> Plan:
    """What applying *desired* to the store would change."""
    changes: list[Change] = []
    for s in SECTIONS:
        if s.name not in desired:
            continue
        current = {str(r[s.key]): r for r in s.read(conn, master_key, True)}
        wanted = {str(r[s.key]): r for r in desired[s.name]}
        for key, new in wanted.items():
            old = current.get(key)
            if old is None:
                changes.append(Change(s, "add", key, new=new))
            elif fields := _differs(new, old, s.secret_fields):
                changes.append(Change(s, "change", key, new=new, old=old, fields=fields))
        changes += [Change(s, "remove", key, old=old) for key, old in current.items()
                    if key not in wanted]
    return Plan(changes)


def _apply_one(conn: Connection, master_key: bytes, c: Change, notices: list[str]) -> None:
    s = c.section
    try:
        if c.op == "add" and c.new is not None:
            notice = s.add(conn, master_key, c.new)
            if notice:
                notices.append(notice)
        elif c.op == "change" and c.new is not None and c.old is not None:
            s.change(conn, master_key, c.new, c.old)
        elif c.op == "remove":
            s.remove(conn, master_key, c.key)
    except ValidationError as err:
        raise ValidationError(
            f"import refused, nothing changed: {s.name} ({c.key}): {err}") from None


def _apply(conn: Connection, master_key: bytes, the_plan: Plan) -> None:
    """Adds and changes in registry order, then removals in reverse."""
    ordered = [c for s in SECTIONS for c in the_plan.changes
               if c.section is s and c.op != "remove"]
    ordered += [c for s in reversed(SECTIONS) for c in the_plan.changes
                if c.section is s and c.op == "remove"]
    for c in ordered:
        _apply_one(conn, master_key, c, the_plan.notices)


def import_text(engine: Engine, master_key: bytes, text: str, *, dry_run: bool,
                source: str = "config file") -> Plan:
    """Validate, plan and (unless *dry_run*) apply a configuration file's text atomically;
    errors start with *source* (the file's name)."""
    try:
        desired = parse(schema.loads(text))
        with engine.connect() as conn, conn.begin():
            the_plan = plan(conn, master_key, desired)
            if not dry_run:
                _apply(conn, master_key, the_plan)
    except ValidationError as err:
        raise ValidationError(f"{source}: {err}") from None
    return the_plan
