"""`contest draw` and `contest decrypt` (registered by contest/cli/__init__.py): blind codes from the command line,
the same use cases as the console's page (contest/services/draws.py), recorded as done by "command line (user@host)".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from contest.cli.database import DB_OPTION, database, settings_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from contest.services.draws import Actor

DRAW_HELP = """Draw blind codes (抽签加密) for a contest's entrants, before the first mark.

\b
  contest draw tea-2026                       # layer 1: seat numbers 01..N (一次加密)
  contest draw tea-2026 --layers 2 -o sealed.pdf
                                              # layer 1, then layer 2: sealed codes (二次加密), and the
                                              # sealed mapping as a PDF to seal in an envelope
  contest draw tea-2026 --layer 2             # only layer 2, on top of the standing layer 1
  contest draw tea-2026 --withdraw --reason "报名变更"
                                              # undo the draw: the entrants' own codes back

The shuffle is the operating system's cryptographically secure generator (secrets.SystemRandom). Each draw is
recorded (who, when, layer, the permutation). The entrants are then known by the drawn code: judges and public
screens see codes only until `contest decrypt`. Prints the number of entrants drawn and the version, never the
mapping (write it with -o).
"""

DECRYPT_HELP = """Decrypt (解密) a blind or drawn contest: results carry the names from now on.

\b
  contest decrypt tea-2026 --reason "成绩复核完毕，监督组在场"

Refused until every round is locked; recorded with who, when and the reason. It cannot be undone.
"""


@click.command(help=DRAW_HELP, short_help="Draw blind codes (抽签加密) before the first mark.")
@click.argument("slug")
@click.option("--layers", type=click.IntRange(1, 2), default=None, help="Draw this many layers now, from layer 1.")
@click.option("--layer", type=click.IntRange(1, 2), default=None, help="Draw only this layer (2: on top of layer 1).")
@click.option("--prefix", default="", metavar="TEXT", help="Put this before every code (up to 8 letters or digits).")
@click.option("--reason", default="", metavar="TEXT", help="A note kept with the draw (required with --withdraw).")
@click.option("--withdraw", is_flag=True, help="Undo the standing draw instead (before the first mark).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the sealed mapping to this PDF."
)
@DB_OPTION
def draw(
    slug: str,
    layers: int | None,
    layer: int | None,
    prefix: str,
    reason: str,
    withdraw: bool,
    output: Path | None,
    db_url: str | None,
) -> None:
    from contest.services import draws

    if layers is not None and layer is not None:
        raise click.UsageError("give --layers N or --layer N, not both")
    wanted = [layer] if layer is not None else list(range(1, (layers or 1) + 1))
    actor = draws.Actor.command_line()
    with database(settings_for(database_url=db_url)) as db:
        if withdraw:
            version = draws.withdraw(db, actor, slug, reason=reason)
            click.echo(f"{slug}: the draw was withdrawn; the entrants have their own codes again (version {version})")
        else:
            for each in wanted:
                done = draws.draw(db, actor, slug, each, reason=reason, prefix=prefix)
                codes = sorted((c["to"] for c in done["codes"]), key=lambda c: (len(c), c))
                click.echo(
                    f"{slug}: layer {each} drawn for {len(codes)} entrants, codes {codes[0]}…{codes[-1]} "
                    f"(version {done['version']})"
                )
        if output is not None:
            _write_sealed(db, actor, slug, output)


def _write_sealed(db: sessionmaker[Session], actor: Actor, slug: str, output: Path) -> None:
    from contest.exports.draw_sheet import sealed_pdf
    from contest.language import environment_locale, gettext_for
    from contest.services import draws

    found = draws.mapping(db, actor, slug, action="print")
    pdf = sealed_pdf(found, gettext_for(environment_locale()))  # Chinese when LANG is zh_*
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write the file ({exc.strerror})") from None
    click.echo(f"sealed mapping of {len(found['rows'])} entrants written to {output} (keep it sealed)")


@click.command(help=DECRYPT_HELP, short_help="Decrypt (解密): results carry names from now on.")
@click.argument("slug")
@click.option("--reason", required=True, metavar="TEXT", help="Why, kept with who and when.")
@DB_OPTION
def decrypt(slug: str, reason: str, db_url: str | None) -> None:
    from contest.services import draws

    with database(settings_for(database_url=db_url)) as db:
        done = draws.decrypt(db, draws.Actor.command_line(), slug, reason=reason)
    logged = done["decrypted"]
    click.echo(f"{slug}: decrypted at {logged['at']} by {logged['by']} (version {done['version']})")
