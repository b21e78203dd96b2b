"""The `contest` console script. `main(argv)` returns the exit code: 0 done, 2 invalid input, 1 anything else.

No traceback reaches the user: problems they can fix are printed as the core words them, and anything else as
one line naming it an internal error (set CONTEST_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import click

from contest import __version__
from contest.cli import certificates, compute, credentials, draws, export, language, panels, serve, sheets, venue
from contest.cli.database import EXIT_FAILED, EXIT_INVALID
from contest.scoring import ContestError
from contest.scoring.messages import Message, translated


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="contest")
def cli() -> None:
    """contest — skills-competition scoring (技能竞赛评分).

    Score contests from a contest file (TOML) and marks (CSV) exactly, with trimmed means, weights, difficulty
    factors, deductions, measured values, several items and rounds, tie-breakers and awards.
    """


for command in (
    compute.compute,  # contest/cli/compute.py
    serve.serve,  # contest/cli/serve.py
    venue.load,  # contest/cli/venue.py: load, verify, demo, backup
    venue.verify,
    venue.demo,
    venue.backup,
    credentials.token,  # contest/cli/credentials.py: token (create, --list, --revoke ID), judges revoke|reissue|cards
    credentials.judges,
    export.export,  # contest/cli/export.py: the results workbook or a standing as CSV
    certificates.certificates,  # contest/cli/certificates.py: certificates with signed serials
    sheets.sheets,  # contest/cli/sheets.py: score sheets per judge or entrant, and --check DIGEST
    draws.draw,  # contest/cli/draws.py: blind codes, and decrypt
    draws.decrypt,
    panels.panels,  # contest/cli/panels.py: who judges whom (评委分组): draw, export, import
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    language.choose(None)
    try:
        # a command ending with click's Exit (`verify` finding differences: 1) hands its status back here
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="contest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INVALID if exc.exit_code == 2 else EXIT_FAILED
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_FAILED
    except ContestError as exc:
        gettext = language.gettext()
        click.echo(translated(Message("error: {message}", message=exc.text(gettext)), gettext), err=True)
        return EXIT_INVALID
    except Exception as exc:  # a bug: one line, never a traceback, unless asked for
        if os.environ.get("CONTEST_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set CONTEST_DEBUG=1 for details)", err=True)
        return EXIT_FAILED
    return status if isinstance(status, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
