from sklearn.utils.estimator_checks import parametrize_with_checks

from quclassi import QuClassiClassifier


# scikit-learn's estimator checks use data sets with two features, which fit on one qubit, so
# the structure must be "s": two-qubit layers on one qubit are rejected by design.
@parametrize_with_checks([QuClassiClassifier(structure="s", epochs=40, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
