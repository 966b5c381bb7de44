"""The 通知联系人 section of a unit page: the unit's contacts; staff and the unit's own operator add and remove
them (checked again in each callback). Component ids start with ``units-d-contacts`` (the page's prefix)."""
from __future__ import annotations

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx as dash_ctx, html, no_update
from sqlalchemy import select

from dashboard import access
from dashboard.app import current_ctx
from dashboard.text import notify as T
from models.notify.contacts import ContactError, add_contact, remove_contact, unit_contacts
from models.registry import ResponsibleUnit

EDITORS = ("admin", "supervisor", "unit")


def may_edit(p: access.Principal, unit_id: int) -> bool:
    return p.role in EDITORS and (p.role != "unit" or p.unit_id == unit_id)


def _table(rows, editable: bool):
    if not rows:
        return dmc.Alert(T.CONTACTS_NONE, color="gray", variant="light")
    keys = ["role", "name", "channel", "address"] + (["remove"] if editable else [])
    body = []
    for c in rows:
        cells = [T.ROLES.get(c.role, c.role), c.name or "", c.channel, c.address or ""]
        if editable:
            cells.append(dmc.Button(T.REMOVE, id={"type": "units-d-contacts-remove", "id": c.id}, size="xs",
                                    variant="subtle", color="red"))
        body.append(html.Tr([html.Td(x) for x in cells]))
    return html.Table([html.Thead(html.Tr([html.Th(T.CONTACT_COLS[k]) for k in keys])), html.Tbody(body)],
                      className="cw-table cw-table-compact")


def contacts_section(session, unit, p: access.Principal, channel_names: list[str]) -> html.Section:
    editable = may_edit(p, unit.id)
    children = [html.H2(T.CONTACTS), html.P(T.CONTACTS_HELP, className="cw-muted"),
                html.Div(_table(unit_contacts(session, unit.id), editable), id="units-d-contacts-table")]
    if editable:
        children += [html.Div([
            dmc.Select(id="units-d-contacts-role", data=[{"value": k, "label": v} for k, v in T.ROLES.items()],
                       value="contact", w=110, comboboxProps={"withinPortal": True}),
            dmc.TextInput(id="units-d-contacts-name", placeholder=T.CONTACT_COLS["name"], w=120),
            dmc.Select(id="units-d-contacts-channel", data=channel_names,
                       value=channel_names[0] if channel_names else None, w=140,
                       comboboxProps={"withinPortal": True}),
            dmc.TextInput(id="units-d-contacts-address", placeholder=T.ADDRESS_PH, w=220),
            dmc.Button(T.ADD, id="units-d-contacts-add", size="sm"),
        ], className="cw-action-buttons"), html.Div(id="units-d-contacts-result", role="status")]
    return html.Section(children, className="cw-card")


def register_callbacks() -> None:
    """Register the section's callback; called by the unit page module, which Dash loads once per app (a
    callback defined at this module's import would reach only the first app of the process)."""

    @callback(
        Output("units-d-contacts-table", "children"), Output("units-d-contacts-result", "children"),
        Input("units-d-contacts-add", "n_clicks"), Input({"type": "units-d-contacts-remove", "id": ALL}, "n_clicks"),
        State("units-d-code", "data"), State("units-d-contacts-role", "value"), State("units-d-contacts-name", "value"),
        State("units-d-contacts-channel", "value"), State("units-d-contacts-address", "value"),
        prevent_initial_call=True,
    )
    def edit(_add, removes, code, role, name, channel, address):
        """Add or remove a contact (role and unit checked here, values by :mod:`models.notify.contacts`)."""
        p = access.current_principal()
        ctx = current_ctx()
        trig = dash_ctx.triggered_id
        code = code if isinstance(code, str) else ""  # a hand-made request may send any JSON here
        with ctx.sessions.begin() as s:
            unit = s.scalar(select(ResponsibleUnit).where(ResponsibleUnit.code == code))
            if unit is None or not may_edit(p, unit.id):
                return no_update, dmc.Alert(T.NO_RIGHT, color="red", variant="light")
            if isinstance(trig, dict):
                if not any(removes or []):
                    return no_update, no_update
                remove_contact(s, unit.id, int(trig.get("id", 0)))
                message = dmc.Alert(T.REMOVED, color="green", variant="light")
            else:
                try:
                    add_contact(s, ctx.config.notify, unit.id, role or "", name, channel or "", address or "")
                except ContactError as exc:
                    return no_update, dmc.Alert(T.REFUSED.format(error=exc), color="orange", variant="light")
                message = dmc.Alert(T.ADDED, color="green", variant="light")
            s.flush()
            table = _table(unit_contacts(s, unit.id), True)
        return table, message
