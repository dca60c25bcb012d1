import numpy as np

from quclassi.baselines import (
    compare_models,
    logistic_regression_parameters,
    mlp_parameters,
    vqc_parameters,
)


def test_parameter_count_formulas():
    # Logistic regression: one weight per feature plus a bias, per output (one output if binary).
    assert logistic_regression_parameters(4, 2) == 5
    assert logistic_regression_parameters(8, 10) == 90
    # MLP 4 -> 32 -> 1: 4*32 + 32 + 32*1 + 1 = 193.
    assert mlp_parameters(4, [32], 2) == 193
    # MLP 16 -> 32 -> 10: 16*32 + 32 + 32*10 + 10 = 874.
    assert mlp_parameters(16, [32], 10) == 874
    # VQC: 2 angles per qubit per layer pair, one circuit per class beyond two classes.
    assert vqc_parameters(4, 2, 2) == 16
    assert vqc_parameters(8, 1, 10) == 160


def test_compare_on_digits_pair():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    keep = np.isin(y, [3, 6])
    x, y = x[keep], y[keep]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, test = order[:200], order[200:]
    results = compare_models(
        x[train], y[train], x[test], y[test], pca=4, structures=["sd"], vqc_epochs=20
    )
    by_model = {result.model: result for result in results}
    assert list(by_model) == ["QuClassi", "VQC (XX/ZZ readout)", "logistic regression", "MLP"]
    # QuClassi sd on 2 data qubits: 6 parameters per class, 2 classes; 2 * 2 + 1 qubits.
    assert by_model["QuClassi"].n_params == 12
    assert by_model["QuClassi"].n_qubits == 5
    assert by_model["VQC (XX/ZZ readout)"].n_params == vqc_parameters(4, 2, 2)
    assert by_model["logistic regression"].n_params == logistic_regression_parameters(4, 2)
    assert by_model["MLP"].n_params == mlp_parameters(4, [32], 2)
    # Digits 3 against 6 separate well on four principal components.
    assert by_model["QuClassi"].test_accuracy >= 0.9
    assert by_model["logistic regression"].test_accuracy >= 0.9
