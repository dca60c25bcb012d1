import json

import numpy as np
import pytest

import quclassi
from quclassi import QuClassiClassifier
from quclassi.errors import (
    InvalidInputError,
    InvalidStructureError,
    MissingDependencyError,
    ModelFileError,
    NotFittedError,
    SchemaVersionError,
    UnknownBackendError,
)


@pytest.fixture(scope="module")
def digits_36():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    mask = np.isin(y, [3, 6])
    return train_test_split(x[mask], y[mask], test_size=0.25, random_state=0, stratify=y[mask])


@pytest.fixture(scope="module")
def fitted(digits_36):
    x_train, _, y_train, _ = digits_36
    return QuClassiClassifier(pca=4, epochs=60, random_state=0).fit(x_train, y_train)


def test_classifier_is_lazy_attribute():
    assert quclassi.QuClassiClassifier is QuClassiClassifier


def test_digits_36_accuracy(fitted, digits_36):
    _, x_test, _, y_test = digits_36
    # 3s and 6s of sklearn digits separate well after PCA to 4 components.
    assert fitted.score(x_test, y_test) >= 0.95


def test_fitted_attributes(fitted):
    assert fitted.n_qubits_ == 2
    # Two classes x structure sd on 2 qubits (6 parameters each).
    assert fitted.n_parameters_ == 12
    assert fitted.params_.shape == (2, 6)
    assert fitted.classes_.tolist() == [3, 6]
    assert fitted.n_features_in_ == 64
    assert len(fitted.loss_history_) == 60
    assert fitted.loss_history_[-1] < fitted.loss_history_[0]


def test_predict_proba_normalised_fidelities(fitted, digits_36):
    _, x_test, _, _ = digits_36
    probabilities = fitted.predict_proba(x_test)
    fidelities = fitted.fidelities(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(probabilities, fidelities / fidelities.sum(axis=1, keepdims=True))
    predicted = fitted.predict(x_test)
    np.testing.assert_array_equal(predicted, fitted.classes_[np.argmax(fidelities, axis=1)])


def test_same_seed_same_parameters(digits_36):
    x_train, _, y_train, _ = digits_36
    first = QuClassiClassifier(pca=4, epochs=5, batch_size=32, random_state=7).fit(x_train, y_train)
    second = QuClassiClassifier(pca=4, epochs=5, batch_size=32, random_state=7).fit(
        x_train, y_train
    )
    third = QuClassiClassifier(pca=4, epochs=5, batch_size=32, random_state=8).fit(x_train, y_train)
    np.testing.assert_array_equal(first.params_, second.params_)
    assert not np.array_equal(first.params_, third.params_)


def test_same_seed_same_parameters_with_shots(digits_36):
    x_train, _, y_train, _ = digits_36
    settings = {"pca": 4, "epochs": 2, "shots": 2000, "random_state": 3}
    with pytest.warns(quclassi.errors.FidelityClippedWarning):
        first = QuClassiClassifier(**settings).fit(x_train[:40], y_train[:40])
    with pytest.warns(quclassi.errors.FidelityClippedWarning):
        second = QuClassiClassifier(**settings).fit(x_train[:40], y_train[:40])
    np.testing.assert_array_equal(first.params_, second.params_)


def test_save_load_identical_predictions(fitted, digits_36, tmp_path):
    _, x_test, _, _ = digits_36
    path = tmp_path / "model.json"
    fitted.save(path)
    loaded = QuClassiClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict(x_test), fitted.predict(x_test))
    np.testing.assert_array_equal(loaded.predict_proba(x_test), fitted.predict_proba(x_test))
    assert loaded.get_params() == fitted.get_params()
    assert loaded.loss_history_ == fitted.loss_history_


def test_save_load_string_labels(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (20, 2))
    y = np.where(x[:, 0] > 0.5, "high", "low")
    model = QuClassiClassifier(structure="s", epochs=3, random_state=0).fit(x, y)
    model.save(tmp_path / "m.json")
    loaded = QuClassiClassifier.load(tmp_path / "m.json")
    assert loaded.classes_.tolist() == ["high", "low"]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_load_other_schema_version_rejected(fitted, tmp_path):
    path = tmp_path / "model.json"
    fitted.save(path)
    content = json.loads(path.read_text())
    content["schema_version"] = 99
    path.write_text(json.dumps(content))
    with pytest.raises(SchemaVersionError, match="schema version 99.*reads only schema version 1"):
        QuClassiClassifier.load(path)


def test_load_non_model_file_rejected(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ModelFileError, match="not a quclassi model file"):
        QuClassiClassifier.load(path)
    path.write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        QuClassiClassifier.load(path)


def test_saved_file_has_no_temporary_leftovers(fitted, tmp_path):
    fitted.save(tmp_path / "model.json")
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_sklearn_pipeline_clone_and_cross_validation(digits_36):
    from sklearn.base import clone
    from sklearn.decomposition import PCA
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    x_train, _, y_train, _ = digits_36
    pipeline = make_pipeline(PCA(4), QuClassiClassifier(epochs=30, random_state=0))
    scores = cross_val_score(pipeline, x_train, y_train, cv=3)
    assert scores.shape == (3,)
    assert scores.min() >= 0.9
    copy = clone(QuClassiClassifier(structure="sdc", pca=4))
    assert copy.get_params()["structure"] == "sdc"
    assert not hasattr(copy, "params_")


def test_set_params_changes_structure(digits_36):
    x_train, _, y_train, _ = digits_36
    model = QuClassiClassifier(pca=4, epochs=2, random_state=0).set_params(structure="sdc")
    model.fit(x_train, y_train)
    # sdc on 2 qubits has 8 parameters per class.
    assert model.params_.shape == (2, 8)


def test_paper_gradient_trains(digits_36):
    x_train, x_test, y_train, y_test = digits_36
    model = QuClassiClassifier(pca=4, gradient="paper", epochs=3, random_state=0)
    model.fit(x_train[:60], y_train[:60])
    assert len(model.loss_history_) == 3
    assert model.score(x_test, y_test) >= 0.8


def test_early_stopping_records_validation(digits_36):
    x_train, _, y_train, _ = digits_36
    model = QuClassiClassifier(
        pca=4, epochs=300, early_stopping=True, patience=3, random_state=0
    ).fit(x_train, y_train)
    assert len(model.validation_loss_history_) == len(model.loss_history_)
    assert len(model.loss_history_) < 300
    assert model.best_epoch_ is not None


def test_predict_before_fit_rejected():
    with pytest.raises(NotFittedError, match="not fitted"):
        QuClassiClassifier().predict(np.ones((1, 4)))


def test_not_fitted_is_sklearn_compatible():
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    # scikit-learn's NotFittedError derives from ValueError and AttributeError, as ours does.
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)
    assert set(SklearnNotFittedError.__mro__) & {ValueError, AttributeError}


def test_different_feature_count_rejected(fitted):
    with pytest.raises(
        InvalidInputError, match="X has 10 features, but QuClassiClassifier is expecting 64"
    ):
        fitted.predict(np.ones((2, 10)))


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.array([[0.1, np.nan], [0.2, 0.3]]), [0, 1], "NaN or infinite"),
        (np.array([[0.1, np.inf], [0.2, 0.3]]), [0, 1], "NaN or infinite"),
        (np.array([0.1, 0.2]), [0, 1], "2-D"),
        (np.array([[0.1, 0.2], [0.2, 0.3]]), [1, 1], "at least two classes"),
        (np.array([[0.1, 0.2], [0.2, 0.3]]), [0, 1, 1], "one label per sample"),
    ],
)
def test_fit_rejects_bad_data(x, y, message):
    with pytest.raises(InvalidInputError, match=message):
        QuClassiClassifier(epochs=1).fit(x, y)


def test_features_outside_unit_interval_without_scaler():
    x = np.array([[0.1, 1.5], [0.2, 0.3]])
    with pytest.raises(InvalidInputError, match=r"\[0, 1\].*scaler='minmax'"):
        QuClassiClassifier(scaler=None, structure="s", epochs=1).fit(x, [0, 1])


def test_two_qubit_layers_on_one_qubit_rejected():
    with pytest.raises(InvalidStructureError, match="one qubit"):
        QuClassiClassifier(structure="sd", epochs=1).fit(np.array([[0.1, 0.2], [0.3, 0.4]]), [0, 1])


def test_unknown_structure_letter_rejected():
    with pytest.raises(InvalidStructureError, match="unknown layer letters"):
        QuClassiClassifier(structure="sx", epochs=1).fit(np.ones((2, 4)) * [[0.1], [0.9]], [0, 1])


@pytest.mark.parametrize("shots", [0, -10])
def test_non_positive_shots_rejected(shots):
    with pytest.raises(InvalidInputError, match="shots must be a positive integer"):
        QuClassiClassifier(shots=shots).fit(np.eye(2), [0, 1])


def test_pca_larger_than_features_rejected():
    with pytest.raises(InvalidInputError, match="larger than the number of features"):
        QuClassiClassifier(pca=3).fit(np.eye(2), [0, 1])


def test_unknown_backend_rejected():
    with pytest.raises(UnknownBackendError, match="valid names: analytic"):
        QuClassiClassifier(backend="cirq").fit(np.eye(2), [0, 1])


def test_missing_extra_names_pip_line(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "pennylane" else real_find_spec(name, *args),
    )
    with pytest.raises(MissingDependencyError, match=r"pip install 'quclassi\[pennylane\]'"):
        QuClassiClassifier(backend="pennylane", structure="s").fit(np.eye(2), [0, 1])


@pytest.mark.parametrize(
    ("setting", "value"),
    [("gradient", "spsa"), ("optimizer", "lbfgs"), ("epochs", 0), ("random_state", "x")],
)
def test_invalid_settings_rejected(setting, value):
    with pytest.raises(InvalidInputError, match=setting):
        QuClassiClassifier(**{setting: value}).fit(np.eye(2), [0, 1])


def test_to_qiskit_builds_one_circuit_per_class(fitted, digits_36):
    pytest.importorskip("qiskit")
    from qiskit.quantum_info import Statevector

    _, x_test, _, _ = digits_36
    circuits = fitted.to_qiskit(x_test[0])
    assert [circuit.name for circuit in circuits] == ["quclassi_class_3", "quclassi_class_6"]
    # 2 qubits per register: ancilla + trained + data = 5 qubits.
    assert all(circuit.num_qubits == 5 for circuit in circuits)
    # Independent check: the exported circuit's ancilla P(0) equals 1/2 + F/2.
    fidelities = fitted.fidelities(x_test[:1])[0]
    for circuit, fidelity in zip(circuits, fidelities, strict=True):
        state = Statevector(circuit.remove_final_measurements(inplace=False))
        assert state.probabilities([0])[0] == pytest.approx(0.5 + fidelity / 2, abs=1e-10)


def test_set_params_after_fit_changes_backend(digits_36):
    x_train, x_test, y_train, _ = digits_36
    model = QuClassiClassifier(pca=4, epochs=5, random_state=0).fit(x_train, y_train)
    exact = model.fidelities(x_test)
    model.set_params(shots=100)
    # 100 shots give fidelity estimates on a grid of 2/100, unlike the exact values.
    with pytest.warns(quclassi.errors.FidelityClippedWarning):
        noisy = model.fidelities(x_test)
    assert not np.allclose(noisy, exact)
    np.testing.assert_allclose(np.round(noisy * 50), noisy * 50, atol=1e-9)


def test_import_keeps_sklearn_out():
    import subprocess
    import sys

    probe = "import sys, quclassi, quclassi.cli; print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": "sgd", "learning_rate": 0.05},
        {"gradient": "paper", "learning_rate": 0.01},
    ],
)
def test_warm_start_continues_training(digits_36, settings):
    x_train, _, y_train, _ = digits_36
    x_train, y_train = x_train[:60], y_train[:60]
    base = {"pca": 4, "random_state": 2, **settings}
    whole = QuClassiClassifier(epochs=4, **base).fit(x_train, y_train)
    split = QuClassiClassifier(epochs=2, warm_start=True, **base).fit(x_train, y_train)
    split.fit(x_train, y_train)
    # SGD keeps no state between epochs and the paper rule's shift continues from epoch 3, so two
    # runs of 2 epochs retrace one run of 4.
    np.testing.assert_allclose(split.params_, whole.params_, atol=1e-12)
    np.testing.assert_allclose(split.loss_history_, whole.loss_history_, atol=1e-12)
    assert split.n_iter_ == 4


def test_checkpoint_resumes_after_load(digits_36, tmp_path):
    x_train, _, y_train, _ = digits_36
    base = {"pca": 4, "optimizer": "sgd", "learning_rate": 0.05, "random_state": 4}
    checkpoint = tmp_path / "checkpoint.json"
    epochs_seen = []

    def save_at_epoch_three(model, epoch):
        epochs_seen.append(epoch)
        if epoch == 3:
            model.save(checkpoint)

    whole = QuClassiClassifier(epochs=5, **base).fit(
        x_train, y_train, on_epoch_end=save_at_epoch_three
    )
    assert epochs_seen == [1, 2, 3, 4, 5]
    resumed = QuClassiClassifier.load(checkpoint)
    assert resumed.n_iter_ == 3
    resumed.set_params(warm_start=True, epochs=2).fit(x_train, y_train)
    np.testing.assert_allclose(resumed.params_, whole.params_, atol=1e-12)
    assert resumed.n_iter_ == 5


def test_warm_start_with_other_classes_rejected(digits_36):
    x_train, _, y_train, _ = digits_36
    model = QuClassiClassifier(pca=4, epochs=1, warm_start=True).fit(x_train, y_train)
    with pytest.raises(InvalidInputError, match="warm_start continues a model with classes"):
        model.fit(x_train, np.where(y_train == 3, 1, 2))


def test_pennylane_backend_trains_like_analytic(digits_36):
    pytest.importorskip("pennylane")
    x_train, _, y_train, _ = digits_36
    settings = {"pca": 4, "epochs": 2, "random_state": 5}
    analytic = QuClassiClassifier(**settings).fit(x_train[:12], y_train[:12])
    # PennyLane runs the 5-qubit SWAP-test circuit and its gradients come from the
    # parameter-shift rule; exact arithmetic gives the same training path as adjoint.
    pennylane = QuClassiClassifier(backend="pennylane", **settings).fit(x_train[:12], y_train[:12])
    np.testing.assert_allclose(pennylane.params_, analytic.params_, atol=1e-8)
