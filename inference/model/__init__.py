"""The served model: its artifact (local or S3, tarball or compiled form), its schema, and the two checked together."""
