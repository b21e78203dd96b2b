"""`contest serve`: the judging server under uvicorn, one worker or several, with its connection limits."""

from __future__ import annotations

import os

import click

from contest.cli.database import DB_OPTION, settings_for, shown_url
from contest.scoring import ContestError


@click.command(short_help="Run the server.")
@DB_OPTION
@click.option("--redis", "redis_url", metavar="URL", help="Redis URL for several workers or hosts (CONTEST_REDIS_URL).")
@click.option("--host", help="Address to listen on (default 127.0.0.1; 0.0.0.0 for the venue network).")
@click.option("--port", type=int, help="Port (default 8000).")
@click.option("--workers", type=int, help="Worker processes (default 1).")
@click.option(
    "--ws-ping-interval",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Heartbeat on every websocket this often, to find screens that went away (default 20; 0: none; "
    "CONTEST_WS_PING_INTERVAL).",
)
@click.option(
    "--ws-ping-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close a websocket whose heartbeat stays unanswered this long (default 20; 0: never; "
    "CONTEST_WS_PING_TIMEOUT).",
)
# connection limits (contest/web/limits.py, README "Limits")
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close a connection that has not sent a request's headers this long after connecting (default 10; "
    "0: never; CONTEST_HEADER_TIMEOUT).",
)
@click.option(
    "--keep-alive-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close an idle keep-alive connection after this long (default 5; CONTEST_KEEP_ALIVE_TIMEOUT).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    metavar="N",
    help="Connections and requests a worker serves at once, 503 beyond (default: the open-file limit less a "
    "reserve; 0: no limit; CONTEST_MAX_CONNECTIONS).",
)
@click.option(
    "--max-connections-per-ip",
    type=click.IntRange(min=0),
    metavar="N",
    help="Open connections a worker keeps from one address (default 100; 0: none; CONTEST_MAX_CONNECTIONS_PER_IP).",
)
@click.option(
    "--trusted-proxies",
    metavar="ADDRESSES",
    help="Reverse proxies whose X-Forwarded-For names the client, comma-separated addresses or networks "
    "(default: none; CONTEST_TRUSTED_PROXIES).",
)
def serve(
    db_url: str | None,
    redis_url: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    ws_ping_interval: float | None = None,
    ws_ping_timeout: float | None = None,
    header_timeout: float | None = None,
    keep_alive_timeout: float | None = None,
    max_connections: int | None = None,
    max_connections_per_ip: int | None = None,
    trusted_proxies: str | None = None,
) -> None:
    """Run the judging server: SQLite file by default, PostgreSQL when given a URL. Settings also come from
    CONTEST_DATABASE_URL, CONTEST_REDIS_URL, CONTEST_REDIS_PREFIX (channel names, default "contest:"),
    CONTEST_HOST, CONTEST_PORT, CONTEST_WORKERS, CONTEST_PUBLIC_URL (what QR codes point at), CONTEST_SECRET_KEY
    (signs judges' session cookies; by default a key kept in the database), CONTEST_WS_PING_INTERVAL and
    CONTEST_WS_PING_TIMEOUT, and the connection limits (README "Limits").

    Several workers (--workers, or servers on several hosts sharing one PostgreSQL database) show the same
    standings: with --redis they tell each other about every change at once; without it each polls the
    database's change log twice a second for the contests its screens watch."""
    import uvicorn

    from contest.web import limits

    settings = settings_for(
        database_url=db_url,
        redis_url=redis_url,
        host=host,
        port=port,
        workers=workers,
        ws_ping_interval=ws_ping_interval,
        ws_ping_timeout=ws_ping_timeout,
        header_timeout=header_timeout,
        keep_alive_timeout=keep_alive_timeout,
        max_connections=max_connections,
        max_connections_per_ip=max_connections_per_ip,
        trusted_proxies=None if trusted_proxies is None else _proxies(trusted_proxies),
    )
    limits.export(settings, os.environ)  # the workers' connection protocol and app read the limits from there
    # every worker process builds its app from these (uvicorn's workers import the factory by name)
    os.environ["CONTEST_DATABASE_URL"] = settings.database_url
    os.environ["CONTEST_HOST"] = settings.host
    os.environ["CONTEST_PORT"] = str(settings.port)
    if settings.redis_url:
        os.environ["CONTEST_REDIS_URL"] = settings.redis_url
    click.echo(f"contest: serving {settings.base_url} (database {shown_url(settings.database_url)})", err=True)
    uvicorn.run(
        "contest.web.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        ws_per_message_deflate=False,  # the same bytes go to every screen: compressing per socket costs CPU
        ws_ping_interval=settings.ws_ping_interval or None,
        ws_ping_timeout=settings.ws_ping_timeout or None,
        log_level="warning",
        **limits.uvicorn_options(settings),  # http and ws protocols (websockets-sansio), timeouts, proxy headers
    )


def _proxies(raw: str) -> tuple[str, ...]:
    from contest.settings import networks

    try:
        return networks("--trusted-proxies", raw)
    except ValueError as exc:
        raise ContestError(str(exc)) from None
