"""HTTP at the socket level, for what ordinary clients refuse to send or cannot measure: a
body of 100 MB sent while watching for an early answer, bytes that are not UTF-8 in the
request line, connections that never finish their headers."""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

CHUNK = 64 * 1024
# A small send buffer, so "bytes sent before the answer" is close to what the server read.
SEND_BUFFER = 64 * 1024


@dataclass
class BigBodyResult:
    status: int | None
    sent_before_answer: int
    seconds: float
    error: str | None = None


def _status_of(head: bytes) -> int | None:
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def _answer_left_after_failed_send(sock: socket.socket) -> bytes:
    """A send fails once the server has answered early and closed its side; its answer may
    still be waiting to be read (b"": none came within 2 s)."""
    try:
        sock.setblocking(True)
        sock.settimeout(2)
        return sock.recv(4096)
    except OSError:
        return b""


def send_big_body(port: int, method: str, path: str, headers: dict[str, str], total: int, chunked: bool, prefix: bytes = b"", timeout: float = 30) -> BigBodyResult:
    """Sends `prefix` then `total` bytes of filler as the body (declared with Content-Length,
    or chunked) and stops as soon as the server answers; returns the status and how much
    had been sent by then."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(len(prefix) + total)}
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in {**headers, **framing}.items()) + "\r\n"
    payload = b"x" * CHUNK
    piece = (f"{CHUNK:x}\r\n".encode() + payload + b"\r\n") if chunked else payload
    pieces_left = total // CHUNK
    pending = memoryview(b"")
    sent = 0  # bytes on the wire after the head (chunk framing included)
    answer = b""
    error = None
    try:
        sock.sendall(head.encode())
        if prefix:
            sock.sendall((f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n") if chunked else prefix)
        sock.setblocking(False)
        while pieces_left or pending:
            readable, writable, _ = select.select([sock], [sock], [], timeout)
            if readable:
                answer = sock.recv(4096)
                break
            if not writable:
                error = "stalled"
                break
            if not pending:
                pending, pieces_left = memoryview(piece), pieces_left - 1
            written = sock.send(pending)
            pending, sent = pending[written:], sent + written
        if not answer and not error:
            sock.setblocking(True)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(4096)
    except OSError as err:
        error = type(err).__name__
        answer = answer or _answer_left_after_failed_send(sock)
    finally:
        sock.close()
    return BigBodyResult(_status_of(answer) if answer else None, sent, time.monotonic() - started, error)


def raw_request(port: int, request: bytes, timeout: float = 10) -> int | None:
    """Sends `request` as is and returns the status of the answer (None: no answer). The
    server may answer (and close) before it has read everything: the answer is watched
    for while sending, as in `send_big_body`."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        pending = memoryview(request)
        answer = b""
        try:
            sock.setblocking(False)
            while pending and not answer:
                readable, writable, _ = select.select([sock], [sock], [], timeout)
                if readable:
                    answer = sock.recv(4096)
                elif writable:
                    pending = pending[sock.send(pending[:CHUNK]):]
                else:
                    return None
            sock.setblocking(True)
            sock.settimeout(timeout)
            if not answer:
                sock.shutdown(socket.SHUT_WR)
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except OSError:
            answer = answer or _answer_left_after_failed_send(sock)
    return _status_of(answer) if answer else None
