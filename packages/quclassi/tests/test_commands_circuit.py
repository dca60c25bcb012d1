import json
import socket

import numpy as np
import pytest

from quclassi.cli import main


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        msg = "a network call was attempted"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def model_file(tmp_path):
    from sklearn.datasets import load_iris

    from quclassi.classifier import QuClassiClassifier

    x, y = load_iris(return_X_y=True)
    model = QuClassiClassifier(structure="sd", epochs=2, random_state=0).fit(x, y)
    path = tmp_path / "model.json"
    model.save(path)
    return path


def test_ionq_json_from_structure(capsys, no_network, monkeypatch):
    monkeypatch.delenv("IONQ_API_KEY", raising=False)
    argv = ["circuit", "--structure", "sdc", "--sample", "0.1,0.9,0.5,0.2,0.7"]
    assert main([*argv, "--format", "ionq-json", "--shots", "500"]) == 0
    payload = json.loads(capsys.readouterr().out)
    # Five features need three data qubits, so the circuit has 2 * 3 + 1 = 7 qubits.
    assert payload["input"]["qubits"] == 7
    assert payload["shots"] == 500
    gates = {gate["gate"] for gate in payload["input"]["circuit"]}
    assert "cswap" not in gates


def test_ionq_json_from_model(capsys, no_network, model_file):
    argv = ["circuit", "--model", str(model_file), "--sample", "5.1,3.5,1.4,0.2"]
    assert main([*argv, "--format", "ionq-json", "--backend-name", "qpu.aria-1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    # Iris has three classes, so the payload contains one circuit per class on 2 * 2 + 1 qubits.
    assert payload["type"] == "ionq.multi-circuit.v1"
    assert payload["backend"] == "qpu.aria-1"
    assert payload["input"]["qubits"] == 5
    names = [entry["name"] for entry in payload["input"]["circuits"]]
    assert names == ["quclassi_class_0", "quclassi_class_1", "quclassi_class_2"]


def test_single_class_qasm_from_model(capsys, model_file):
    argv = ["circuit", "--model", str(model_file), "--sample", "5.1,3.5,1.4,0.2"]
    assert main([*argv, "--class", "2", "--format", "qasm"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("// class 2\nOPENQASM 2.0;")
    assert output.count("OPENQASM") == 1


def test_text_zero_params_to_file(tmp_path, capsys):
    out = tmp_path / "circuit.txt"
    argv = ["circuit", "--structure", "s", "--params", "zero", "--sample", "0.5,0.5"]
    assert main([*argv, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    drawing = out.read_text()
    assert drawing.startswith("# class 0")
    # One data qubit: ancilla q_0, trained q_1, data q_2.
    assert "q_2" in drawing
    assert "q_3" not in drawing


def test_sample_row_from_csv(tmp_path, capsys):
    data = tmp_path / "samples.csv"
    data.write_text("f1,f2,f3,f4\n0.1,0.2,0.3,0.4\n0.9,0.8,0.7,0.6\n")
    argv = ["circuit", "--structure", "sd", "--input", str(data), "--row", "1"]
    assert main([*argv, "--format", "qasm3"]) == 0
    output = capsys.readouterr().out
    assert "OPENQASM 3.0;" in output
    # RY angle of the first data feature: 2 arcsin(sqrt(0.9)).
    assert f"{2 * np.arcsin(np.sqrt(0.9)):.6f}"[:6] in output


def test_features_outside_unit_interval_fail(capsys):
    assert main(["circuit", "--structure", "s", "--sample", "1.5,0.2"]) == 1
    assert "[0, 1]" in capsys.readouterr().err


def test_qubit_mismatch_fails(capsys):
    argv = ["circuit", "--structure", "sd", "--qubits", "3", "--sample", "0.1,0.2,0.3,0.4"]
    assert main(argv) == 1
    assert "--qubits 3" in capsys.readouterr().err


def test_unknown_class_fails(capsys, model_file):
    argv = ["circuit", "--model", str(model_file), "--sample", "5.1,3.5,1.4,0.2"]
    assert main([*argv, "--class", "7"]) == 1
    assert "classes: [0, 1, 2]" in capsys.readouterr().err


def test_row_outside_file_fails(tmp_path, capsys):
    data = tmp_path / "samples.csv"
    data.write_text("0.1,0.2\n")
    assert main(["circuit", "--structure", "s", "--input", str(data), "--row", "4"]) == 1
    assert "--row 4" in capsys.readouterr().err


def test_missing_sample_is_usage_error(capsys):
    assert main(["circuit", "--structure", "sd"]) == 2
    assert "--sample" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "option", "detail"),
    [
        (["--structure", "sx", "--sample", "0.5"], "--structure", "valid letters: s ("),
        (["--structure", "s", "--sample", "0.5", "--qubits", "0"], "--qubits", "got 0"),
        (["--structure", "s", "--sample", "0.5", "--seed", "-1"], "--seed", "got -1"),
        (["--structure", "s", "--input", "x.csv", "--row", "-1"], "--row", "at least 0"),
        (["--structure", "s", "--sample", "0.5", "--shots", "0"], "--shots", "got 0"),
        (
            ["--structure", "s", "--sample", "0.5", "--backend-name", "aria-1"],
            "--backend-name",
            "invalid IonQ backend name 'aria-1'",
        ),
    ],
)
def test_circuit_bad_option_names_option(capsys, argv, option, detail):
    assert main(["circuit", *argv]) == 2
    error = capsys.readouterr().err
    assert f"argument {option}:" in error
    assert detail in error


def test_sample_feature_count_mismatch(capsys, model_file):
    assert main(["circuit", "--model", str(model_file), "--sample", "1,2,3"]) == 1
    error = capsys.readouterr().err
    # model_file is trained on iris, which has 4 features.
    assert "--sample has 3 features" in error
    assert "was trained on 4 features: pass 4 comma-separated values" in error


def test_input_feature_count_mismatch(capsys, model_file, tmp_path):
    source = tmp_path / "three.csv"
    source.write_text("1,2,3\n")
    assert main(["circuit", "--model", str(model_file), "--input", str(source)]) == 1
    error = capsys.readouterr().err
    assert f"input file {source} (--input) has 3 features" in error
    assert "pass a CSV file with 4 feature columns" in error


def test_qubits_with_model_is_usage_error(capsys, tmp_path):
    # The model file need not exist, because the option conflict is reported first.
    argv = ["circuit", "--model", str(tmp_path / "m.json"), "--sample", "1", "--qubits", "2"]
    assert main(argv) == 2
    assert "--qubits applies only with --structure" in capsys.readouterr().err
