"""The Open Inference Protocol (KServe v2, REST): ``/v2`` health, metadata and inference requests and answers."""
