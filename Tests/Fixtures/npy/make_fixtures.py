"""Regenerates the .npy fixtures read by Tests/AdaptInferenceTests/NPYTests.swift (python3 + numpy)."""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(here, name)


np.save(path("f4_2x3.npy"), np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype="<f4"))
np.save(path("f8_2x2.npy"), np.array([[0.1, -1e10], [3.5, 2.0 ** -30]], dtype="<f8"))
np.save(path("i8_4.npy"), np.array([-3, 0, 7, 1 << 40], dtype="<i8"))
np.save(path("i4_2x2.npy"), np.array([[-1, 2], [2147483647, -2147483648]], dtype="<i4"))
np.save(path("i1_3.npy"), np.array([-128, 0, 127], dtype="|i1"))
np.save(path("u1_scalar.npy"), np.array(200, dtype="|u1"))
np.save(path("f2_4.npy"), np.array([1.0, -0.5, 65504.0, 2.0 ** -24], dtype="<f2"))
np.save(path("f4_1d.npy"), np.array([1.0, 2.0, 3.0], dtype="<f4"))
np.save(path("f4_empty.npy"), np.zeros((0, 3), dtype="<f4"))
np.save(path("f4_4d.npy"), np.arange(24, dtype="<f4").reshape(1, 2, 3, 4))
np.save(path("f4_fortran.npy"), np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.save(path("f4_bigendian.npy"), np.array([[1.0, -2.5], [3.0, 1e-5]], dtype=">f4"))
np.save(path("f8_bigendian.npy"), np.array([0.25, -8.0], dtype=">f8"))
np.save(path("c8_complex.npy"), np.array([1 + 2j], dtype="<c8"))

for version in [(2, 0), (3, 0)]:
    with open(path(f"f4_v{version[0]}.npy"), "wb") as f:
        np.lib.format.write_array(f, np.array([[1.0, 2.0], [3.0, 4.0]], dtype="<f4"), version=version)

# Truncated: the data of a 2x3 float32 array cut in the middle.
with open(path("f4_2x3.npy"), "rb") as f:
    whole = f.read()
with open(path("truncated_data.npy"), "wb") as f:
    f.write(whole[: len(whole) - 5])
with open(path("truncated_header.npy"), "wb") as f:
    f.write(whole[:30])
