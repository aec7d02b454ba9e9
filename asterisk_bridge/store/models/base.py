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

#: The ``info`` of a column holding the id of a subject (asterisk_bridge.subjects) that its row
#: is about, named ``<role>_subject`` (``caller_subject``, ``owner_subject``): subject find,
#: export, erase and legal holds reach every such column, whatever its table.
SUBJECT_REF = {"subject_ref": True}
NOT_SEALED = {SEALED_BY: "none"}
