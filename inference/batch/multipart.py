"""One S3 object written from pieces in order: whole objects (copied inside S3) and bytes.

S3 joins parts of a multipart upload in order, and every part but the last must be at least 5 MiB. A piece
of that size is copied by ``UploadPartCopy`` without passing through here; smaller pieces are gathered
(and, where a large piece follows a few small ones, its head is fetched to top them up to 5 MiB) so that
at most three part sizes are ever held in memory. Nothing written, or less than a part: one PutObject.
"""

from __future__ import annotations

from typing import Any

MIN_PART = 5 * 1024 * 1024
"""S3's smallest part but the last."""


class ObjectWriter:
    """Pieces appended in order, ``close()`` to write the object; ``abort()`` on failure."""

    def __init__(self, client: Any, bucket: str, key: str, *, min_part: int = MIN_PART) -> None:
        self.client, self.bucket, self.key, self.min_part = client, bucket, key, min_part
        self.pending = bytearray()
        self.parts: list[dict[str, Any]] = []
        self.upload_id: str | None = None

    def add_bytes(self, data: bytes) -> None:
        self.pending += data
        if len(self.pending) >= self.min_part:
            self._upload(bytes(self.pending))
            self.pending = bytearray()

    def add_object(self, bucket: str, key: str, size: int) -> None:
        """The object ``bucket/key`` of ``size`` bytes, copied inside S3 when it is large enough."""
        need = self.min_part - len(self.pending) if self.pending else 0
        if size - need < self.min_part:  # too small to stand as a part, even after topping up the pending bytes
            if size:
                self.add_bytes(self._get(bucket, key, f"bytes=0-{size - 1}"))
            return
        if need:
            self.add_bytes(self._get(bucket, key, f"bytes=0-{need - 1}"))
        self._copy(bucket, key, f"bytes={need}-{size - 1}")

    def close(self) -> None:
        if self.upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.pending))
            return
        if self.pending:
            self._upload(bytes(self.pending))
        self.client.complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                              MultipartUpload={"Parts": self.parts})  # fmt: skip

    def abort(self) -> None:
        if self.upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)

    def _started(self) -> str:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)["UploadId"]
        return self.upload_id

    def _upload(self, data: bytes) -> None:
        number = len(self.parts) + 1
        answer = self.client.upload_part(Bucket=self.bucket, Key=self.key, UploadId=self._started(),
                                         PartNumber=number, Body=data)  # fmt: skip
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def _copy(self, bucket: str, key: str, byte_range: str) -> None:
        number = len(self.parts) + 1
        answer = self.client.upload_part_copy(Bucket=self.bucket, Key=self.key, UploadId=self._started(),
                                              PartNumber=number, CopySource={"Bucket": bucket, "Key": key},
                                              CopySourceRange=byte_range)  # fmt: skip
        self.parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})

    def _get(self, bucket: str, key: str, byte_range: str) -> bytes:
        return bytes(self.client.get_object(Bucket=bucket, Key=key, Range=byte_range)["Body"].read())
