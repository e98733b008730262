"""Data sets as arrays: find them (either layout), decode once, cache as .npy files."""

from autograder.data.cache import DataNotFound, DatasetArrays, load_arrays

__all__ = ["DatasetArrays", "DataNotFound", "load_arrays"]
