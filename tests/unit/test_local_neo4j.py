"""The launcher's pieces that need no JVM: generated conf, command lines, probes and pid safety."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_service.neo4j_local import LauncherError, LaunchOptions, LocalNeo4j, PrerequisiteMissing
from graph_service.neo4j_local.bolt import bolt_answers, port_is_free
from graph_service.neo4j_local.conf import (
    JVM_FLAGS,
    SERVER_MAIN,
    admin_environment,
    render_conf,
    server_command,
)
from graph_service.neo4j_local.launcher import State
from graph_service.neo4j_local.prereqs import ensure_jars, find_java
from graph_service.neo4j_local.process import is_alive, is_our_server, read_pid


def options(tmp_path: Path, **overrides: object) -> LaunchOptions:
    values: dict[str, object] = {
        "home": tmp_path / "home",
        "lib_dir": tmp_path / "jars",
        "bolt_port": 7711,
        "heap": "384m",
        "pagecache": "96m",
        "password": "a-long-password",
    }
    values.update(overrides)
    return LaunchOptions(**values)  # type: ignore[arg-type]


def conf_settings(text: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            parsed.setdefault(key, []).append(value)
    return parsed


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on a free loopback port, holding it until the test closes it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server
    server.close()


@pytest.fixture
def non_bolt_listener(listener: socket.socket) -> socket.socket:
    """A listener that answers its first connection the way an HTTP server would, then hangs up."""

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(20)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    return listener


def test_conf_listens_on_loopback_only_with_auth_on_and_usage_reporting_off(tmp_path: Path) -> None:
    conf = conf_settings(render_conf(options(tmp_path)))
    expected = {
        "server.default_listen_address": ["127.0.0.1"],
        "server.bolt.listen_address": ["127.0.0.1:7711"],
        "server.http.enabled": ["false"],
        "server.https.enabled": ["false"],
        "dbms.security.auth_enabled": ["true"],
        "dbms.usage_report.enabled": ["false"],
        "server.memory.heap.max_size": ["384m"],
        "server.memory.pagecache.size": ["96m"],
        "server.directories.data": [str(tmp_path / "home" / "data")],
    }
    assert {key: conf.get(key) for key in expected} == expected


def test_conf_enables_http_on_loopback_only_when_a_port_is_asked_for(tmp_path: Path) -> None:
    conf = conf_settings(render_conf(options(tmp_path, http_port=7475)))
    assert (conf["server.http.enabled"], conf["server.http.listen_address"]) == (["true"], ["127.0.0.1:7475"])


def test_conf_records_the_official_jvm_flags_including_the_module_opens(tmp_path: Path) -> None:
    flags = conf_settings(render_conf(options(tmp_path)))["server.jvm.additional"]
    assert flags == list(JVM_FLAGS)
    assert {
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    } <= set(flags)


def test_server_command_runs_the_entry_point_from_the_shared_jars_with_the_heap(tmp_path: Path) -> None:
    opts = options(tmp_path)
    command = server_command(opts, "/usr/bin/java")
    assert command[:3] == ["/usr/bin/java", "-Xms384m", "-Xmx384m"], command
    assert command[-4:] == [
        f"{tmp_path / 'jars'}/*",
        SERVER_MAIN,
        f"--home-dir={tmp_path / 'home'}",
        f"--config-dir={tmp_path / 'home' / 'conf'}",
    ], command
    assert set(JVM_FLAGS) <= set(command)


def test_admin_tool_gets_only_the_home_and_conf_variables(tmp_path: Path) -> None:
    assert admin_environment(options(tmp_path)) == {
        "NEO4J_HOME": str(tmp_path / "home"),
        "NEO4J_CONF": str(tmp_path / "home" / "conf"),
    }


def test_relative_paths_are_made_absolute_so_a_later_stop_finds_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    opts = LaunchOptions(home=Path(".neo4j"), lib_dir=Path(".neo4j/lib"))
    assert (opts.home, opts.lib_dir) == (tmp_path / ".neo4j", tmp_path / ".neo4j" / "lib")


def test_bolt_probe_is_false_for_a_non_bolt_listener_and_for_a_closed_port(
    non_bolt_listener: socket.socket,
) -> None:
    port = non_bolt_listener.getsockname()[1]
    assert bolt_answers(port, timeout_s=2.0) is False
    non_bolt_listener.close()
    assert bolt_answers(port, timeout_s=0.5) is False


def test_a_port_held_by_a_listener_is_not_free(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    assert port_is_free(port) is False
    listener.close()
    assert port_is_free(port) is True


def test_start_refuses_a_busy_port_without_leaving_a_process_or_pid_file(
    tmp_path: Path, listener: socket.socket
) -> None:
    shared_lib = Path(__file__).resolve().parents[2] / ".neo4j" / "lib"
    try:
        find_java("java")
    except PrerequisiteMissing as missing:
        pytest.skip(f"needs java on PATH: {missing.detail}")
    if not any(shared_lib.glob("neo4j-*.jar")):
        pytest.skip(f"needs the Neo4j jars in {shared_lib}")
    port = listener.getsockname()[1]
    launcher = LocalNeo4j(options(tmp_path, lib_dir=shared_lib, bolt_port=port))
    with pytest.raises(LauncherError, match=f"port {port} on 127.0.0.1 is already in use") as exc:
        launcher.start()
    assert "GRAPH_SERVICE_NEO4J_BOLT_PORT" in str(exc.value)
    assert not launcher.options.pid_file.exists()
    assert launcher.status().state is State.NOT_RUNNING


def test_a_garbled_pid_file_means_no_pid(tmp_path: Path) -> None:
    pid_file = tmp_path / "neo4j.pid"
    pid_file.write_text("not-a-pid\n")
    assert read_pid(pid_file) is None
    assert read_pid(tmp_path / "missing.pid") is None


def test_stop_leaves_a_live_process_alone_when_the_pid_file_names_something_else(tmp_path: Path) -> None:
    # After a reboot the pid in a stale pid file can belong to anything; `stop` must not end it.
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        launcher = LocalNeo4j(options(tmp_path))
        launcher.options.run_dir.mkdir(parents=True)
        launcher.options.pid_file.write_text(f"{bystander.pid}\n")
        assert is_our_server(bystander.pid, launcher.options.home) is False
        result = launcher.stop()
        assert (result.was_running, is_alive(bystander.pid)) == (False, True), result
        assert "stale pid file" in result.message and not launcher.options.pid_file.exists(), result
    finally:
        bystander.kill()
        bystander.wait()


def test_stop_when_nothing_was_started_says_so(tmp_path: Path) -> None:
    result = LocalNeo4j(options(tmp_path)).stop()
    assert (result.pid, result.was_running) == (None, False)
    assert "not running" in result.message and "nothing to stop" in result.message, result.message


def test_jar_download_refuses_to_touch_a_directory_of_other_files(tmp_path: Path) -> None:
    lib = tmp_path / "jars"
    lib.mkdir()
    (lib / "notes.txt").write_text("mine")
    with pytest.raises(PrerequisiteMissing, match="holds files but no Neo4j jars"):
        ensure_jars(options(tmp_path, pom=Path(__file__)), echo=lambda _line: None)
    assert (lib / "notes.txt").read_text() == "mine"


def test_a_missing_java_is_a_prerequisite_error_naming_the_setting() -> None:
    with pytest.raises(PrerequisiteMissing, match="GRAPH_SERVICE_NEO4J_JAVA"):
        find_java("/nonexistent/bin/java")
