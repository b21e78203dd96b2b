"""The credential commands of the `contest` script (registered by contest/cli/__init__.py):

contest token --role organizer|recorder [--db URL]   create a token, printed alone on the last line
contest token --list [--role ROLE] [--db URL]        every token: id, role, contest, judge, created, state
contest token --revoke ID [--db URL]                 revoke one token; devices signed in with it are signed out
contest judges revoke SLUG CODE [--db URL]           end the judge's token(s) and sessions at once
contest judges reissue SLUG CODE [--db URL]          the same, then a new token: the login link, and the token
                                                     alone on the last line
contest judges cards SLUG -o cards.pdf [--db URL]    every judge's QR login card (PDF); re-issues their logins
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from contest.cli.database import DB_OPTION, database, settings_for, shown_url
from contest.settings import Settings

CLI_ORGANIZER_ROLE = "organizer"  # the command line acts as an organizer: it holds the database itself


@click.command(short_help="Create, list or revoke API tokens.")
@click.option(
    "--role",
    type=click.Choice(["organizer", "recorder", "judge"]),
    help="Create a token of this role (organizer or recorder); with --list, list only this role's tokens.",
)
@click.option("--list", "listing", is_flag=True, help="List every token (never its value): id, role, state.")
@click.option("--revoke", "revoke_id", type=click.IntRange(min=1), metavar="ID", help="Revoke the token with this id.")
@DB_OPTION
def token(role: str | None, listing: bool, revoke_id: int | None, db_url: str | None) -> None:
    """Create an organizer or recorder token and print it, alone on the last line (--role); list every token
    (--list, with --role to narrow it); or revoke one by its id (--revoke ID): it stops working at once, on every
    worker, and the devices signed in with it are signed out. Judges' logins: `contest judges revoke|reissue`."""
    from contest.services import credentials
    from contest.services.principals import new_token

    if listing + (revoke_id is not None) > 1:
        raise click.UsageError("give one of --role, --list or --revoke ID")
    settings = settings_for(database_url=db_url)
    if listing:
        with database(settings) as db:
            rows = credentials.list_tokens(db, role)
        _print_tokens(rows)
        return
    if revoke_id is not None:
        if role is not None:
            raise click.UsageError("give one of --role, --list or --revoke ID")
        with database(settings) as db:
            done = credentials.revoke_token(db, revoke_id)
        click.echo(f"token {done['id']} ({done['role']}) revoked at {done['revoked_at']}")
        return
    if role is None:
        raise click.UsageError("give --role organizer|recorder to create a token, --list, or --revoke ID")
    if role == "judge":
        raise click.UsageError("judges' tokens belong to a judge: contest judges reissue SLUG CODE")
    with database(settings) as db, db.begin() as session:
        created = new_token(session, role)
    click.echo(f"{role} token for {shown_url(settings.database_url)} (shown once; keep it secret):", err=True)
    click.echo(created)


def _print_tokens(rows: list[dict[str, Any]]) -> None:
    header = ("id", "role", "contest", "judge", "created", "state", "devices")
    table = [header] + [
        (
            str(r["id"]),
            r["role"],
            r["contest"] or "-",
            r["judge"] or "-",
            r["created_at"] or "",
            f"revoked {r['revoked_at']}" if r["revoked"] else "valid",
            str(r["devices"]),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not rows:
        click.echo("(no tokens)", err=True)


@click.group(short_help="Revoke or re-issue a judge's login.")
def judges() -> None:
    """A judge's login (the token behind their QR code): revoke it, or re-issue it (a new token; the old one stops
    working). Either way every device signed in as that judge is signed out at once, on every worker."""


def _acting(settings: Settings, slug: str, code: str, action: Callable[..., Any]) -> Any:
    from contest.services.principals import Principal

    with database(settings) as db:
        return action(db, Principal(CLI_ORGANIZER_ROLE), slug, code)


@judges.command(short_help="End a judge's token and sessions at once.")
@click.argument("slug")
@click.argument("code")
@DB_OPTION
def revoke(slug: str, code: str, db_url: str | None) -> None:
    """Revoke judge CODE's token(s) in contest SLUG and sign out every device signed in as them."""
    from contest.services import credentials

    done = _acting(settings_for(database_url=db_url), slug, code, credentials.revoke_judge)
    click.echo(f"judge {done.code} of {slug}: {done.tokens} token(s) revoked, {done.sessions} device(s) signed out")


@judges.command(short_help="Give a judge a new token; the old one stops working.")
@click.argument("slug")
@click.argument("code")
@DB_OPTION
def reissue(slug: str, code: str, db_url: str | None) -> None:
    """Revoke judge CODE's login in contest SLUG (every device signed in as them is signed out) and create a new
    token: prints the login link (the QR code's address; CONTEST_PUBLIC_URL sets its host), then the token alone
    on the last line. Works for judges who never had a login (e.g. loaded with marks)."""
    from contest.services import credentials

    settings = settings_for(database_url=db_url)
    done = _acting(settings, slug, code, credentials.reissue_judge)
    role = "chief judge" if done.chief else "judge"
    click.echo(f"{role} {done.code} of {slug}, login link: {settings.base_url}/j/{done.token}")
    click.echo(done.token)


@judges.command(short_help="Print every judge's QR login card (PDF); the old cards stop working.")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="The PDF to write.")
@click.option("--judge", "codes", multiple=True, metavar="CODE", help="Only this judge (repeatable); default: all.")
@click.option("--font", type=click.Path(exists=True, dir_okay=False), help="A .ttf/.otf font instead of Noto Sans SC.")
@DB_OPTION
def cards(slug: str, output: str, codes: tuple[str, ...], font: str | None, db_url: str | None) -> None:
    """Write the judges' QR login cards of contest SLUG to a PDF (eight per A4 page, with cut marks). A card holds
    a fresh login: every judge printed gets a new token, their old card and link stop working at once and their
    devices are signed out (CONTEST_PUBLIC_URL sets the links' host)."""
    from pathlib import Path

    from contest.exports.cards import Card, cards_pdf
    from contest.exports.fonts import FontNotFound, cjk_font
    from contest.services.cards import reissue_for_cards
    from contest.services.principals import Principal

    settings = settings_for(database_url=db_url)
    try:
        cjk_font("sans", Path(font) if font else None)  # a bad font is refused before any login changes
    except FontNotFound as exc:
        raise click.ClickException(str(exc)) from None
    with database(settings) as db:
        printed = reissue_for_cards(db, Principal(CLI_ORGANIZER_ROLE), slug, list(codes) or None)
    found = [Card(j.code, j.name, j.chief, f"{settings.base_url}/j/{j.token}") for j in printed.judges]
    try:
        data = cards_pdf(printed.title, found, font=Path(font) if font else None)
        Path(output).write_bytes(data)
    except (FontNotFound, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(found)} card(s) for {slug} written to {output}; the judges' old cards no longer work")
