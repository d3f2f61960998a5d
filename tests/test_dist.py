"""The release artefact: `make dist`'s wheel, installed into a fresh virtualenv outside the source tree,
serves the forum with no Node, no checkout and no wsgi.py (README "Deploying").

Offline and honest about it: the wheel is built with the recipe's own pip line (setuptools pinned in
requirements-dev.txt, no build isolation, so nothing is downloaded) from a copy of the files it is
built from, and installed with `pip install --no-index --no-deps`. Its dependencies are the pinned ones
the test run already has (requirements.txt, installed by pip into .venv): the fresh virtualenv sees
them through a .pth file, the way `--system-site-packages` would show a system's, and `pip check`
then proves that the wheel's declared dependencies are all met by them."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from forum.config import PROJECT_ROOT
from tests.app_servers import free_port

# What the wheel is built from: everything else in the checkout (tests/, bench/, node_modules/) stays out.
SOURCES = ["pyproject.toml", "setup.py", "README.md", "requirements.txt", "forum", "templates", "static", "migrations"]


def _recipe(target: str) -> list[str]:
    return subprocess.run(["make", "--no-print-directory", "-n", "-B", target], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout.splitlines()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built by `make dist`'s pip line in a copy of its sources."""
    if not (PROJECT_ROOT / "static" / "vendor" / "htmx.min.js").is_file():
        pytest.fail("static/vendor/ is not built: `make install-run` (npm) builds it before make dist")
    [line] = [line for line in _recipe("dist") if " pip wheel " in line]
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (PROJECT_ROOT / name).is_dir() else shutil.copy
        copy(PROJECT_ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                                     if copy is shutil.copytree else {}))
    command = line.replace("$(BIN)/python", sys.executable).replace(".venv/bin/python", sys.executable).split()
    subprocess.run(command, cwd=source, check=True, capture_output=True, text=True)
    [built] = (source / "dist").glob("forum-*.whl")
    return built


def test_the_wheel_carries_the_templates_the_migrations_and_the_built_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ["forum/templates/base.html", "forum/templates/threads/show.html", "forum/static/vendor/htmx.min.js",
                 "forum/static/vendor/hx-ptag.min.js", "forum/static/css/forum.css", "forum/migrations/env.py",
                 "forum/migrations/alembic.ini", "forum/demo/data/forum.toml"]:
        assert path in names, path
    migrations = {p.name for p in (PROJECT_ROOT / "migrations" / "versions").glob("*.py")}
    assert migrations and migrations == {Path(n).name for n in names if n.startswith("forum/migrations/versions/")}
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "bench/"))]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    pinned = [line for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
              if line and not line.startswith("#")]
    assert {f"Requires-Dist: {line}" for line in pinned} <= set(metadata.splitlines())
    assert "forum-admin = forum.cli:main" in zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("/entry_points.txt"))).decode()


def test_the_installed_wheel_serves_the_forum_outside_the_source_tree(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # The pinned dependencies, as pip installed them from requirements.txt for this test run.
    (Path(site) / "pinned_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = tmp_path / "host"  # a deploy host's working folder: no checkout in sight
    home.mkdir()
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("FORUM_", "FLASK_", "PYTHON", "PROMETHEUS_"))}
    environment.update({"FORUM_INSTANCE_PATH": str(tmp_path / "instance"), "FORUM_LOCAL_HTTP": "true",
                        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    (tmp_path / "metrics").mkdir()

    def run(*command):
        result = subprocess.run(command, cwd=home, env=environment, capture_output=True, text=True)
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
        return result.stdout

    run(str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", str(wheel))
    run(str(python), "-m", "pip", "check")  # every Requires-Dist met by the pinned packages
    where = run(str(python), "-c", "import forum, forum.config as c; print(forum.__file__); "
                "print(c.bundled('templates')); print(c.instance_path())").split()
    assert [Path(p).is_relative_to(site) for p in where[:2]] == [True, True], where
    assert where[2] == str(tmp_path / "instance")
    # The console script the wheel brings: Flask's CLI with the app set, migrations found in the package.
    run(str(venv / "bin" / "forum-admin"), "db", "upgrade")
    assert "Back up the database" in run(str(venv / "bin" / "forum-admin"), "forum", "backup", "--help")
    assert (tmp_path / "instance" / "forum.sqlite3").is_file()

    port = free_port()
    log = (tmp_path / "granian.log").open("w")
    server = subprocess.Popen([str(python), "-m", "granian", "--interface", "rsgi", "--factory", "--no-ws",
                               "--host", "127.0.0.1", "--port", str(port), "forum.serving:create_server"],
                              cwd=home, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (tmp_path / "granian.log").read_text()
            try:
                ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "granian.log").read_text()
                time.sleep(0.2)
        assert ready.status == 200  # the database answers, at the head of the migrations the wheel carries
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        html = page.read().decode()
        assert page.status == 200 and "<html" in html
        script = re.search(r'src="(/static/vendor/htmx\.min\.js[^"]*)"', html)
        assert script, "the page loads htmx from the package's static files"
        htmx = urllib.request.urlopen(f"http://127.0.0.1:{port}{script.group(1)}", timeout=5).read()
        assert htmx == (PROJECT_ROOT / "static" / "vendor" / "htmx.min.js").read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
