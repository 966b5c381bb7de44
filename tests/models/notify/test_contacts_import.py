"""Unit contacts (单位联系人) travel with the registry: imported, exported, validated; a replace import without
``unit_contacts.csv`` leaves the contacts (edited on the unit page) as they are."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.notifications import UnitContact
from models.registry import ResponsibleUnit
from models.registry_io import RegistryImportError, export_registry, import_registry
from tests.models.registry_io.helpers import DEMO_DIR, copy_demo, read_rows, set_cell


def contacts(ctx):
    with ctx.sessions() as s:
        return s.execute(select(ResponsibleUnit.code, UnitContact.role, UnitContact.name, UnitContact.channel,
                                UnitContact.address).join(ResponsibleUnit, ResponsibleUnit.id == UnitContact.unit_id)
                         .order_by(UnitContact.id)).all()


def test_contacts_import_export_and_kept_without_their_file(sqlite_ctx, tmp_path):
    ctx = sqlite_ctx
    import_registry(ctx.sessions, DEMO_DIR)
    shipped = [tuple(r) for r in read_rows(DEMO_DIR / "unit_contacts.csv")[1:]]
    assert [tuple("" if v is None else v for v in row) for row in contacts(ctx)] == shipped
    export_registry(ctx.sessions, tmp_path / "out")
    assert read_rows(tmp_path / "out" / "unit_contacts.csv") == read_rows(DEMO_DIR / "unit_contacts.csv")

    reg = copy_demo(tmp_path)
    set_cell(reg / "unit_contacts.csv", 2, "address", "cgj@zz.gov.cn")
    import_registry(ctx.sessions, reg, replace=True)
    assert contacts(ctx)[0][4] == "cgj@zz.gov.cn"

    (reg / "unit_contacts.csv").unlink()  # a registry without contacts: the contacts stay
    with ctx.sessions.begin() as s:
        s.add(UnitContact(unit_id=s.scalar(select(ResponsibleUnit.id).where(ResponsibleUnit.code == "C-CGJ")),
                          role="duty", name="值班室", channel="demo-log", address="duty"))
    import_registry(ctx.sessions, reg, replace=True)
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(UnitContact)) == len(shipped) + 1


def test_bad_contact_rows_are_named(sqlite_ctx, tmp_path):
    reg = copy_demo(tmp_path)
    set_cell(reg / "unit_contacts.csv", 2, "role", "boss")
    with pytest.raises(RegistryImportError, match=r"unit_contacts.csv.*row 2.*role"):
        import_registry(sqlite_ctx.sessions, reg)
    reg2 = copy_demo(tmp_path, "r2")
    set_cell(reg2 / "unit_contacts.csv", 2, "unit_code", "NO-SUCH")
    with pytest.raises(RegistryImportError, match="NO-SUCH"):
        import_registry(sqlite_ctx.sessions, reg2)
