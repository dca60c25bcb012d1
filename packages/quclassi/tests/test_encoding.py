import numpy as np
import pytest

from quclassi.encoding import FeatureEncoder, check_features
from quclassi.errors import InvalidInputError, NotFittedError


def test_minmax_fitted_on_train_and_test_clipped():
    train = np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 30.0]])
    encoder = FeatureEncoder().fit(train)
    # (x - min) / (max - min) per column: column 0 range 0..4, column 1 range 10..30.
    np.testing.assert_allclose(encoder.transform(train), [[0, 0], [0.5, 0.5], [1, 1]])
    # 6 maps to 1.5 and 0 to -0.5 before clipping into [0, 1].
    np.testing.assert_allclose(encoder.transform(np.array([[6.0, 0.0]])), [[1.0, 0.0]])


def test_constant_feature_maps_to_zero():
    encoder = FeatureEncoder().fit(np.array([[1.0, 5.0], [2.0, 5.0]]))
    assert encoder.transform(np.array([[1.5, 5.0]]))[0, 1] == 0.0


def test_pca_matches_numpy_svd():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6)) @ rng.normal(size=(6, 6))
    encoder = FeatureEncoder(pca=3, scaler=None).fit(x)
    # Independent reference: right singular vectors of the centred data, up to sign.
    _, _, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    np.testing.assert_allclose(np.abs(encoder.components_), np.abs(vt[:3]), atol=1e-8)
    assert encoder.transform(x).shape == (50, 3)


def test_pca_larger_than_features_rejected():
    with pytest.raises(InvalidInputError, match="pca=5 is larger than the number of features"):
        FeatureEncoder(pca=5).fit(np.ones((10, 4)))


@pytest.mark.parametrize("pca", [0, -2, 1.5, True])
def test_invalid_pca_rejected(pca):
    with pytest.raises(InvalidInputError, match="pca must be"):
        FeatureEncoder(pca=pca)


def test_unknown_scaler_rejected():
    with pytest.raises(InvalidInputError, match="scaler"):
        FeatureEncoder(scaler="standard")


def test_transform_before_fit_rejected():
    with pytest.raises(NotFittedError):
        FeatureEncoder().transform(np.ones((2, 2)))


def test_feature_count_mismatch_rejected():
    encoder = FeatureEncoder().fit(np.random.default_rng(1).normal(size=(5, 3)))
    with pytest.raises(
        InvalidInputError, match="X has 2 features, but QuClassiClassifier is expecting 3"
    ):
        encoder.transform(np.ones((1, 2)))


def test_round_trip_through_dict():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 5))
    encoder = FeatureEncoder(pca=2).fit(x)
    restored = FeatureEncoder.from_dict(encoder.to_dict())
    np.testing.assert_array_equal(restored.transform(x), encoder.transform(x))


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (np.array([1.0, 2.0]), "2-D"),
        (np.ones((2, 2, 2)), "2-D"),
        (np.array([[1.0, np.nan]]), "NaN or infinite"),
        (np.array([[np.inf, 1.0]]), "NaN or infinite"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros((3, 0)), "0 feature"),
        ([["a", "b"]], "numeric"),
    ],
)
def test_check_features_rejects_bad_input(features, message):
    with pytest.raises(InvalidInputError, match=message):
        check_features(features)
