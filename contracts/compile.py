"""Compile the anchor contract into its committed artifact; `--check` fails when they differ.

Run `python -m contracts.compile` after changing `contracts/Anchor.vy`, and commit the result:
the app deploys the committed bytecode and never needs the compiler at run time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "Anchor.vy"
ARTIFACT = HERE / "artifacts" / "Anchor.json"
# Cancun runs on every current node (py-evm's Prague VM, anvil, public testnets) and gives
# the same bytecode on every machine; the compiler's own default moves with its releases.
EVM_VERSION = "cancun"


def compile_anchor(source: Path = SOURCE) -> dict[str, Any]:
    """Compile the Vyper source into the artifact's content: ABI, bytecode and compiler."""
    import vyper
    from vyper.compiler import compile_code
    from vyper.compiler.settings import OptimizationLevel, Settings

    settings = Settings(evm_version=EVM_VERSION, optimize=OptimizationLevel.GAS)
    output = compile_code(
        source.read_text(encoding="utf-8"),
        contract_path=source.name,
        settings=settings,
        output_formats=["abi", "bytecode", "bytecode_runtime"],
    )
    return {
        "contract_name": source.stem,
        "source": source.name,
        "compiler": f"vyper {vyper.__version__}",
        "evm_version": EVM_VERSION,
        "abi": output["abi"],
        "bytecode": output["bytecode"],
        "bytecode_runtime": output["bytecode_runtime"],
    }


def render(artifact: dict[str, Any]) -> str:
    """Serialise an artifact the same way every time, so a diff means a real change."""
    return json.dumps(artifact, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_artifact(path: Path = ARTIFACT) -> dict[str, Any]:
    """Read the committed artifact that the chain adapters deploy."""
    artifact: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return artifact


def main(argv: list[str] | None = None) -> int:
    """Write the artifact, or with `--check` report whether the committed one is current."""
    parser = argparse.ArgumentParser(prog="python -m contracts.compile", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the committed artifact is stale"
    )
    args = parser.parse_args(argv)
    fresh = render(compile_anchor())
    if args.check:
        current = ARTIFACT.read_text(encoding="utf-8") if ARTIFACT.exists() else ""
        if current != fresh:
            print(
                f"{ARTIFACT} differs from a fresh compile of {SOURCE.name}; run "
                "`python -m contracts.compile` and commit it.",
                file=sys.stderr,
            )
            return 1
        print(f"{ARTIFACT.name} is current.")
        return 0
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(fresh, encoding="utf-8")
    print(f"wrote {ARTIFACT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
