import os

import pytest

from sustainai.errors import SensorError, TrackerConfigError
from sustainai.sensors.cputime import CpuTimeSensor, read_busy_cpu_seconds, read_used_memory_gb


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write_stat(proc, user, nice, system, idle, iowait, irq, softirq, steal):
    (proc / "stat").write_text(
        f"cpu  {user} {nice} {system} {idle} {iowait} {irq} {softirq} {steal} 0 0\n"
        "cpu0 0 0 0 0 0 0 0 0 0 0\nintr 0\n"
    )


def write_meminfo(proc, total_kib, available_kib):
    (proc / "meminfo").write_text(
        f"MemTotal: {total_kib} kB\nMemFree: 1 kB\nMemAvailable: {available_kib} kB\n"
    )


@pytest.fixture
def proc(tmp_path):
    write_stat(tmp_path, 1000, 0, 500, 9000, 100, 0, 0, 0)
    write_meminfo(tmp_path, 16_000_000, 16_000_000)
    return tmp_path


def test_busy_seconds_skip_idle_iowait_steal(tmp_path):
    write_stat(
        tmp_path, user=300, nice=20, system=100, idle=5000, iowait=70, irq=5, softirq=75, steal=900
    )
    # Busy jiffies: 300 + 20 + 100 + 5 + 75 = 500, at 100 per second.
    assert read_busy_cpu_seconds(tmp_path / "stat", 100) == 5.0


def test_used_memory_is_total_minus_available(tmp_path):
    write_meminfo(tmp_path, total_kib=10_000_000, available_kib=2_187_500)
    # (10_000_000 - 2_187_500) KiB * 1024 B = 8.0e9 B = 8.0 GB.
    assert read_used_memory_gb(tmp_path / "meminfo") == pytest.approx(8.0)


def test_machine_scope_gives_hand_computed_energy(proc):
    clock = FakeClock()
    sensor = CpuTimeSensor(
        scope="machine", ram_watts_per_gb=0.0, proc_root=proc, clock_ticks_per_s=100, clock=clock
    )
    sensor.start()
    # One hour on 2 CPUs at 50 % busy: 3600 busy CPU-seconds = 360_000 jiffies at 100 Hz,
    # split between user and system, plus idle and steal that must not count.
    write_stat(proc, 1000 + 200_000, 0, 500 + 160_000, 9000 + 360_000, 100, 0, 0, 50_000)
    clock.now += 3600.0
    result = sensor.stop()
    # 3600 CPU-s x 4 W = 14_400 J = 4 Wh = 0.004 kWh.
    assert result.cpu_energy_kwh == pytest.approx(0.004)
    assert result.ram_energy_kwh == 0.0
    assert result.measured is False
    assert result.energy_method == "estimate:cpu-time"
    assert "4 W per busy logical CPU" in result.assumptions["cpu"]


def test_machine_scope_ram_energy(proc):
    clock = FakeClock()
    write_meminfo(proc, 10_000_000, 2_187_500)
    sensor = CpuTimeSensor(scope="machine", proc_root=proc, clock_ticks_per_s=100, clock=clock)
    sensor.start()
    clock.now += 1800.0
    sensor.sample()
    clock.now += 1800.0
    result = sensor.stop()
    # 8 GB x 0.3725 W/GB x 3600 s = 10_728 J = 0.00298 kWh.
    assert result.ram_energy_kwh == pytest.approx(0.00298)
    assert result.cpu_energy_kwh == 0.0
    assert result.samples == 3


def test_process_scope_counts_children_only(proc):
    clock = FakeClock()
    readings = iter(
        [
            os.times_result((5.0, 1.0, 2.0, 0.5, 0.0)),
            os.times_result((9.0, 2.0, 2.0 + 6.0, 0.5 + 1.5, 0.0)),
        ]
    )
    sensor = CpuTimeSensor(
        scope="process",
        watts_per_core=10.0,
        ram_watts_per_gb=0.0,
        include_self=False,
        proc_root=proc,
        clock=clock,
        times=lambda: next(readings),
        process_time=lambda: 1000.0,
    )
    sensor.start()
    clock.now += 60.0
    result = sensor.stop()
    # Children used 6.0 + 1.5 = 7.5 CPU-s; at 10 W that is 75 J; the parent's 5 s are ignored.
    assert result.cpu_energy_kwh == pytest.approx(75 / 3.6e6)


def test_process_scope_samples_own_memory():
    sensor = CpuTimeSensor(scope="process", watts_per_core=0.0)
    sensor.start()
    result = sensor.stop()
    assert result.ram_energy_kwh >= 0.0
    assert "resident set size" in result.assumptions["ram"]


def test_unknown_scope_rejected():
    with pytest.raises(TrackerConfigError, match="scope must be one of"):
        CpuTimeSensor(scope="cluster")


def test_negative_watts_rejected():
    with pytest.raises(TrackerConfigError, match="watts_per_core"):
        CpuTimeSensor(watts_per_core=-1.0)


def test_stat_without_cpu_line(tmp_path):
    (tmp_path / "stat").write_text("intr 0\n")
    with pytest.raises(SensorError, match="no aggregate 'cpu' line"):
        read_busy_cpu_seconds(tmp_path / "stat", 100)


def test_machine_scope_utilisation_and_memory(proc, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    clock = FakeClock()
    write_meminfo(proc, 10_000_000, 2_187_500)
    sensor = CpuTimeSensor(scope="machine", proc_root=proc, clock_ticks_per_s=100, clock=clock)
    sensor.start()
    write_stat(proc, 1000 + 36_000, 0, 500, 9000, 100, 0, 0, 0)
    clock.now += 360.0
    result = sensor.stop()
    # 360 busy CPU-seconds over 360 s on 2 CPUs is 50 % busy; memory stayed at 8 GB.
    assert result.cpu_utilization_percent == pytest.approx(50.0)
    assert result.ram_used_gb == pytest.approx(8.0)
