"""Tracker overhead of sustainai next to codecarbon's OfflineEmissionsTracker.

Every run is a fresh Python process that executes the same fixed amount of CPU work (a
pure-Python loop) either bare, under ``sustainai.track``, or under codecarbon's
``OfflineEmissionsTracker``, each tracker writing its CSV to a temporary folder. The variants
alternate within each repeat, so slow drift of the shared machine hits them alike. Reported:

- import + start + stop: wall time of importing the tracker and of its start() and stop()
  calls, timed inside the process (the tracker's own cost to the job's wall time);
- wall added: whole-process wall time minus the median of the bare runs;
- CPU added: process user + system time minus the median of the bare runs;
- sampler CPU: CPU time of sustainai's sampler thread (``time.thread_time``);
- peak RSS and RSS added over the bare median (``ru_maxrss``).

Usage: python benchmarks/run.py --out docs/benchmarks/sustainai.md [--work-s 8] [--repeats 5]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("bare", "sustainai", "codecarbon")


def spin(iterations: int) -> int:
    total = 0
    for index in range(iterations):
        total += index * index % 7
    return total


def child(variant: str, iterations: int, folder: str) -> None:
    """Run one measured process and print its figures as one JSON line."""
    figures: dict[str, float | str] = {}
    begin = time.perf_counter()
    tracker = None
    if variant == "sustainai":
        import sustainai

        imported = time.perf_counter()
        tracker = sustainai.track(
            "bench", region="FRA", output=os.path.join(folder, "emissions.csv")
        )
        tracker.start()
    elif variant == "codecarbon":
        import logging

        from codecarbon import OfflineEmissionsTracker

        imported = time.perf_counter()
        tracker = OfflineEmissionsTracker(
            project_name="bench", country_iso_code="FRA", output_dir=folder, log_level="error"
        )
        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        tracker.start()
    else:
        imported = time.perf_counter()
    started = time.perf_counter()
    spin(iterations)
    worked = time.perf_counter()
    energy_kwh = None
    if variant == "sustainai":
        result = tracker.stop()
        energy_kwh = result.energy_kwh
        figures["sampler_cpu_s"] = tracker.sampler_cpu_s
        figures["energy_method"] = result.record["energy_method"]
    elif variant == "codecarbon":
        tracker.stop()
        energy_kwh = tracker.final_emissions_data.energy_consumed
    stopped = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures.update(
        import_s=imported - begin,
        start_s=started - imported,
        stop_s=stopped - worked,
        work_s=worked - started,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        energy_kwh=energy_kwh if energy_kwh is not None else float("nan"),
    )
    figures["overhead_s"] = figures["import_s"] + figures["start_s"] + figures["stop_s"]
    print(json.dumps(figures))


def measure(variant: str, iterations: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--iterations",
            str(iterations),
            "--folder",
            folder,
        ]
        begin = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        wall_s = time.perf_counter() - begin
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_s"] = wall_s
    return figures


def calibrate(work_s: float) -> int:
    iterations = 200_000
    while True:
        begin = time.process_time()
        spin(iterations)
        elapsed = time.process_time() - begin
        if elapsed > 0.3:
            return int(iterations * work_s / elapsed)
        iterations *= 2


def spread(values: list[float], digits: str = ".3f") -> str:
    return f"{statistics.median(values):{digits}} ({min(values):{digits}}–{max(values):{digits}})"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count()
    system = f"Linux {platform.release()}, Python {platform.python_version()}"
    return f"{model}, {cores} logical CPUs, {system}"


def render(
    runs: dict[str, list[dict[str, float]]],
    args: argparse.Namespace,
    iterations: int,
    load_start: float,
) -> str:
    from importlib.metadata import version

    bare_wall = statistics.median(run["wall_s"] for run in runs["bare"])
    bare_cpu = statistics.median(run["cpu_s"] for run in runs["bare"])
    bare_rss = statistics.median(run["peak_rss_mib"] for run in runs["bare"])
    rows = []
    added: dict[str, dict[str, float]] = {}
    for variant in VARIANTS:
        items = runs[variant]
        wall_added = [run["wall_s"] - bare_wall for run in items]
        cpu_added = [run["cpu_s"] - bare_cpu for run in items]
        rss_added = [run["peak_rss_mib"] - bare_rss for run in items]
        added[variant] = {
            "overhead_s": statistics.median(run["overhead_s"] for run in items),
            "rss_mib": statistics.median(rss_added),
            "cpu_s": statistics.median(cpu_added),
            "wall_s": statistics.median(wall_added),
        }
        rows.append(
            f"| {variant} | {spread([r['wall_s'] for r in items], '.2f')} | "
            f"{spread(wall_added, '.2f')} | {spread([r['import_s'] for r in items])} | "
            f"{spread([r['start_s'] for r in items])} | {spread([r['stop_s'] for r in items])} | "
            f"{spread([r['overhead_s'] for r in items])} | {spread(cpu_added)} | "
            f"{spread([r['peak_rss_mib'] for r in items], '.1f')} | {spread(rss_added, '.1f')} |"
        )
    ours = added["sustainai"]
    peer = added["codecarbon"]
    sampler = [run["sampler_cpu_s"] for run in runs["sustainai"]]
    job_cpu = [run["cpu_s"] for run in runs["sustainai"]]
    sampler_share = [100 * s / c for s, c in zip(sampler, job_cpu, strict=True)]
    energy_ours = [run["energy_kwh"] for run in runs["sustainai"]]
    energy_peer = [run["energy_kwh"] for run in runs["codecarbon"]]
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    methods = sorted({run["energy_method"] for run in runs["sustainai"]})
    if any(method.startswith("estimate") for method in methods):
        energy_note = (
            f"sustainai used {', '.join(methods)}, an estimate from busy CPU-seconds × 4 W "
            "plus resident memory × 0.3725 W/GB. Without RAPL, codecarbon estimates from its CPU "
            "power table and load, so the two are not expected to agree"
        )
    else:
        energy_note = f"sustainai used {', '.join(methods)}"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.0f}×" if b > 0 else "n/a (sustainai added nothing measurable)"

    # The workload's own CPU time varies from run to run (CPU frequency, steal time), so a
    # whole-process CPU difference smaller than the bare runs' spread is noise, not overhead.
    bare_cpu_spread = max(run["cpu_s"] for run in runs["bare"]) - min(
        run["cpu_s"] for run in runs["bare"]
    )
    if max(abs(peer["cpu_s"]), abs(ours["cpu_s"])) <= bare_cpu_spread:
        cpu_ratio = f"within noise (bare runs vary by {bare_cpu_spread:.2f} s)"
    else:
        cpu_ratio = ratio(peer["cpu_s"], ours["cpu_s"])

    lines = [
        "# sustainai tracker overhead next to codecarbon",
        "",
        "- Command: `python packages/sustainai/benchmarks/run.py "
        f"--out docs/benchmarks/sustainai.md --work-s {args.work_s:g} --repeats {args.repeats}`",
        f"- Date: {when}",
        f"- Machine: {machine()}. Load average (1 min) {load_start:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end; whole-process times vary with the machine's "
        "load, so medians and in-process timings are the robust figures.",
        f"- Peer: codecarbon {version('codecarbon')} "
        '`OfflineEmissionsTracker(country_iso_code="FRA")`, default settings (15 s '
        "measurement interval), CSV output to a temporary folder.",
        f'- sustainai {version("sustainable-ai")} `sustainai.track(region="FRA")`, default 1 s '
        "sampling interval, CSV output to a temporary folder.",
        f"- Workload: a pure-Python loop of {iterations:,} iterations (about {args.work_s:g} s "
        f"of CPU time), each run a fresh process; {args.repeats} repeats, variants alternating.",
        "",
        "Medians with min–max over the repeats. *Added* figures subtract the median of the "
        "bare runs.",
        "",
        "| variant | process wall (s) | wall added (s) | import (s) | start (s) | stop (s) | "
        "import + start + stop (s) | CPU added (s) | peak RSS (MiB) | RSS added (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Ratios (codecarbon ÷ sustainai, medians)",
        "",
        "| figure | codecarbon | sustainai | ratio | target |",
        "|---|---|---|---|---|",
        f"| import + start + stop wall time (s) | {peer['overhead_s']:.3f} | "
        f"{ours['overhead_s']:.3f} | {ratio(peer['overhead_s'], ours['overhead_s'])} | ≥ 10× |",
        f"| peak RSS added (MiB) | {peer['rss_mib']:.1f} | {ours['rss_mib']:.1f} | "
        f"{ratio(peer['rss_mib'], ours['rss_mib'])} | ≥ 5× |",
        f"| CPU time added (s) | {peer['cpu_s']:.3f} | {ours['cpu_s']:.3f} | {cpu_ratio} | |",
        "",
        f"sustainai's sampler thread used {spread(sampler, '.4f')} s of CPU time, "
        f"{spread(sampler_share, '.3f')} % of the job's CPU time (target: under 1 %). The "
        "sampler does a fixed amount of work per tick, so this share holds for longer jobs at "
        "the same interval.",
        "",
        f"Energy reported for the same work ({energy_note}): "
        f"sustainai {spread(energy_ours, '.3g')} kWh, "
        f"codecarbon {spread(energy_peer, '.3g')} kWh.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="markdown file to write")
    parser.add_argument("--work-s", type=float, default=8.0, help="CPU seconds of work per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per variant")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--iterations", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.iterations, args.folder)
        return
    if args.out is None:
        parser.error("--out is required")
    load_start = os.getloadavg()[0]
    iterations = calibrate(args.work_s)
    runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for repeat in range(args.repeats):
        order = VARIANTS[repeat % 3 :] + VARIANTS[: repeat % 3]
        for variant in order:
            runs[variant].append(measure(variant, iterations))
            print(
                f"repeat {repeat + 1}/{args.repeats} {variant}: {runs[variant][-1]}",
                file=sys.stderr,
            )
    text = render(runs, args, iterations, load_start)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_name(f".{args.out.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, args.out)
    print(text)


if __name__ == "__main__":
    main()
