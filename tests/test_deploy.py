"""deploy/: the systemd units and the nginx site are what the README describes, and their own tools
accept them (`systemd-analyze verify`, `nginx -t`). make test installs both tools where missing."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from forum.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("forum*.*"))
VENV_BIN = "/srv/forum/venv/bin/"  # where the units expect the virtualenv the wheel was installed into
README = (PROJECT_ROOT / "README.md").read_text()


def _needs(program: str) -> str:
    path = shutil.which(program) or next((p for p in (f"/usr/sbin/{program}", f"/usr/bin/{program}")
                                          if Path(p).exists()), None)
    if not path:
        pytest.skip(f"{program} is not installed here (make test installs it: apt-get install {program})")
    return path


def _verify(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_needs("systemd-analyze"), "verify", *[f"./{unit.name}" for unit in UNITS]],
                          cwd=folder, capture_output=True, text=True)


@pytest.fixture
def units(tmp_path) -> Path:
    """The units, with the virtualenv's programs where this machine has them: systemd-analyze checks
    that each ExecStart's program exists. granian is the real one; forum-admin is the wheel's script,
    which tests/test_dist.py runs from an installed wheel, so here a stand-in is enough."""
    bin_ = tmp_path / "venv" / "bin"
    bin_.mkdir(parents=True)
    (bin_ / "granian").symlink_to(PROJECT_ROOT / ".venv" / "bin" / "granian")
    (bin_ / "forum-admin").write_text("#!/bin/sh\n")
    (bin_ / "forum-admin").chmod(0o755)
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(VENV_BIN, f"{bin_}/"))
    return tmp_path


def test_there_are_units_for_the_web_server_the_worker_and_the_backups():
    assert [unit.name for unit in UNITS] == ["forum-backup.service", "forum-backup.timer", "forum-worker.service",
                                             "forum.service"]


def test_systemd_accepts_every_unit(units):
    result = _verify(units)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_verify_would_catch_a_mistake(units):
    """The check above means something: a misspelt setting is reported."""
    (units / "forum.service").write_text((units / "forum.service").read_text().replace("StateDirectory=",
                                                                                         "StateDirectry="))
    assert "Unknown key 'StateDirectry'" in _verify(units).stderr


def _exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def test_the_web_unit_serves_with_the_flags_make_run_gives_granian():
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "run"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ")
    [line] = [line for line in recipe.splitlines() if "granian" in line]
    make_run = shlex.split(line[line.index("granian") + len("granian"):])
    unit = _exec_start("forum.service")
    assert unit[0] == f"{VENV_BIN}granian"

    def flags(args):  # where it listens differs (make run: PORT); how it serves must not
        return [a for i, a in enumerate(args) if a not in ("--host", "--port")
                and (i == 0 or args[i - 1] not in ("--host", "--port"))]
    assert flags(unit[1:]) == flags(make_run)


def _settings(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_the_worker_writes_its_metrics_where_the_web_server_reads_them_emptied_when_the_web_server_starts():
    """/metrics adds up the files of every process in PROMETHEUS_MULTIPROC_DIR: the worker's (jobs done,
    mail sent) must be there too. Neither unit's stop removes the folder (the other may still write to
    it); the web unit empties it before it starts, and restarting the web unit restarts the worker
    (PartOf), after it (After), so no process keeps writing to a file that was deleted."""
    web, worker = _settings("forum.service"), _settings("forum-worker.service")
    metrics_dir = "Environment=PROMETHEUS_MULTIPROC_DIR=/run/forum-metrics"
    assert metrics_dir in web and metrics_dir in worker
    for unit in (web, worker):
        assert "RuntimeDirectory=forum-metrics" in unit and "RuntimeDirectoryPreserve=yes" in unit
    [clean] = [line for line in web if line.startswith("ExecStartPre=")]
    assert clean == "ExecStartPre=/usr/bin/find /run/forum-metrics -mindepth 1 -delete"
    assert "PartOf=forum.service" in worker
    assert any(line.startswith("After=") and "forum.service" in line.split("=", 1)[1].split() for line in worker)


def test_the_worker_unit_runs_the_wheels_command():
    assert _exec_start("forum-worker.service") == [f"{VENV_BIN}forum-admin", "forum", "worker"]


def test_make_dev_starts_the_worker_too_as_make_run_does():
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "dev"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ").splitlines()
    [worker] = [line for line in recipe if " forum worker " in line]
    [server] = [line for line in recipe if " run --debug " in line]
    assert worker.endswith("--stop-with $PPID &")  # in the background, stopped once make ends
    assert recipe.index(worker) < recipe.index(server)
    metrics_dir = "PROMETHEUS_MULTIPROC_DIR=instance/metrics"
    assert metrics_dir in worker and metrics_dir in server


def _nginx_test(tmp_path, site: str) -> subprocess.CompletedProcess:
    """`nginx -t` on the site inside a minimal nginx.conf, with a throwaway certificate in place of
    Let's Encrypt's (nginx loads the files it names)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=forum.example.org", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    site = (site.replace("/etc/letsencrypt/live/forum.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/forum.example.org/privkey.pem", str(tmp_path / "key.pem")))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                                         f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n")
    return subprocess.run([_needs("nginx"), "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c",
                           str(tmp_path / "nginx.conf")], capture_output=True, text=True)


def test_nginx_accepts_the_example_site(tmp_path):
    site = (DEPLOY / "nginx" / "forum.conf").read_text()
    result = _nginx_test(tmp_path, site)
    assert (result.returncode, result.stderr) == (0, "")
    assert _nginx_test(tmp_path, site.replace("proxy_pass", "proxy_passs")).returncode != 0


def test_the_readme_shows_the_nginx_site_as_it_is_in_deploy():
    site = (DEPLOY / "nginx" / "forum.conf").read_text()
    without_comments = "\n".join(line for line in site.splitlines() if not line.startswith("#")) + "\n"
    blocks = re.findall(r"```nginx\n(.*?)```", README, re.S)
    assert without_comments in blocks


def test_the_scheduled_backup_keeps_the_newest_fourteen():
    [database, _uploads] = [line for line in _settings("forum-backup.service") if line.startswith("ExecStart=")]
    command = shlex.split(shlex.split(database.removeprefix("ExecStart="))[2])
    assert command[:4] == ["exec", f"{VENV_BIN}forum-admin", "forum", "backup"] and command[-2:] == ["--keep", "14"]
