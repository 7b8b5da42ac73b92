"""Where uploaded files live: addressed by the SHA-256 of their bytes.

The same bytes are stored once, whoever uploads them; a file is never
changed in place, so a reader never sees half of one. The protocol is what
an object store (S3 and the like, keyed by the digest) would implement too.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_DIGEST = re.compile(r"[0-9a-f]{64}")


class StoredFileMissingError(LookupError):
    """No file with that digest is in the store."""


class FileStore(Protocol):
    """Immutable blobs by SHA-256 hex digest."""

    async def put(self, content: bytes) -> str:
        """Store the bytes (once) and return their SHA-256 hex digest."""
        ...

    async def get(self, digest: str) -> bytes:
        """The bytes stored under the digest; StoredFileMissingError if none."""
        ...


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class LocalFileStore:
    """A directory tree `root/ab/cd/<digest>`, written atomically by rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, content: bytes) -> str:
        digest = sha256_of(content)
        await asyncio.to_thread(self._write, digest, content)
        return digest

    async def get(self, digest: str) -> bytes:
        return await asyncio.to_thread(self._read, digest)

    def path_of(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise StoredFileMissingError(f"{digest!r} is not a SHA-256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def _write(self, digest: str, content: bytes) -> None:
        target = self.path_of(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: rename is atomic on POSIX.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _read(self, digest: str) -> bytes:
        try:
            return self.path_of(digest).read_bytes()
        except FileNotFoundError as error:
            raise StoredFileMissingError(digest) from error
