import numpy as np
import pytest

from quclassi.backends import (
    BACKEND_NAMES,
    check_fidelity_inputs,
    check_shots,
    fidelities_from_p0,
    get_backend,
)
from quclassi.errors import (
    FidelityClippedWarning,
    InvalidInputError,
    MissingDependencyError,
    UnknownBackendError,
)


def test_registered_names():
    assert BACKEND_NAMES == ("analytic", "pennylane", "qiskit", "ionq")


def test_unknown_backend_lists_valid_names():
    with pytest.raises(UnknownBackendError, match="analytic, pennylane, qiskit, ionq"):
        get_backend("cirq")


def test_missing_dependency_names_pip_line(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def find_spec_without_qiskit_aer(name, *args):
        if name == "qiskit_aer":
            return None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_qiskit_aer)
    with pytest.raises(MissingDependencyError, match=r"pip install 'quclassi\[qiskit\]'") as info:
        get_backend("qiskit")
    assert isinstance(info.value, ImportError)


@pytest.mark.parametrize("shots", [0, -5, 2.5, True, "100"])
def test_invalid_shots_rejected(shots):
    with pytest.raises(InvalidInputError, match="shots must be a positive integer"):
        check_shots(shots)


def test_valid_shots_accepted():
    assert check_shots(None) is None
    assert check_shots(np.int64(100)) == 100


def test_fidelity_inputs_shape_checked():
    angles = np.zeros((3, 2, 2))
    with pytest.raises(InvalidInputError, match=r"\(n_classes, 6\)"):
        check_fidelity_inputs("sd", 2, np.zeros((2, 5)), angles)
    with pytest.raises(InvalidInputError, match=r"\(n_samples, 2, 2\)"):
        check_fidelity_inputs("sd", 2, np.zeros((2, 6)), np.zeros((3, 3, 2)))


def test_fidelities_from_p0_clips_once_with_warning():
    with pytest.warns(FidelityClippedWarning, match="2 of 3") as record:
        fidelities = fidelities_from_p0(np.array([0.4, 0.45, 0.75]))
    assert len(record) == 1
    # 2 * 0.75 - 1 = 0.5; the two estimates below 1/2 become 0, not NaN.
    np.testing.assert_allclose(fidelities, [0.0, 0.0, 0.5])
