"""Where a page's time goes, in-process with cProfile: `python -m bench.profile PATH [--member] [--requests N]`.

Runs against the bench dataset of the current sizes (bench.dataset; build it first with `make bench-data`)
through Flask's test client, so what is measured is the app alone, without the server or the network.
"""

import argparse
import cProfile
import os
import pstats
import time

from . import dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--member", action="store_true", help="signed in as the most active member")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    data = dataset.ensure()
    os.environ["FORUM_DATABASE_URL"] = data.url
    from forum import create_app

    from .seed import BENCH_PASSWORD

    app = create_app({"WTF_CSRF_ENABLED": False})
    client = app.test_client()
    if args.member:
        from forum.auth.service import traps

        from .run import Facts

        traps.minimum_seconds = lambda form_name: 0  # a bot trap: the sign-in form sent at once is refused

        response = client.post("/login", data={"username": Facts.read(data.url).member, "password": BENCH_PASSWORD})
        assert response.status_code == 302, response.status_code
    for _ in range(3):  # warm up
        assert client.get(args.path).status_code == 200
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profile.disable()
    print(f"{args.path}: {(time.perf_counter() - started) / args.requests * 1000:.1f} ms a request under the profiler")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
