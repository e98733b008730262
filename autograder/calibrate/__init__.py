"""Calibration: train the reference over many seeds; derive thresholds and their false-fail odds."""
