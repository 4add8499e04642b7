"""S3 against a local moto_server: register a 1,000-object prefix; cache a 100 MiB object.

Run: `make bench` or `.venv/bin/python benchmarks/s3.py`. The server runs on
127.0.0.1, so the figures measure lineagedb's work and the API round trips,
not a real network.
"""

from __future__ import annotations

import os
import socket
import time

from _common import fresh_home, report

N_OBJECTS = 1000
BIG = 100 * 1024 * 1024
ROUNDS = 5


def main() -> None:
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
    )
    try:
        import lineagedb as ln

        folder = fresh_home()
        ln.settings.verbosity = "error"
        ln.setup.init(storage=folder / "data")
        client = boto3.client("s3")
        client.create_bucket(Bucket="bench")
        for round_index in range(ROUNDS):
            for index in range(N_OBJECTS):
                client.put_object(
                    Bucket="bench", Key=f"prefix{round_index}/{index}.txt", Body=f"{index}".encode()
                )
        register = []
        for round_index in range(ROUNDS):
            started = time.perf_counter()
            artifact = ln.Artifact(f"s3://bench/prefix{round_index}").save()
            register.append(time.perf_counter() - started)
            assert artifact.n_objects == N_OBJECTS

        client.put_object(Bucket="bench", Key="big.bin", Body=os.urandom(BIG))
        big = ln.Artifact("s3://bench/big.bin").save()
        first, again = [], []
        for _ in range(ROUNDS):
            cached = big.cache()
            os.remove(cached.path)
            started = time.perf_counter()
            big.cache()
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            big.cache()
            again.append(time.perf_counter() - started)
    finally:
        server.stop()
    print("S3 API: moto_server on 127.0.0.1")
    report(f"register a {N_OBJECTS}-object prefix (listing only)", register)
    report("cache() a 100 MiB object (download)", first)
    report("cache() again (unchanged: no download)", again)


if __name__ == "__main__":
    main()
