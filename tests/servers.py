"""Emulated cloud storage for the tests: buckets on moto (S3) and gcp-storage-emulator (GCS).

The servers themselves are session fixtures in conftest.py; these helpers
make buckets on them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3:
    """Buckets on the moto server; the AWS variables point at it during the test."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def bucket(self) -> str:
        """A new, empty bucket; returns ``s3://<name>``."""
        import boto3

        name = f"lineagedb-test-{uuid.uuid4().hex[:12]}"
        boto3.client("s3").create_bucket(Bucket=name)  # no region: moto's default
        return f"s3://{name}"

    def upload_folder(self, local: Path, url: str) -> None:
        from upath import UPath

        target = UPath(url)
        target.fs.put(str(local), target.path, recursive=True)
        target.fs.invalidate_cache()


class GCS:
    """Buckets on the GCS emulator, reached with per-storage options (no variables)."""

    def __init__(self, endpoint: str) -> None:
        self.options = {"endpoint_url": endpoint, "token": "anon"}

    def bucket(self) -> str:
        """A new, empty bucket; returns ``gs://<name>``."""
        import gcsfs

        name = f"lineagedb-test-{uuid.uuid4().hex[:12]}"
        gcsfs.GCSFileSystem(**self.options).mkdir(name)
        return f"gs://{name}"

    def upload_folder(self, local: Path, url: str) -> None:
        """Upload one file at a time: the emulator serves one request at a time, and
        gcsfs's concurrent put stalls on it for minutes."""
        import gcsfs

        fs = gcsfs.GCSFileSystem(**self.options)
        target = url.removeprefix("gs://")
        for file in sorted(p for p in local.rglob("*") if p.is_file()):
            fs.put_file(str(file), f"{target}/{file.relative_to(local).as_posix()}")
        fs.invalidate_cache()


class CountingProxy:
    """A TCP relay on 127.0.0.1 in front of a server that counts the bytes the server sends
    back: what a client really fetched, whatever its library reads ahead or caches."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit("//", 1)[-1].split(":")
        self.upstream = (host, int(port))
        self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            for source, target, counted in ((client, server, False), (server, client, True)):
                relay = threading.Thread(
                    target=self._relay, args=(source, target, counted), daemon=True
                )
                relay.start()
                self._threads.append(relay)

    def _relay(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while chunk := source.recv(1 << 16):
                if counted:
                    with self._lock:
                        self.received += len(chunk)
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept() (close alone does not)
        self._listener.close()
        for end in self._sockets:  # clients keep connections open in their pools
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        for relay in [self._accepting, *self._threads]:
            relay.join(timeout=5)
        for end in self._sockets:
            end.close()
