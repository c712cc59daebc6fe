"""Backend ``dask``'s first word with an existing scheduler: an address where plainly no Dask scheduler is (refused,
unknown host, a web server) is refused in one line before Dask's client is made (:func:`greet`)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

from l2l.errors import ExecutorError
from l2l.numbers import number


#: How long an address whose host refuses the connection (nothing listens at its port) is tried again before it is
#: refused in one line (see greet), short so that a mistyped address costs little. A scheduler started together with
#: the run, in one job script, may take longer to listen (its Python imports read some 7,600 files' metadata, which a
#: cold shared file system can make 10 s or more): its ``--scheduler-file`` is the way, written only once it listens,
#: and waited for (see DaskExecutor._file_address).
REFUSED_SECONDS = 3.0
#: How long l2l's first connection to a scheduler may take before it leaves the waiting to Dask's client (see greet).
CONNECT_SECONDS = 1.0
#: How long a server that accepted the connection has to send Dask's handshake (a scheduler sends it at once) before
#: l2l asks it whether it is a web server (the dashboard's port given for the scheduler's; see greet). A scheduler
#: whose event loop is blocked longer than this as the run starts takes that question for a message it cannot read
#: (an ERROR with a traceback in its log); the run goes on, waiting for it.
HANDSHAKE_SECONDS = 2.0


#: How a message ends that refuses an address that is no Dask scheduler's: where to find the right one.
PRINTED = "(a scheduler prints it as 'Scheduler at:', e.g. tcp://10.0.0.5:8786)"


def _address_refusal(address: str, point: str, why: str) -> ExecutorError:
    return ExecutorError(f"backend 'dask': no scheduler at {address} ({why}); start it, or {point} {PRINTED}")


def greet(address: str, point: str, timeout: float, waiting: Callable[[], None]) -> None:
    """Refuse in one line an address where plainly no Dask scheduler is, before Dask's client is made: a ``tcp``
    address whose host refuses the connection for REFUSED_SECONDS (nothing listens at the port), whose host name is
    not known, or whose server does not speak Dask (a web server, the dashboard's port given for the scheduler's).
    Before, Dask's client tried a refused address again for the whole ``timeout`` (30 s), so the run said it waited
    for the scheduler, then ended in a second line; and a client given the dashboard's port waited for the
    scheduler's handshake for ever (its ``timeout`` bounds the connection, not the handshake).

    Returns where the scheduler may come: an address that answers as a Dask scheduler, one whose host does not
    answer at all (the client waits ``timeout`` for it, the run saying so after WAIT_NOTICE_SECONDS), and other
    schemes than ``tcp`` (left to the client). A server that accepted the connection but sends no handshake
    within HANDSHAKE_SECONDS and is no web server is waited for here, up to ``timeout``, after ``waiting()``
    (which says so). ``point``: how the messages say to give another address ('give [backend] address of a
    running one')."""
    from distributed.comm.addressing import parse_address

    scheme, location = parse_address(address)
    if scheme != "tcp":
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_greet(address, location, point, timeout, waiting))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            failure.append(exc)

    # a thread of its own: the caller's may have an event loop running (a notebook's)
    thread = threading.Thread(target=run, name="l2l-dask-greet", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def _greet(address: str, location: str, point: str, timeout: float, waiting: Callable[[], None]) -> None:
    import socket

    from distributed.comm.registry import get_backend

    connector = get_backend("tcp").get_connector()
    began = time.monotonic()
    while True:
        try:
            comm = await asyncio.wait_for(connector.connect(location, deserialize=False),
                                          min(timeout, CONNECT_SECONDS))
            break
        except asyncio.TimeoutError:  # the host does not answer (yet): the client waits for it
            return
        except OSError as exc:  # (distributed's CommClosedError, with the socket's error as its cause)
            cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else exc
            if isinstance(cause, socket.gaierror):
                host = location.rsplit(":", 1)[0].strip("[]")
                raise _address_refusal(address, point, f"its host {host!r} is not known: {cause.strerror or cause}"
                                       ) from None
            if not isinstance(cause, ConnectionRefusedError):
                return  # no route to the host, ...: it may come up
            if time.monotonic() - began >= min(timeout, REFUSED_SECONDS):
                raise _address_refusal(address, point, "the connection is refused: nothing listens at its port"
                                       ) from None
            await asyncio.sleep(0.05)
    reading = None
    try:
        await comm.write(comm.handshake_info())
        reading = asyncio.ensure_future(comm.read())  # one read, waited for twice (a cancelled read closes the comm)
        await asyncio.wait([reading], timeout=min(timeout, HANDSHAKE_SECONDS))
        if not reading.done():
            if await _web_server(location):
                raise ExecutorError(f"backend 'dask': {address} is a web server (Dask's dashboard?), not a Dask "
                                    f"scheduler; {point} {PRINTED}")
            waiting()  # a scheduler too busy to answer at once, or a server that never will
            await asyncio.wait([reading], timeout=max(0.0, began + timeout - time.monotonic()))
            if not reading.done():
                raise ExecutorError(f"backend 'dask': no scheduler answered (the server at {address} took the "
                                    f"connection but sent no Dask handshake within {number(timeout)} s); start it, or "
                                    f"{point}")
        handshake = reading.result()
    except ExecutorError:
        raise
    except Exception as exc:  # noqa: BLE001 - what it sent is no Dask message, or it closed the connection
        raise ExecutorError(f"backend 'dask': the server at {address} does not answer as a Dask scheduler "
                            f"({type(exc).__name__}: {exc}); {point} {PRINTED}") from None
    finally:
        if reading is not None and not reading.done():
            reading.cancel()
        comm.abort()
    if not isinstance(handshake, dict):
        raise ExecutorError(f"backend 'dask': the server at {address} does not answer as a Dask scheduler (its "
                            f"handshake is {type(handshake).__name__}); {point} {PRINTED}")


async def _web_server(location: str) -> bool:
    """Whether the server at ``location`` (host:port) answers an HTTP request, asked on a connection of its own
    (see HANDSHAKE_SECONDS)."""
    host, port = location.rsplit(":", 1)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host.strip("[]"), int(port)),
                                                CONNECT_SECONDS)
    except (OSError, asyncio.TimeoutError, ValueError):
        return False
    try:
        writer.write(b"HEAD / HTTP/1.0\r\n\r\n")
        await writer.drain()
        return (await asyncio.wait_for(reader.read(5), CONNECT_SECONDS)) == b"HTTP/"
    except (OSError, asyncio.TimeoutError):
        return False
    finally:
        writer.close()
