#!/usr/bin/env python3
"""Regenerate the demo registry (演示数据) in assets/registry/ (deterministic for a given seed).

Usage: .venv/bin/python scripts/make_demo_registry.py [--seed N] [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.demo_registry import DEFAULT_SEED, write_demo_registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", default=str(ROOT / "assets" / "registry"))
    args = parser.parse_args()
    counts = write_demo_registry(args.out, seed=args.seed)
    print(", ".join(f"{name} {n}" for name, n in counts.items()))


if __name__ == "__main__":
    main()
