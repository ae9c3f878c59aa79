"""What looks like a secret, and masking it out of everything we print."""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"CREDENTIAL|AUTH|(^|_)KEY$|(^|_)PWD$|(^|_)PASS$|(^|_)PW$|(^|_)SK$|DSN$)",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(r"(_(ID|NAME|URL|PATH|FILE|ARN|REGION|ENDPOINT|HEADER)$|^KEYBOARD)", re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"(AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|"
    r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@)"  # credentials inside a URL
)


def looks_like_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def looks_like_secret_value(value: str) -> bool:
    return bool(_SECRET_VALUE.search(value))


def mask(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Replace known secret values and anything that looks like one with `****`."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "****")
    text = re.sub(r"(://[^/\s:@]+:)[^/\s@]+@", r"\1****@", text)
    return _SECRET_VALUE.sub("****", text)


_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)
_TOKEN_QUERY = re.compile(r"(?P<key>[?&](?:private_)?(?:token|access_token|api_key|apikey|password)=)[^&\s#]+",
                          re.IGNORECASE)


def mask_url(text: str) -> str:
    """Userinfo (`user:password@`, `token@`) and token query parameters masked in every URL of `text`."""
    return _TOKEN_QUERY.sub(r"\g<key>***", _USERINFO.sub(r"\g<scheme>***@", text))
