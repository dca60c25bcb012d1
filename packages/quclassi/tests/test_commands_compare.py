import json

from quclassi.cli import main


def test_compare_json_on_iris(capsys):
    argv = ["compare", "--dataset", "iris", "--structures", "s", "--vqc-epochs", "2"]
    assert main([*argv, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    models = {entry["model"]: entry for entry in result["models"]}
    assert list(models) == ["QuClassi", "VQC (XX/ZZ readout)", "logistic regression", "MLP"]
    # Iris: 4 features on 2 qubits; structure s has 2 * 2 parameters per class, 3 classes.
    assert models["QuClassi"]["n_params"] == 12
    # One-vs-rest VQC: 3 circuits x 2 layer pairs x 2 gates x 4 qubits = 48 angles.
    assert models["VQC (XX/ZZ readout)"]["n_params"] == 48
    # Logistic regression: 3 x (4 weights + 1 bias); MLP 4 -> 32 -> 3: 4*32 + 32 + 32*3 + 3.
    assert models["logistic regression"]["n_params"] == 15
    assert models["MLP"]["n_params"] == 259
    assert result["n_test"] == 38
    assert all(0 <= entry["test_accuracy"] <= 1 for entry in result["models"])


def test_compare_table_lists_models(capsys):
    argv = ["compare", "--dataset", "digits", "--classes", "3,6", "--pca", "4"]
    assert main([*argv, "--structures", "sd", "--vqc-epochs", "2"]) == 0
    output = capsys.readouterr().out
    assert output.splitlines()[0].split()[:3] == ["model", "config", "params"]
    assert "logistic regression" in output


def test_compare_unknown_dataset_fails(capsys):
    assert main(["compare", "--dataset", "nope"]) == 1
    assert "unknown data set" in capsys.readouterr().err


def test_bad_structures_is_usage_error(capsys):
    assert main(["compare", "--dataset", "iris", "--structures", "sd,sx"]) == 2
    error = capsys.readouterr().err
    assert "argument --structures: invalid layer letters ['x'] in 'sx'" in error
