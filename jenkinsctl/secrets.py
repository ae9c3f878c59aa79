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
    """Replace known secret values and anything that looks like one with `****`, and mask URL
    credentials (`mask_url`): the one masking every line jenkinsctl prints goes through."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "****")
    return _SECRET_VALUE.sub("****", mask_url(text))


# userinfo: up to the first '@' of the authority (a password may hold ':', '%' and more)
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<info>[^/\s@?#]+)@", re.IGNORECASE)
_TOKEN_QUERY = re.compile(r"(?P<key>[?&](?:private_)?(?:token|access_token|api_key|apikey|password)=)[^&\s#]+",
                          re.IGNORECASE)


def _userinfo_is_secret(scheme: str, info: str) -> bool:
    """`user:password@` anywhere; on http(s) any userinfo (a token passed as the user name).
    `ssh://git@host` names only a user and is kept."""
    return ":" in info or scheme.lower() in ("http://", "https://")


def mask_url(text: str) -> str:
    """Userinfo (`user:password@`, `token@`) and token query parameters masked in every URL of `text`."""
    text = _USERINFO.sub(lambda m: m["scheme"] + "***@" if _userinfo_is_secret(m["scheme"], m["info"]) else m[0],
                         text)
    return _TOKEN_QUERY.sub(r"\g<key>***", text)


def url_credentials(url: str) -> bool:
    """True when a URL carries credentials: a password in its userinfo (any scheme), any userinfo on
    http(s), or a token query parameter. `git@host:path` and `ssh://git@host/path` do not."""
    m = _USERINFO.match(url.strip())
    return bool((m and _userinfo_is_secret(m["scheme"], m["info"])) or _TOKEN_QUERY.search(url))
