"""``virtualflow plan``: print the virtual-node assignment for a set of devices."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from virtualflow.atomic import write_text_atomic
from virtualflow.commands.options import (
    check_node_batch,
    check_output_file,
    plan_from_options,
    positive_int,
)
from virtualflow.hetero import even_split_step_time_s, plan_heterogeneous
from virtualflow.plan import VirtualNodePlan
from virtualflow.throughput import ThroughputProfile

__all__ = ["register"]


def _profile_spec(text: str) -> tuple[str, int]:
    """Parse ``FILE[:COUNT]``. The count defaults to 1 and must be an integer >= 1.

    A value that names an existing file is a path even when it contains a colon.
    """
    path, separator, count_text = text.rpartition(":")
    if not separator or Path(text).is_file() or "/" in count_text:
        return text, 1
    try:
        count = int(count_text)
    except ValueError:
        count = 0
    if count < 1 or not path:
        msg = (
            f"expected FILE:COUNT with COUNT an integer >= 1, got {text!r}: "
            f"the device count {count_text!r} is invalid"
        )
        raise argparse.ArgumentTypeError(msg)
    return path, count


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "plan",
        help="assign virtual nodes to devices (homogeneous or from throughput profiles)",
        description=(
            "Print which device runs which virtual nodes. With --devices every device gets "
            "V / D nodes. With --profile (repeatable) the planner picks the assignment with the "
            "smallest predicted step time from measured throughput profiles."
        ),
    )
    parser.add_argument(
        "--global-batch", type=positive_int, required=True, help="examples per optimizer step (B)"
    )
    parser.add_argument(
        "--virtual-nodes",
        type=positive_int,
        help="number of virtual nodes (V); required except with --mode uneven",
    )
    devices = parser.add_mutually_exclusive_group(required=True)
    devices.add_argument(
        "--devices", type=positive_int, help="number of identical devices (D), dividing V"
    )
    devices.add_argument(
        "--profile",
        action="append",
        type=_profile_spec,
        metavar="FILE[:COUNT]",
        help="throughput profile JSON of one device type and how many such devices (default: 1)",
    )
    parser.add_argument(
        "--mode",
        choices=["equal", "uneven"],
        default="equal",
        help=(
            "equal: same-size virtual nodes, faster devices run more of them (default); "
            "uneven: one batch of its own size per device, no virtual nodes"
        ),
    )
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format of the plan on stdout (default: %(default)s)",
    )
    parser.add_argument(
        "--out", metavar="JSON", help="also write the plan report as JSON to this file"
    )
    parser.set_defaults(handler=run)


def _usage_error(message: str) -> int:
    print(f"virtualflow plan: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Build the plan, then print it as a table or one JSON object."""
    if args.mode == "equal" and args.virtual_nodes is None:
        return _usage_error("--virtual-nodes is required unless --mode uneven")
    if args.devices is not None and args.mode == "uneven":
        return _usage_error("--mode uneven needs --profile; identical devices split evenly")
    if args.out:
        check_output_file("--out", args.out)

    if args.devices is not None:
        plan = plan_from_options(
            args.global_batch,
            args.virtual_nodes,
            devices=args.devices,
            uneven_hint=", or describe unequal devices with --profile",
        )
        report = _homogeneous_report(plan)
    else:
        if args.mode == "equal":
            check_node_batch(args.global_batch, args.virtual_nodes, "--virtual-nodes")
        groups = [(ThroughputProfile.load(path), count) for path, count in args.profile]
        report = _heterogeneous_report(groups, args)

    if args.out:
        write_text_atomic(args.out, json.dumps(report, indent=2) + "\n")
    if args.format == "json":
        print(json.dumps(report))
    else:
        print(_format_table(report))
    return 0


def _homogeneous_report(plan: VirtualNodePlan) -> dict[str, Any]:
    devices = []
    for device in range(plan.num_devices):
        nodes = plan.nodes_of(device)
        devices.append(
            {
                "device": device,
                "device_type": None,
                "virtual_nodes": len(nodes),
                "first_node": nodes.start,
                "batch_size": plan.device_batch_sizes[device],
                "step_time_s": None,
            }
        )
    return {
        "mode": "homogeneous",
        "global_batch": plan.global_batch,
        "virtual_nodes": plan.virtual_nodes,
        "virtual_batch": plan.virtual_batch,
        "num_devices": plan.num_devices,
        "devices": devices,
        "plan": plan.to_dict(),
    }


def _heterogeneous_report(
    groups: list[tuple[ThroughputProfile, int]], args: argparse.Namespace
) -> dict[str, Any]:
    result = plan_heterogeneous(groups, args.global_batch, args.virtual_nodes, mode=args.mode)
    report = result.to_dict()
    if args.mode == "equal":
        plan = result.plan
        report["virtual_nodes"] = plan.virtual_nodes
        report["virtual_batch"] = plan.virtual_batch
        first_nodes = {
            device: plan.nodes_of(position).start
            for position, device in enumerate(result.active_devices)
        }
        for entry in report["devices"]:
            entry["first_node"] = first_nodes.get(entry["device"])
        even = even_split_step_time_s(groups, args.global_batch, args.virtual_nodes)
        report["even_split_step_time_s"] = even
        report["speedup_vs_even_split"] = even / result.step_time_s if even else None
    report["num_devices"] = len(result.device_types)
    report["active_devices"] = len(result.active_devices)
    return report


def _format_table(report: dict[str, Any]) -> str:
    lines = []
    if report["mode"] == "uneven":
        lines.append(
            f"global batch {report['global_batch']}, uneven per-device batches "
            "(gradients weighted by example share)"
        )
    else:
        lines.append(
            f"global batch {report['global_batch']}, {report['virtual_nodes']} virtual nodes of "
            f"{report['virtual_batch']} examples, {report['num_devices']} devices"
        )
    lines.extend(_device_rows(report))
    if "step_time_s" in report:
        lines.append(
            f"predicted step time {report['step_time_s']:.4g} s, "
            f"{report['examples_per_s']:.4g} examples/s"
        )
    if report.get("even_split_step_time_s"):
        lines.append(
            f"same number of nodes on every device: {report['even_split_step_time_s']:.4g} s "
            f"per step, so this plan is {report['speedup_vs_even_split']:.3g}x faster"
        )
    idle = report.get("num_devices", 0) - report.get("active_devices", report.get("num_devices"))
    if idle:
        lines.append(f"{idle} device(s) left idle: giving them work would not shorten the step")
    if report["mode"] == "equal":
        counts = ",".join(str(count) for count in report["plan"]["nodes_per_device"])
        lines.append(
            f"train with: virtualflow train --global-batch {report['global_batch']} "
            f"--virtual-nodes {report['virtual_nodes']} --nodes-per-device {counts}"
        )
    return "\n".join(lines)


def _device_rows(report: dict[str, Any]) -> list[str]:
    """Return the per-device table, header first, with the columns that fit the mode."""
    columns = [("device", "device")]
    if report["mode"] != "homogeneous":
        columns.append(("device_type", "type"))
    if report["mode"] != "uneven":
        columns += [("virtual_nodes", "virtual nodes"), ("first_node", "first node")]
    columns.append(("batch_size", "examples"))
    if report["mode"] != "homogeneous":
        columns.append(("step_time_s", "time (s)"))
    header = [title for _, title in columns]
    rows = []
    for entry in report["devices"]:
        row = []
        for key, _ in columns:
            value = entry.get(key)
            if value is None:
                row.append("-")
            elif isinstance(value, float):
                row.append(f"{value:.4g}")
            else:
                row.append(str(value))
        rows.append(row)

    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines
