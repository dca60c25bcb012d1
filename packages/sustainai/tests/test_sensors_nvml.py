import sys
import types

import pytest

from sustainai.errors import SensorError
from sustainai.sensors import nvml
from sustainai.sensors.nvml import NvmlSensor, probe_nvml

# The real check, kept before the fixture below replaces it.
CHECK_DRIVER = nvml._check_driver


@pytest.fixture(autouse=True)
def driver_present(monkeypatch):
    # The fake pynvml module replaces the driver as well, on machines without one.
    monkeypatch.setattr(nvml, "_check_driver", lambda: None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fake_pynvml(devices, energy_mj=None, power_mw=None, init_error=None):
    """Build a stand-in for the pynvml module with the calls the sensor makes."""
    module = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    module.NVMLError = NVMLError
    module.shutdowns = 0

    def init():
        if init_error:
            raise NVMLError(init_error)

    def shutdown():
        module.shutdowns += 1

    def total_energy(handle):
        if energy_mj is None:
            message = "Not Supported"
            raise NVMLError(message)
        return energy_mj[handle]

    module.nvmlInit = init
    module.nvmlShutdown = shutdown
    module.nvmlDeviceGetCount = lambda: len(devices)
    module.nvmlDeviceGetHandleByIndex = lambda index: index
    module.nvmlDeviceGetName = lambda handle: devices[handle].encode()
    module.nvmlDeviceGetTotalEnergyConsumption = total_energy
    module.nvmlDeviceGetPowerUsage = lambda handle: power_mw[handle]
    return module


def test_energy_counters_give_delta(monkeypatch):
    energy = [1_000, 50]
    module = fake_pynvml(["NVIDIA A100", "NVIDIA A100"], energy_mj=energy)
    monkeypatch.setitem(sys.modules, "pynvml", module)
    clock = FakeClock()
    sensor = NvmlSensor(clock=clock)
    sensor.start()
    energy[0] += 3_600_000
    energy[1] += 1_800_000
    clock.now = 60.0
    result = sensor.stop()
    # 5_400_000 mJ = 5400 J = 1.5 Wh; 1 kWh = 3.6e9 mJ.
    assert result.gpu_energy_kwh == pytest.approx(0.0015)
    assert result.gpu_count == 2
    assert result.gpu_model == "NVIDIA A100, NVIDIA A100"
    assert result.measured is True
    assert module.shutdowns == 1


def test_power_draw_integrated_without_counter(monkeypatch):
    power = [200_000]
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(["Tesla K80"], power_mw=power))
    clock = FakeClock()
    sensor = NvmlSensor(clock=clock)
    sensor.start()
    clock.now = 1800.0
    sensor.sample()
    power[0] = 100_000
    clock.now = 3600.0
    result = sensor.stop()
    # Trapezoids: 200 W for 1800 s, then (200 + 100) / 2 W for 1800 s = 630_000 J = 0.175 kWh.
    assert result.gpu_energy_kwh == pytest.approx(0.175)
    assert "power draw integrated" in result.assumptions["gpu"]


def test_probe_without_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)
    status = probe_nvml()
    assert status.available is False
    assert "nvidia-ml-py is not installed" in status.reason


def test_probe_without_driver(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([], init_error="Driver Not Loaded"))
    status = probe_nvml()
    assert status.available is False
    assert "Driver Not Loaded" in status.reason


def test_start_without_gpu_raises(monkeypatch):
    module = fake_pynvml([])
    monkeypatch.setitem(sys.modules, "pynvml", module)
    with pytest.raises(SensorError, match="no NVIDIA GPU"):
        NvmlSensor().start()
    assert module.shutdowns == 1


def test_probe_lists_gpus(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(["NVIDIA H100"], energy_mj=[0]))
    status = probe_nvml()
    assert status.available is True
    assert status.devices == ("NVIDIA H100",)


def test_missing_driver_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(SensorError, match="no NVIDIA driver is loaded"):
        CHECK_DRIVER(tmp_path / "driver-nvidia")
    CHECK_DRIVER(tmp_path)


def test_failed_last_reading_keeps_earlier_energy(monkeypatch):
    energy = [0]
    module = fake_pynvml(["NVIDIA A100"], energy_mj=energy)
    monkeypatch.setitem(sys.modules, "pynvml", module)
    sensor = NvmlSensor(clock=FakeClock())
    sensor.start()
    energy[0] = 3_600_000
    sensor.sample()

    def lost(handle):
        message = "GPU is lost"
        raise module.NVMLError(message)

    module.nvmlDeviceGetTotalEnergyConsumption = lost
    result = sensor.stop()
    # 3_600_000 mJ = 1 Wh was read before the GPU was lost.
    assert result.gpu_energy_kwh == pytest.approx(0.001)
    assert "GPU is lost" in result.assumptions["last reading"]
    assert module.shutdowns == 1
