"""``civicwatch user add|list`` and ``civicwatch token create|list|revoke``: accounts and API tokens.

Passwords are asked twice with hidden input (or read from stdin with ``--password-stdin``) and stored as
Argon2id hashes; a new token is printed once, alone on stdout, and stored as SHA-256 only.
"""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from models.accounts import ApiToken, Role, User
from models.clock import fmt_local, utcnow
from models.registry import ResponsibleUnit
from models.security import AccountError, add_user, create_token, token_digest

from .groups import token, user
from .opened_database import opened_database

ROLES = [r.value for r in Role]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            _fail("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat password", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role checked on the server.")
@click.option("--unit", "unit_code", default=None, help="Responsible unit code (required for role 'unit').")
@click.option("--display-name", default=None, help="Name shown in the UI (default: NAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def user_add(obj, name: str, role: str, unit_code: str | None, display_name: str | None,
             password_stdin: bool) -> None:
    """Create user NAME with a hashed password (asked twice, hidden)."""
    password = _read_password(password_stdin)
    with opened_database(obj) as ctx:
        try:
            with ctx.sessions.begin() as session:
                created = add_user(session, name, password, role, unit_code=unit_code, display_name=display_name)
                summary = f"user {created.username!r} created (role {created.role}" + (
                    f", unit {unit_code})" if unit_code else ")")
        except AccountError as exc:
            _fail(str(exc))
    click.echo(summary)


@user.command("list")
@click.pass_obj
def user_list(obj) -> None:
    """List users: name, role, unit, state, last login (Asia/Shanghai)."""
    with opened_database(obj) as ctx, ctx.sessions() as session:
        rows = session.execute(
            select(User, ResponsibleUnit.code).outerjoin(ResponsibleUnit, User.unit_id == ResponsibleUnit.id)
            .order_by(User.username)
        ).all()
        if not rows:
            click.echo("no users")
            return
        click.echo(f"{'user':<20} {'role':<11} {'unit':<16} {'state':<8} last login")
        for u, unit in rows:
            state = "active" if u.active else "disabled"
            click.echo(f"{u.username:<20} {u.role:<11} {unit or '-':<16} {state:<8} {fmt_local(u.last_login_at) or '-'}")


@token.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role the token acts with.")
@click.option("--unit", "unit_code", default=None, help="Responsible unit code (required for role 'unit').")
@click.option("--name", default=None, help="What the token is for (shown in `token list`).")
@click.option("--days", type=float, default=None,
              help="Lifetime in days (default: auth.token_days; 0 = never expires).")
@click.pass_obj
def token_create(obj, role: str, unit_code: str | None, name: str | None, days: float | None) -> None:
    """Create an API token and print it alone on stdout (it is shown only this once)."""
    if days is not None and days < 0:
        _fail("--days must be >= 0")
    with opened_database(obj) as ctx:
        lifetime = ctx.config.auth.token_days if days is None else (days or None)
        try:
            with ctx.sessions.begin() as session:
                clear, _row = create_token(session, role, unit_code=unit_code, name=name, days=lifetime)
        except AccountError as exc:
            _fail(str(exc))
    click.echo(clear)


@token.command("list")
@click.pass_obj
def token_list(obj) -> None:
    """List tokens by prefix (never the token itself)."""
    with opened_database(obj) as ctx, ctx.sessions() as session:
        rows = list(session.scalars(select(ApiToken).order_by(ApiToken.created_at)))
        if not rows:
            click.echo("no tokens")
            return
        now = utcnow()
        click.echo(f"{'prefix':<12} {'role':<11} {'state':<8} {'expires':<20} name")
        for t in rows:
            state = "revoked" if t.revoked_at else "expired" if t.expires_at and t.expires_at <= now else "live"
            click.echo(f"{t.prefix:<12} {t.role:<11} {state:<8} {fmt_local(t.expires_at) or 'never':<20} {t.name or ''}")


@token.command("revoke")
@click.argument("prefix")
@click.pass_obj
def token_revoke(obj, prefix: str) -> None:
    """Revoke the token whose prefix (as shown by `token list`) or full text is PREFIX."""
    with opened_database(obj) as ctx, ctx.sessions.begin() as session:
        exact = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(prefix)))
        if exact is not None:
            matches = [exact]
        else:
            live = session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).all()
            matches = [t for t in live if t.prefix.startswith(prefix) or prefix.startswith(t.prefix)]
        if not matches:
            _fail(f"no live token matches {prefix!r}")
        if len(matches) > 1:
            _fail(f"{len(matches)} tokens match {prefix!r} ({', '.join(t.prefix for t in matches)}); give more characters")
        target = matches[0]
        if target.revoked_at is not None:
            _fail(f"token {target.prefix} was already revoked at {fmt_local(target.revoked_at)}")
        target.revoked_at = utcnow()
        click.echo(f"revoked token {target.prefix} ({target.role}{', ' + target.name if target.name else ''})")


def register(cli: click.Group) -> None:  # attached through the `user` and `token` groups
    pass
