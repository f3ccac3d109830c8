"""The picture the upload benchmark sends."""

from __future__ import annotations

import io
from pathlib import Path

from .tools import RESULTS

BOUNDARY = b"folio-bench-boundary"


def upload_body() -> Path:
    """A multipart body holding a 4000x3000 JPEG of about 3 MB, as a phone photo (Pillow)."""
    from PIL import Image, ImageFilter

    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 30)
    photo = Image.merge("RGB", (gradient, noise.filter(ImageFilter.GaussianBlur(1)), noise))
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=88)
    body = (
        b"--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg.getvalue() + b"\r\n--" + BOUNDARY + b"--\r\n"
    )
    path = RESULTS / "upload-body.bin"
    RESULTS.mkdir(exist_ok=True)
    path.write_bytes(body)
    return path
