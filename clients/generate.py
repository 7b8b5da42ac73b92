"""Generate the typed Python client from schema.graphql and clients/operations.

ariadne-codegen pins graphql-core and ruff versions that cannot live beside
the server's, so it runs from a tool virtualenv of its own (var/codegen-venv),
made on first use. The client it writes needs only httpx, pydantic and
websockets, which the server's environment has.

    python clients/generate.py            # rewrite clients/dermaga_client
    python clients/generate.py --out DIR  # write DIR/dermaga_client instead
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "clients" / "codegen.toml"
PACKAGE = "dermaga_client"
VENV = ROOT / "var" / "codegen-venv"
TOOL = "ariadne-codegen"
VERSION = "0.19.0"
# Signs in pip's output that the registry could not be reached at all.
OFFLINE_SIGNS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "NewConnectionError",
    "ConnectTimeoutError",
    "Read timed out",
)
# Runs inside the tool virtualenv: the checked-in settings, another target.
RUNNER = """
import sys
import toml
from ariadne_codegen.main import client

config = toml.load(sys.argv[1])
config["tool"]["ariadne-codegen"]["target_package_path"] = sys.argv[2]
client(config)
"""


class CodegenToolError(RuntimeError):
    """The code generator could not be installed or failed; `offline` if unreachable."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


def tool_python(venv: Path = VENV) -> Path:
    """The tool virtualenv's interpreter, with the pinned generator installed."""
    python = venv / "bin" / "python"
    if python.exists() and _installed_version(python) == VERSION:
        return python
    _run([sys.executable, "-m", "venv", "--clear", str(venv)], "create the venv")
    _run(
        [str(python), "-m", "pip", "install", "--quiet", f"{TOOL}=={VERSION}"],
        f"install {TOOL}",
    )
    return python


def generate(out: Path, *, python: Path | None = None) -> Path:
    """Write the client package into `out`, replacing one there; return its path."""
    interpreter = python or tool_python()
    target = out / PACKAGE
    with tempfile.TemporaryDirectory(prefix="codegen-") as scratch:
        _run(
            [str(interpreter), "-c", RUNNER, str(CONFIG), scratch],
            "generate the client",
        )
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(scratch) / PACKAGE, target)
    return target


def _installed_version(python: Path) -> str | None:
    ask = f"from importlib.metadata import version; print(version({TOOL!r}))"
    probe = subprocess.run(
        [str(python), "-c", ask],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        output = done.stdout + done.stderr
        offline = any(sign in output for sign in OFFLINE_SIGNS)
        raise CodegenToolError(f"could not {what}:\n{output}", offline=offline)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "clients")
    args = parser.parse_args(argv)
    try:
        target = generate(args.out)
    except CodegenToolError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
