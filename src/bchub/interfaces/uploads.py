"""Reading an uploaded credentials file, the same for the console's form and the REST upload."""

from __future__ import annotations

from starlette.datastructures import UploadFile

from bchub.errors import InputError

CREDENTIALS_FILE_MAX = 64 * 1024  # BigCommerce's file is six short lines; anything bigger is not it


def credentials_file_text(upload: UploadFile) -> str:
    """The uploaded credentials file as text, or an ``InputError`` saying what is wrong with it."""
    label = repr(upload.filename or "credentials file")
    data = upload.file.read(CREDENTIALS_FILE_MAX + 1)
    if len(data) > CREDENTIALS_FILE_MAX:
        raise InputError(
            f"the credentials file {label} is over {CREDENTIALS_FILE_MAX // 1024} KB; "
            "use the .txt file BigCommerce downloaded when the API account was created"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"the credentials file {label} is not text; use the .txt file BigCommerce downloaded"
        ) from None
    if not text.strip():
        raise InputError(f"the credentials file {label} is empty")
    return text
