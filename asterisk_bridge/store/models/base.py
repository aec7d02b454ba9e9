"""Declarative base with a naming convention, so migrations are stable on both engines."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every Voco table."""

    metadata = MetaData(naming_convention=NAMING)


#: The ``info`` key under which a column says who can open the bytes it holds. Every binary
#: column, and every column holding key material or a MAC, declares it (a test enforces this):
#: ``master`` columns are re-sealed by ``voco keys rotate`` (see asterisk_bridge.masterkey),
#: ``owner`` columns open only with a secret Voco never stores, ``subject`` columns hold one
#: person's data sealed under that person's own key (asterisk_bridge.subjects: erasing the person
#: destroys the key), and ``none`` columns hold data kept in clear on purpose. The dicts are
#: shared: never mutate them.
SEALED_BY = "sealed_by"
SEALED_BY_MASTER = {SEALED_BY: "master"}
SEALED_BY_OWNER = {SEALED_BY: "owner"}
SEALED_BY_SUBJECT = {SEALED_BY: "subject"}
NOT_SEALED = {SEALED_BY: "none"}

#: The ``info`` key marking a column that names a person: it holds the subject id of whoever the
#: row is about in one role, and is called ``<role>_subject`` (String(32), indexed, nullable;
#: e.g. a recording's ``channel_subject``). :mod:`asterisk_bridge.subjects.refs` walks these
#: columns, so a subject's find, export and erasure, and legal holds, reach every table that has
#: one without a hand-kept list; the registry in :mod:`asterisk_bridge.subjects.reach` must cover
#: every such table (a test enforces it). Never mutate the dict.
SUBJECT_REF_KEY = "subject_ref"
SUBJECT_REF = {SUBJECT_REF_KEY: True}
