"""The seed's framework as reference: FastAPI serving the `serve` scenario's handler.

The article the project started from ends on "frameworks like FastAPI ... where handling thousands
of concurrent connections is required", and warns that a blocking call such as time.sleep inside
async code blocks the entire event loop. This app is both, under the same URLs as the models:

- GET /data/{id}            async def + await asyncio.sleep(D): the article's way; answers "Data {id}"
- GET /blocking/data/{id}   async def + time.sleep(D): the article's warning; one request at a time
- GET /threadpool/data/{id} plain def + time.sleep(D): FastAPI runs it on its thread pool (40 threads
                            by default), so about 40 at a time
- GET /cpu/{id}?work=W      plain def (thread pool), the same xorshift kernel as taskset::kernel, in
                            CPython: about 300 times slower than Rust per unit, and the GIL lets one
                            thread compute at a time

D is the query parameter delay_ms, or the environment variable DELAY_MS (default 0), within the
models' limit (0 to 3,600,000 ms); W is work (1 to 100,000 units, default 1). Bad values get 400
with one line that names the parameter, as the models answer.

Install (not needed by any test; the report runs it when it finds it):

    python3 -m venv VENV && VENV/bin/pip install fastapi uvicorn uvloop httptools

Run, from this folder (uvicorn picks uvloop and httptools when they are installed):

    VENV/bin/uvicorn fastapi_app:app --port P --backlog 4096 --log-level warning

then load it as any model: `cargo run --release -p latency --bin load -- http://127.0.0.1:P/data/{id}
-c 100 -d 5s`, or `wrk -t2 -c100 -d5s http://127.0.0.1:P/data/1`.
"""

import asyncio
import os
import time

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from seed_reference import job

# taskset::cli::DELAY_MS and WORK: the same limits as the models' flags and query parameters.
DELAY_MS = (0, 3_600_000)
WORK = (1, 100_000)
DEFAULT_DELAY_MS = int(os.environ.get("DELAY_MS", "0"))


class BadParameter(Exception):
    """A query parameter outside its limit: answered with 400, as the models do."""


app = FastAPI()


@app.exception_handler(BadParameter)
async def bad_parameter(_request: Request, error: BadParameter):
    return PlainTextResponse(str(error), status_code=400)


def number(text, name, limits, default):
    """The query parameter as a whole number within limits, or BadParameter naming it."""
    if text is None:
        return default
    low, high = limits
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    raise BadParameter(f"{name}: expected a whole number from {low} to {high}")


def delay_s(delay_ms):
    """D in seconds: the request's delay_ms, or the server's default."""
    return number(delay_ms, "delay_ms", DELAY_MS, DEFAULT_DELAY_MS) / 1000


@app.get("/data/{item_id}", response_class=PlainTextResponse)
async def data(item_id: int, delay_ms: str | None = None):
    await asyncio.sleep(delay_s(delay_ms))
    return f"Data {item_id}"


@app.get("/blocking/data/{item_id}", response_class=PlainTextResponse)
async def blocking_data(item_id: int, delay_ms: str | None = None):
    # The seed's warning, on purpose: this blocks the event loop, and every connection with it.
    time.sleep(delay_s(delay_ms))
    return f"Data {item_id}"


@app.get("/threadpool/data/{item_id}", response_class=PlainTextResponse)
def threadpool_data(item_id: int, delay_ms: str | None = None):
    # A plain def: FastAPI runs it on its thread pool, so the loop goes on serving.
    time.sleep(delay_s(delay_ms))
    return f"Data {item_id}"


@app.get("/cpu/{item_id}", response_class=PlainTextResponse)
def cpu(item_id: int, work: str | None = None):
    return str(job(item_id, number(work, "work", WORK, 1)))
