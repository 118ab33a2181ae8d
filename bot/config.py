"""One settings object: defaults, overridden by ``POLICYBOT_*`` environment variables.

Default folders: ``./policy_text``, ``./index`` and ``./data`` when the current folder has a
``policy_text`` folder (a project, as ``make run`` uses); otherwise the example policy shipped
inside the package, with its index and feedback in the user's cache and data folders. Nothing
is ever written inside the installed package.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import InvalidOptionError

#: The example policy shipped with the package (the default when there is no ./policy_text).
EXAMPLE_POLICIES = Path(__file__).resolve().parent / "examples"
APP_NAME = "policybot"

__version__ = "0.1.0"

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIMS = 384
MAX_QUESTION_CHARS = 2000  # a question, not a document: longer text is refused with a message
DEFAULT_K = 3  # citations per answer: the answer and two alternatives fit a chat bubble
MAX_K = 20
RETENTION_DAYS = 90  # feedback rows are deleted after this many days: a quarter's report, no more
MAX_POLICY_MB = 2  # per policy file: nearly three times the longest of 280 real policies (723 KB)
MAX_POLICY_BYTES = MAX_POLICY_MB * 1_000_000
# Questions and votes per client address (the ``limits`` library's notation): a person asks a
# few a minute; a script asking one every two seconds is cut off. "off" turns it off.
RATE_LIMIT = "30/minute"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidOptionError(
            f"{name}={value!r} is not a whole number; unset it or set e.g. {name}={default}") from None


# The ``limits`` library's notation, checked here without importing it (the CLI never needs it).
_RATE = re.compile(r"\s*\d+\s*(?:/|per)\s*(?:\d+\s*)?(?:second|minute|hour|day|month|year)s?\s*", re.IGNORECASE)
RATE_OFF = ("off", "0", "none")
OFF_WORDS = ("off", "0", "no", "false")  # what turns a POLICYBOT_* switch off


def check_rate(rate: str) -> str:
    """``rate`` if it reads as a rate ("30/minute", "500 per hour", "off"); else the fix."""
    if rate.strip().lower() in RATE_OFF or _RATE.fullmatch(rate):
        return rate
    raise InvalidOptionError(f"POLICYBOT_RATE_LIMIT={rate!r} is not a rate; set e.g. 30/minute, 500/hour, or off")


def _project() -> Path | None:
    here = Path.cwd()
    return here if (here / "policy_text").is_dir() else None


def _default_policy_dir() -> Path:
    project = _project()
    return project / "policy_text" if project else EXAMPLE_POLICIES


def _default_index_dir() -> Path:
    project = _project()
    if project:
        return project / "index"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME)) / "index"


def _default_data_dir() -> Path:
    project = _project()
    if project:
        return project / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass(frozen=True)
class Settings:
    """Paths and knobs. ``Settings.from_env()`` reads the environment; tests build their own."""

    policy_dir: Path = field(default_factory=_default_policy_dir)
    index_dir: Path = field(default_factory=_default_index_dir)
    data_dir: Path = field(default_factory=_default_data_dir)
    k: int = DEFAULT_K
    max_policy_mb: int = MAX_POLICY_MB
    retention_days: int = RETENTION_DAYS
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    rate_limit: str = RATE_LIMIT  # POST requests per client address; "off" for none
    encoder_process: bool = True  # the server encodes questions in a child process (bot.encoder_process)
    database_url: str | None = None  # feedback in this database (SQLAlchemy URL), not data_dir's SQLite file

    @classmethod
    def from_env(cls) -> Settings:
        base = cls()
        origins = os.environ.get("POLICYBOT_ALLOWED_ORIGINS", "")
        return cls(
            policy_dir=_env_path("POLICYBOT_POLICY_DIR", base.policy_dir),
            index_dir=_env_path("POLICYBOT_INDEX_DIR", base.index_dir),
            data_dir=_env_path("POLICYBOT_DATA_DIR", base.data_dir),
            k=_env_int("POLICYBOT_K", base.k),
            max_policy_mb=_env_int("POLICYBOT_MAX_POLICY_MB", base.max_policy_mb),
            retention_days=_env_int("POLICYBOT_RETENTION_DAYS", base.retention_days),
            host=os.environ.get("POLICYBOT_HOST", "").strip() or base.host,
            port=_env_int("POLICYBOT_PORT", base.port),
            allowed_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            rate_limit=os.environ.get("POLICYBOT_RATE_LIMIT", "").strip() or base.rate_limit,
            encoder_process=os.environ.get("POLICYBOT_ENCODER_PROCESS", "").strip().lower() not in OFF_WORDS,
            database_url=os.environ.get("POLICYBOT_DATABASE_URL", "").strip() or None,
        )

    def __post_init__(self) -> None:
        check_rate(self.rate_limit)  # refused when the settings are made, with its fix

    @property
    def rate(self):  # noqa: ANN201 - a limits.RateLimitItem, imported here (only the server needs it)
        """The rate limit as the ``limits`` library reads it; None when it is off."""
        if self.rate_limit.strip().lower() in RATE_OFF:
            return None
        from limits import parse

        return parse(self.rate_limit)

    @property
    def max_policy_bytes(self) -> int:
        return self.max_policy_mb * 1_000_000

    def with_paths(self, policy_dir: str | Path | None = None, index_dir: str | Path | None = None) -> Settings:
        changes: dict[str, Path] = {}
        if policy_dir is not None:
            changes["policy_dir"] = Path(policy_dir)
        if index_dir is not None:
            changes["index_dir"] = Path(index_dir)
        return replace(self, **changes)
