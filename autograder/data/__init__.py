"""Data sets as arrays: find them (either layout), decode once, cache as .npy files."""

from autograder.data.cache import DatasetArrays, DataNotFound, load_arrays

__all__ = ["DatasetArrays", "DataNotFound", "load_arrays"]
