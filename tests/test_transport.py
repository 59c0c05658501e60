"""The transport's connection threads: one per open connection, reused, capped, and gone with the server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from replmock.server import MockVault

HOST = "127.0.0.1"
REQUEST = b"GET /v1/sys/replication/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _threads(port: int) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"replmock-connection-{port}"]


def _answered(sock: socket.socket) -> bool:
    """Send one status read on a kept-alive connection; True when an HTTP answer starts to arrive."""
    try:
        sock.sendall(REQUEST)
        return sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


def test_connection_threads_are_reused_and_end_with_the_server() -> None:
    vault = MockVault(scenario="perf-primary").start()
    port = vault.port
    try:
        held = [socket.create_connection((HOST, port), timeout=5) for _ in range(5)]
        assert all(_answered(s) for s in held)  # five connections open at once: five threads serve them
        assert len(_threads(port)) == 5
        for s in held:
            s.close()
        seen: set[threading.Thread] = set()
        for _ in range(50):  # one connection after another: the idle threads take them in turn
            with socket.create_connection((HOST, port), timeout=5) as s:
                s.sendall(REQUEST.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
                while s.recv(65536):  # the server answers and closes: its thread is (nearly) idle again
                    pass
            seen.update(_threads(port))
        # Five, give or take a thread started while another was between its close and being idle again.
        assert len(seen) <= 10, f"{len(seen)} threads served 50 connections one after another"
        threads = _threads(port)
    finally:
        vault.stop()
    for t in threads:
        t.join(timeout=10)
    assert not [t for t in threads if t.is_alive()], "connection threads outlived their server"


def test_connections_over_the_cap_are_closed_and_served_again_once_one_closes() -> None:
    vault = MockVault(scenario="perf-primary", max_connections=3).start()
    try:
        held = [socket.create_connection((HOST, vault.port), timeout=5) for _ in range(3)]
        assert all(_answered(s) for s in held)
        with socket.create_connection((HOST, vault.port), timeout=5) as extra:
            assert not _answered(extra)  # closed without an answer: the server does not queue it
        held.pop().close()
        # The closed connection's thread frees its slot once it reads the close: new connections get in again.
        deadline = time.monotonic() + 5
        while not _retry(vault.port):
            assert time.monotonic() < deadline, "no connection served after one of the three closed"
        for s in held:
            s.close()
        assert len(_threads(vault.port)) <= 3
    finally:
        vault.stop()


def _retry(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=5) as s:
        return _answered(s)


def test_a_thread_that_cannot_start_loses_no_slot_and_no_later_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    vault = MockVault(scenario="perf-primary", max_connections=2).start()
    try:
        start = threading.Thread.start
        failures = []

        def refuse_once(self: threading.Thread) -> None:
            if self.name.startswith("replmock-connection-") and not failures:
                failures.append(self.name)
                raise RuntimeError("can't start new thread")
            start(self)

        monkeypatch.setattr(threading.Thread, "start", refuse_once)
        with socket.create_connection((HOST, vault.port), timeout=5) as refused:
            assert not _answered(refused)  # closed: no thread could serve it
        assert failures
        held = [socket.create_connection((HOST, vault.port), timeout=5) for _ in range(2)]
        assert all(_answered(s) for s in held)  # both slots are free again, and each connection has a thread
        with socket.create_connection((HOST, vault.port), timeout=5) as extra:
            assert not _answered(extra)  # and the cap is still two
        for s in held:
            s.close()
    finally:
        vault.stop()


def test_many_clients_at_once_never_make_more_threads_than_the_cap() -> None:
    cap = 4
    vault = MockVault(scenario="perf-primary", max_connections=cap).start()
    most, answered = 0, []
    try:

        def client() -> None:
            for _ in range(30):
                with contextlib.suppress(OSError), socket.create_connection((HOST, vault.port), timeout=5) as s:
                    answered.append(_answered(s))

        clients = [threading.Thread(target=client) for _ in range(12)]
        for c in clients:
            c.start()
        while any(c.is_alive() for c in clients):
            most = max(most, len(_threads(vault.port)))
            clients[0].join(timeout=0.001)
        assert _retry(vault.port)
    finally:
        vault.stop()
    assert 0 < most <= cap, most
    assert any(answered)
