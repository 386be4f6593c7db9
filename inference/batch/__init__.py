"""Batch scoring: a table of rows in, one answer line per input line out, as ``/invocations`` answers each row.

``python -m inference.batch INPUT OUTPUT`` scores a local file on every core; on AWS the same steps run as a
Step Functions Distributed Map over byte ranges (``lambda_image/batch_handler.py``). By concern: ``lines``
(a byte stream into bounded lines), ``ranges`` (byte ranges at line boundaries), ``table`` (a header's
columns, joins), ``scorer`` (lines to answer lines and per-row errors), ``stream`` (one range into its
part), ``local`` and ``s3`` (where parts live and how they are assembled).
"""
