"""``sustainai doctor``: list the energy sensors usable on this machine, and why others are not."""

from __future__ import annotations

import argparse
import json

from sustainai.sensors import DEFAULT_POWERCAP_ROOT, probe_all

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="list the energy sensors usable here and why the others are not",
        description=(
            "Probe RAPL (CPU and DRAM energy counters), NVML (NVIDIA GPUs) and the CPU-time "
            "estimator, in the tracker's order of preference, and say what the tracker would use."
        ),
    )
    parser.add_argument(
        "--powercap-root",
        default=str(DEFAULT_POWERCAP_ROOT),
        help=f"folder holding the RAPL zones (default: {DEFAULT_POWERCAP_ROOT})",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format: table or json (one JSON object on stdout) (default: table)",
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    statuses = probe_all(args.powercap_root)
    usable = {status.name for status in statuses if status.available}
    methods = [name for name in ("rapl", "nvml") if name in usable]
    if "rapl" not in usable:
        methods.insert(0, "estimate:cpu-time")
    measured = "estimate:cpu-time" not in methods
    if args.format == "json":
        document = {
            "sensors": [
                {
                    "name": status.name,
                    "available": status.available,
                    "measured": status.measured,
                    "reason": status.reason,
                    "devices": list(status.devices),
                }
                for status in statuses
            ],
            "energy_method": "+".join(methods),
            "measured": measured,
        }
        print(json.dumps(document, indent=2))
        return 0
    for status in statuses:
        state = "usable" if status.available else "unusable"
        kind = "measures" if status.measured else "estimates"
        print(f"{status.name:9} {state:9} {kind:9} {status.reason}")
        for device in status.devices:
            print(f"{'':29} {device}")
    verdict = "measured" if measured else "ESTIMATE: no power sensor covers the CPU"
    print(f"tracker would use: {'+'.join(methods)} ({verdict})")
    return 0
