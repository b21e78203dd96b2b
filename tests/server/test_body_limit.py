"""A body over the limit: every client reads the 413 and its JSON error (issue 11, point 4).

The server used to answer 413 from the Content-Length before reading the body and, for a client that asked for
`Connection: close` (Python's urllib), close the connection while the client was still sending: urllib saw only
"connection reset by peer". Now the rest of the body is read and thrown away first (contest/web/limits.py
`drain`), so urllib, requests, httpx, curl and a browser's fetch all read the answer. A real server, real clients.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from playwright.sync_api import Browser

from tests.server.conftest import ServerProcess, bearer, contest_toml, make_token, new_slug

JSON_LIMIT = 256 * 1024  # CONTEST_MAX_JSON_BYTES's default
UPLOAD_LIMIT = 5 * 1024 * 1024  # CONTEST_MAX_UPLOAD_BYTES's default
HUGE = 20 * 1024 * 1024  # 80 times the JSON limit, 4 times the upload limit: urllib saw a reset on the old server


class Venue:
    def __init__(self, server: ServerProcess, organizer: str, slug: str) -> None:
        self.server = server
        self.organizer = organizer
        self.slug = slug

    @property
    def judges_url(self) -> str:  # a JSON body (CONTEST_MAX_JSON_BYTES)
        return f"{self.server.url}/api/contests/{self.slug}/judges"

    @property
    def contests_url(self) -> str:  # a contest file (CONTEST_MAX_UPLOAD_BYTES)
        return f"{self.server.url}/api/contests"

    def headers(self, kind: str = "application/json") -> dict[str, str]:
        return {**bearer(self.organizer), "content-type": kind}


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venue]:
    """One server (SQLite: the body limit is the web layer's) for the module's clients."""
    tmp = tmp_path_factory.mktemp("body-limit")
    db_url = f"sqlite:///{tmp / 'contest.db'}"
    organizer = make_token(db_url, "organizer")
    server = ServerProcess(db_url, tmp / "server.log").start()
    try:
        slug = new_slug("body")
        response = httpx.post(
            f"{server.url}/api/contests",
            content=contest_toml(slug).encode(),
            headers={**bearer(organizer), "content-type": "application/toml"},
        )
        assert response.status_code == 201, response.text
        yield Venue(server, organizer, slug)
    finally:
        server.kill()


def judges_body(size: int) -> bytes:
    """A JSON list of judges padded with spaces to `size` bytes: valid JSON, only too large."""
    body = json.dumps([{"code": "J9", "name": "裁判"}]).encode()
    return body[:-1] + b" " * (size - len(body)) + b"]"


def assert_too_large(status: int, body: Any) -> None:
    assert status == 413, (status, body)
    assert body["error"]["code"] == "too_large", body
    assert body["error"]["field"] == "body", body
    assert "larger than" in body["error"]["message"], body


def with_urllib(url: str, data: Any, headers: dict[str, str]) -> tuple[int, Any]:
    """urllib sends `Connection: close`: the old server closed while it was still sending."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_urllib_reads_the_413_of_a_json_body_over_the_limit(venue: Venue) -> None:
    assert_too_large(*with_urllib(venue.judges_url, judges_body(HUGE), venue.headers()))


def test_urllib_reads_the_413_of_a_contest_file_over_the_upload_limit(venue: Venue) -> None:
    toml = contest_toml(new_slug("big")).encode()
    body = toml + b"\n" + b"#" * (HUGE - len(toml) - 2) + b"\n"  # a comment makes it large, nothing else
    assert_too_large(*with_urllib(venue.contests_url, body, venue.headers("application/toml")))
    assert httpx.get(f"{venue.server.url}/healthz").status_code == 200


def test_urllib_reads_the_413_of_a_chunked_body_without_a_length(venue: Venue) -> None:
    """No Content-Length: the server finds out while reading, and reads the rest before answering."""
    chunk = b" " * 65536
    chunks = [b"[", *([chunk] * (HUGE // len(chunk))), b"]"]
    headers = {**venue.headers(), "transfer-encoding": "chunked"}
    assert_too_large(*with_urllib(venue.judges_url, iter(chunks), headers))


def test_requests_reads_the_413_and_its_connection_serves_the_next_request(venue: Venue) -> None:
    with requests.Session() as session:
        response = session.post(venue.judges_url, data=judges_body(HUGE), headers=venue.headers(), timeout=60)
        assert_too_large(response.status_code, response.json())
        response = session.post(venue.judges_url, data=judges_body(1000), headers=venue.headers(), timeout=60)
        assert response.status_code == 201, response.text  # the same judges list, small: stored


def test_httpx_reads_the_413(venue: Venue) -> None:
    with httpx.Client(timeout=60) as client:
        response = client.post(venue.judges_url, content=judges_body(HUGE), headers=venue.headers())
        assert_too_large(response.status_code, response.json())
        response = client.post(venue.judges_url, content=iter([judges_body(HUGE)]), headers=venue.headers())
        assert_too_large(response.status_code, response.json())  # streamed (chunked)


@pytest.mark.parametrize(
    "expect",
    [
        pytest.param([], id="expect-100-continue"),  # curl's default for large bodies: the 413 is the answer
        pytest.param(["-H", "Expect:"], id="whole-body"),
    ],
)
def test_curl_reads_the_413(venue: Venue, tmp_path: Path, expect: list[str]) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    body = tmp_path / "body.json"
    body.write_bytes(judges_body(HUGE))
    headers = [arg for name, value in venue.headers().items() for arg in ("-H", f"{name}: {value}")]
    command = [curl, "-sS", "--max-time", "60", "-w", "\n%{http_code}", *headers, *expect]
    done = subprocess.run(
        [*command, "--data-binary", f"@{body}", venue.judges_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text, _, status = done.stdout.rpartition("\n")
    assert_too_large(int(status), json.loads(text))


@pytest.fixture(scope="module")
def browser_fetch(browser: Browser) -> Iterator[Callable[[str, str, int], tuple[int, Any]]]:
    context = browser.new_context()
    page = context.new_page()

    def fetch(url: str, token: str, size: int) -> tuple[int, Any]:
        page.goto(url.split("/api/")[0] + "/healthz")
        result: dict[str, Any] = page.evaluate(
            """async ([url, token, size]) => {
                const body = '[' + ' '.repeat(size) + ']';
                const response = await fetch(url, {method: 'POST', body,
                    headers: {'authorization': 'Bearer ' + token, 'content-type': 'application/json'}});
                return {status: response.status, body: await response.json()};
            }""",
            [url, token, size],
        )
        return result["status"], result["body"]

    yield fetch
    context.close()


def test_a_browser_fetch_reads_the_413(venue: Venue, browser_fetch: Callable[[str, str, int], tuple[int, Any]]) -> None:
    assert_too_large(*browser_fetch(venue.judges_url, venue.organizer, HUGE))
