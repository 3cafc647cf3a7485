"""Is Bolt answering on a port, and is a port free to listen on — without credentials."""

from __future__ import annotations

import socket

_BOLT_MAGIC = bytes.fromhex("6060B017")
# Four version proposals, each [0, range, minor, major]: 5.8 down to 5.0, then 4.4, then two empty slots.
_PROPOSALS = bytes.fromhex("00080805") + bytes.fromhex("00000404") + bytes(8)
# The server answers [0, 0, minor, major] with one of them; anything else is not a Bolt server.
_AGREEABLE = {(5, minor) for minor in range(9)} | {(4, 4)}


def bolt_answers(port: int, host: str = "127.0.0.1", timeout_s: float = 1.0) -> bool:
    """True if a Bolt server on ``host:port`` completes the version handshake.

    A plain TCP connect is not enough: the port opens before Neo4j is ready, and another program may
    hold it. The handshake needs no credentials, so ``status`` can tell the truth without a password.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as conn:
            conn.sendall(_BOLT_MAGIC + _PROPOSALS)
            reply = _read_exactly(conn, 4)
    except OSError:
        return False
    return len(reply) == 4 and reply[:2] == bytes(2) and (reply[3], reply[2]) in _AGREEABLE


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True if nothing listens on ``host:port`` (checked by binding the way the server will)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Netty binds with SO_REUSEADDR, so connections of a just-stopped server in TIME_WAIT do not block it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
