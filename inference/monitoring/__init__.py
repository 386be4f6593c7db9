"""Monitoring: the baseline a model travels with, the records captured on every backend read back, and the
drift report of a window (``run.monitor``). Imported by the monitor job and the training steps, never by the
inference functions' request path."""
