"""What every provisioned entity shares: a self-validating spec and a repository.

A spec is a frozen dataclass that validates and normalises each field in ``__post_init__``; so
``dataclasses.replace`` and ``from_dict`` check values exactly as the CLI does. A :class:`Repo`
maps one spec to one table, one column per field (tuples as JSON), with hooks for the checks that
span entities (number clashes, references), and turns conflicts into ValidationErrors. Fields
that are a person's data (an extension owner's name) are stored through a :class:`Personal`
codec, sealed under the person's subject key; reading or writing those needs the master key.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.store.engine import Bind


class Spec:
    """Base of the entity dataclasses: ``KEY`` names the field that identifies a record."""

    KEY: ClassVar[str]
    WHAT: ClassVar[str]

    def _norm(self, field: str, check: Callable[..., Any]) -> None:
        """Replace ``field`` by its validated form (frozen dataclasses need object.__setattr__)."""
        object.__setattr__(self, field, check(getattr(self, field), field))

    def _flag(self, field: str) -> None:
        if not isinstance(getattr(self, field), bool):
            raise ValidationError(f"{field}: expected true or false")

    def _int(self, field: str, low: int, high: int) -> None:
        value = getattr(self, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"{field}: {value!r} is not valid; use a whole number "
                                  f"from {low} to {high}")

    @property
    def key(self) -> str:
        """The identifying value (extension number, trunk name, ...)."""
        return str(getattr(self, self.KEY))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (tuples become lists); no secrets."""
        return {f.name: list(v) if isinstance(v, tuple) else (str(v) if isinstance(v, str) else v)
                for f in dataclasses.fields(self)  # type: ignore[arg-type]
                for v in (getattr(self, f.name),)}

    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any]) -> S:
        """Build (and so validate) a spec; unknown keys are refused, naming them."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValidationError(f"{cls.WHAT}: unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        except TypeError as exc:
            raise ValidationError(f"{cls.WHAT}: {exc}") from None


S = TypeVar("S", bound=Spec)


class Personal(Protocol):
    """How a spec's personal fields (``fields``) are sealed into, and opened from, a row."""

    fields: tuple[str, ...]

    def seal(self, session: Session, master_key: bytes, spec: Any) -> dict[str, Any]:
        """The row's columns for the personal fields of *spec* (sealed, plus whose they are)."""

    def open(self, session: Session, master_key: bytes, row: Any) -> dict[str, Any]:
        """The personal fields of *row* in clear (a spec's values)."""


Check = Callable[[Session, S, "str | None"], None]
Users = Callable[[Session, str], list[str]]


@contextmanager
def transaction(engine: Bind) -> Iterator[Session]:
    """One write transaction."""
    with Session(engine) as session, session.begin():
        yield session


class Repo(Generic[S]):
    """Store, read, change and delete one kind of spec.

    ``check(session, spec, old_key)`` runs before every write (``old_key`` is None on add) and
    raises ValidationError for clashes; ``users(session, key)`` lists what refers to a record, so
    removing something still in use is refused with the referrers named.
    """

    def __init__(self, model: type, spec: type[S], check: Check[S] | None = None,
                 users: Users | None = None, personal: Personal | None = None) -> None:
        self.model = model
        self.spec = spec
        self._check = check
        self._users = users
        self._personal = personal
        self._tuples = {f.name for f in dataclasses.fields(spec)  # type: ignore[arg-type]
                        if str(f.type).startswith("tuple")}

    # --- mapping -----------------------------------------------------------------------------
    def values(self, spec: S, session: Session | None = None,
               master_key: bytes | None = None) -> dict[str, Any]:
        """Column values for a spec (personal fields sealed: that needs both arguments)."""
        personal = self._personal.fields if self._personal else ()
        out = {k: json.dumps(v) if k in self._tuples else v for k, v in spec.to_dict().items()
               if k not in personal}
        if self._personal:
            out.update(self._personal.seal(*self._unlocked(session, master_key), spec))
        return out

    def to_spec(self, row: Any, session: Session | None = None,
                master_key: bytes | None = None) -> S:
        """The spec of a row (validated again: the database is not trusted blindly)."""
        personal = self._personal.fields if self._personal else ()
        data = {f.name: getattr(row, f.name)
                for f in dataclasses.fields(self.spec)  # type: ignore[arg-type]
                if f.name not in personal}
        if self._personal:
            data.update(self._personal.open(*self._unlocked(session, master_key), row))
        return self.spec.from_dict(
            {k: json.loads(v) if k in self._tuples else v for k, v in data.items()})

    def _unlocked(self, session: Session | None, master_key: bytes | None
                  ) -> tuple[Session, bytes]:
        if session is None or master_key is None:
            raise TypeError(f"{self.spec.WHAT}: personal fields need a session and the master key")
        return session, master_key

    def _column(self) -> Any:
        return getattr(self.model, self.spec.KEY)

    def row(self, session: Session, key: str) -> Any:
        """The row for *key*; NotFoundError naming the key if there is none."""
        found = session.scalars(select(self.model).where(self._column() == key)).one_or_none()
        if found is None:
            raise NotFoundError(f"{self.spec.WHAT} {key!r} does not exist")
        return found

    # --- service API -------------------------------------------------------------------------
    def add(self, engine: Bind, spec: S, master_key: bytes | None = None, **extra: Any) -> S:
        """Insert *spec* (``extra`` carries non-spec columns such as sealed secrets)."""
        with transaction(engine) as session:
            self.add_in(session, spec, master_key, **extra)
        return spec

    def add_in(self, session: Session, spec: S, master_key: bytes | None = None,
               **extra: Any) -> Any:
        """Insert within an open transaction; returns the new row."""
        exists = session.scalars(select(self.model).where(self._column() == spec.key)).first()
        if exists is not None:
            raise ValidationError(f"{self.spec.WHAT} {spec.key!r} already exists")
        if self._check:
            self._check(session, spec, None)
        row = self.model(**self.values(spec, session, master_key), **extra)
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise ValidationError(
                f"{self.spec.WHAT} {spec.key!r} clashes with an existing record") from None
        return row

    def list_all(self, engine: Bind, master_key: bytes | None = None) -> list[S]:
        """Every record, ordered by key."""
        with Session(engine) as session:
            rows: Sequence[Any] = session.scalars(
                select(self.model).order_by(self._column())).all()
            return [self.to_spec(r, session, master_key) for r in rows]

    def get(self, engine: Bind, key: str, master_key: bytes | None = None) -> S:
        """One record by key."""
        with Session(engine) as session:
            return self.to_spec(self.row(session, key), session, master_key)

    def update(self, engine: Bind, key: str, master_key: bytes | None = None,
               **changes: Any) -> S:
        """Change fields (validated like new values); the key itself cannot change."""
        if self.spec.KEY in changes and changes[self.spec.KEY] != key:
            raise ValidationError(f"{self.spec.KEY}: cannot be changed; remove and add instead")
        with transaction(engine) as session:
            row = self.row(session, key)
            try:
                spec = dataclasses.replace(self.to_spec(row, session, master_key),  # type: ignore[type-var]
                                           **changes)
            except TypeError as exc:
                raise ValidationError(f"{self.spec.WHAT}: {exc}") from None
            if self._check:
                self._check(session, spec, key)
            for column, value in self.values(spec, session, master_key).items():
                setattr(row, column, value)
        return spec

    def remove(self, engine: Bind, key: str) -> None:
        """Delete; refused while other records refer to it."""
        with transaction(engine) as session:
            row = self.row(session, key)
            users = self._users(session, key) if self._users else []
            if users:
                raise ValidationError(f"{self.spec.WHAT} {key!r} is still used by "
                                      f"{', '.join(users)}; change or remove those first")
            session.delete(row)
