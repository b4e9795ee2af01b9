"""Why a download or a cached file failed, said truthfully in Spanish: the one place that tells.

"No hay internet" only when the network is the cause; a damaged file is named, with what to do.
Used by every loader of :mod:`utils.data`, by :mod:`utils.hub`, :mod:`utils.bert` and by the
lab-preparation command :mod:`utils.download`.
"""

from __future__ import annotations

import re
import socket
import tarfile
import urllib.error
import zipfile
import zlib
from pathlib import Path

_NETWORK_TYPES = (socket.gaierror, socket.timeout, ConnectionError, TimeoutError)
_NETWORK_NAMES = {"ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "NewConnectionError",
                  "MaxRetryError", "NameResolutionError", "ProxyError", "OfflineModeIsEnabled",
                  "LocalEntryNotFoundError", "ConnectError"}
_NETWORK_HINTS = ("Name or service not known", "Temporary failure in name resolution", "nodename nor servname",
                  "getaddrinfo failed", "No address associated", "Failed to establish a new connection",
                  "Network is unreachable", "Connection refused", "Connection reset", "Max retries exceeded",
                  "timed out", "Could not resolve host", "No route to host")
_CORRUPT_TYPES = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error)
_CORRUPT_HINTS = ("file signature not found", "truncated file", "Unable to synchronously open", "Unable to open file",
                  "hash does not match", "Incomplete or corrupted", "Bad CRC", "not a zip file", "HeaderTooLarge",
                  "Error while deserializing", "dañado o incompleto", "unexpected end of data")




def chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from (``__cause__`` / ``__context__``)."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def is_network(error: BaseException) -> bool:
    """True when ``error`` (or what it was raised from) means the network could not be reached."""
    found = chain(error)
    text = " | ".join(f"{type(e).__name__}: {e}" for e in found)
    return (any(isinstance(e, _NETWORK_TYPES) or type(e).__name__ in _NETWORK_NAMES for e in found)
            or any(hint in text for hint in _NETWORK_HINTS)
            or (isinstance(found[-1], urllib.error.URLError) and not isinstance(found[-1], urllib.error.HTTPError)))


def explain(error: BaseException, host: str = "el servidor", source: str | None = None,
            path: Path | str | None = None, again: str = "la celda") -> str:
    """What happened and what to do, in Spanish (``again``: what to run again, "la celda" or "el comando")."""
    found = chain(error)
    text = " | ".join(f"{type(e).__name__}: {e}" for e in found)
    missing = next((e for e in found if isinstance(e, ModuleNotFoundError)), None)
    if missing is not None:
        return (f"falta el paquete de Python «{missing.name}»: instálalo (pip install -r requirements.txt) "
                f"y vuelve a ejecutar {again}.")
    http = next((e for e in found if isinstance(e, urllib.error.HTTPError)), None)
    code = str(http.code) if http is not None else None
    match = re.search(r"URL fetch failure on \S+: (\d{3}) --", text) or re.search(r"\b(40[0-9]|5\d\d) Client Error", text)
    code = code or (match.group(1) if match else None)
    if code:
        return (f"el servidor ({host}) ha respondido con el error HTTP {code} al pedir {source or 'el fichero'}: "
                "la dirección puede haber cambiado o exigir permiso; avisa al responsable del curso.")
    if is_network(error):
        return (f"sin conexión a internet: no se ha podido contactar con {host}. Conéctate a internet y "
                f"vuelve a ejecutar {again} (lo que ya está en la caché no se descarga otra vez).")
    if any(isinstance(e, _CORRUPT_TYPES) for e in found) or any(hint in text for hint in _CORRUPT_HINTS):
        place = f" {path}" if path else " (en la caché)"
        root = found[-1]
        cause = (str(root).splitlines() or [""])[0][:200] or type(root).__name__
        return (f"fichero dañado o incompleto:{place} ({type(root).__name__}: {cause}). Bórralo y vuelve a "
                f"ejecutar {again} con internet: se descarga de nuevo.")
    first = str(found[0]).splitlines()[0] if str(found[0]) else ""
    return f"error inesperado: {type(found[0]).__name__}: {first[:300]}"
