"""Every setting, declared once: its name, default, meaning and who reads it.

The services read theirs from nameko's config, which `nameko run --config deploy/nameko.yaml`
builds from that file only: a key the file does not declare never reaches them, whatever the
environment says. So deploy/nameko.yaml is generated from this table, as is README's
settings table:

    python -m shared.settings          # rewrites deploy/nameko.yaml and README's table (`make settings`)

Adding a setting is one entry below (then `make settings`). tests/unit/test_settings.py
fails on any key the code reads (config, environment) that is not declared here, and on a
deploy/nameko.yaml or README that is not what this table generates.

Read a setting with `value(config, NAME)` in a service and `env(NAME)` elsewhere: both
apply the declared default (an absent or empty value is the default) and its type.
"""
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMEKO_CONFIG = ROOT / "deploy" / "nameko.yaml"
README = ROOT / "README.md"

SERVICES = ("intake", "review", "publication", "accounts", "mail")  # the review itself, people's accounts, their mail
WEB = "web"  # the public pages (services/web): a nameko service too
NAMEKO_SERVICES = SERVICES + (WEB,)  # they read nameko's config
GATEWAY, IRMCTL, IRM, MAKE_DEV, MAKE_DEMO = "gateway", "irmctl", "irm", "make dev", "make demo"
MAKE_CLUSTER = "make cluster-up"  # and cluster-down: devtools/rabbitmq_cluster.py


@dataclass(frozen=True)
class Setting:
    name: str               # the environment variable
    default: str            # as text, exactly as in `${NAME:default}`; "" is "not set"
    meaning: str
    read_by: tuple
    kind: type = str        # str, int or float: what value() and env() return
    config_key: str = ""    # nameko's own key, when it is not the variable's name (max_workers)

    @property
    def key(self) -> str:
        return self.config_key or self.name

    @property
    def in_nameko_config(self) -> bool:
        return any(reader in NAMEKO_SERVICES for reader in self.read_by)


ALL = (
    # --- where things are --------------------------------------------------------------------
    Setting("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/", "The RabbitMQ broker and vhost.",
            SERVICES + (IRMCTL, MAKE_DEV)),
    Setting("MONGODB_URI", "mongodb://127.0.0.1:27017/irm",
            "The MongoDB server (a replica set: the services use transactions). `make dev` starts an embedded "
            "SecantusDB when it is not set.", SERVICES + (WEB, IRMCTL, MAKE_DEV, MAKE_DEMO)),
    Setting("MONGODB_DB", "", "The database, when it is not the one MONGODB_URI names (default: the URI's, else `irm`). With credentials, give authSource in the URI.",
            SERVICES + (WEB, IRMCTL)),
    Setting("WEB_SERVER_ADDRESS", "0.0.0.0:8000", "Where a service listens for HTTP.", SERVICES + (WEB,)),
    Setting("MAX_WORKERS", "10", "Concurrent workers per service (also the broker prefetch).", SERVICES, int,
            config_key="max_workers"),
    Setting("LOG_LEVEL", "INFO", "Log level of the JSON log lines.", SERVICES + (WEB, GATEWAY)),
    # --- delivery -------------------------------------------------------------------------------
    Setting("RETRY_DELAYS_MS", "1000,5000,30000,60000",
            "A failed handler's message is retried after each delay (ms), then parked on irm.dead-letters. Together "
            "they must outlast the database's transaction lifetime (60 s): a process killed mid-transaction holds its "
            "writes that long (shared/delivery.py).", SERVICES),
    Setting("QUEUE_TYPE", "classic",
            "The type of every queue the services declare: `classic` (one broker node) or `quorum` (replicated over a "
            "RabbitMQ cluster, survives losing a node; README: Scaling out). A queue's type cannot change once declared: "
            "switching needs new queues (a fresh vhost, or the queues deleted while drained).", SERVICES),
    # --- intake ---------------------------------------------------------------------------------
    Setting("EVIDENCE_MAX_BYTES", "20971520",
            "Evidence files and commitment spreadsheets larger than this are refused (bytes); the gateway refuses an "
            "upload body over this plus 64 KiB of multipart frame; the pages' evidence upload says it and refuses a "
            "larger declared body before reading it.", ("intake", WEB, GATEWAY), int),
    # --- the edge ---------------------------------------------------------------------------------
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:8000",
            "The address the public uses (scheme://host[:port], no path): absolute links in feeds and the open-data "
            "dictionary name it, and https:// turns on Strict-Transport-Security. Checked at start-up; the Host and "
            "X-Forwarded-Host headers are never used for links.", SERVICES + (WEB, GATEWAY, IRMCTL)),
    Setting("TRUSTED_PROXIES", "127.0.0.1/32,::1/128",
            "Proxies whose X-Forwarded-For is believed (comma-separated CIDRs): the client is the right-most forwarded "
            "address that is not one of them. From any other peer the header is ignored. docker-compose.yml adds its own "
            "network's fixed subnet (172.28.0.0/16), where the gateway and the pages are.", ("review", "accounts")),
    # --- review timing (seconds) ---------------------------------------------------------------
    Setting("ACCEPT_DEADLINE_SECONDS", "604800",
            "An assigned expert accepts or declines within this, or the case is reassigned.", ("review",), int),
    Setting("REVIEW_DEADLINE_SECONDS", "5184000",
            "An accepted expert submits the draft within this, or the case is reassigned.", ("review",), int),
    Setting("GOVERNMENT_REVIEW_SECONDS", "1209600", "The government comments on the draft within this.", ("review",), int),
    Setting("PUBLIC_COMMENT_SECONDS", "1209600", "The draft is public for comment this long.", ("review",), int),
    Setting("PUBLIC_COMMENT_MIN_SECONDS", "1209600",
            "PUBLIC_COMMENT_SECONDS may never be shorter: review refuses to start otherwise.", ("review",), int),
    # --- what commenters may write (services/review/domain/limits.py explains the arithmetic) ------
    Setting("COMMENT_MAX_CHARACTERS", "2000",
            "One comment's or answer's text, in characters counted across all its languages. Settings whose worst case "
            "passes 8 MB of comments per case (half MongoDB's document limit) stop start-up.", ("review",), int),
    Setting("PUBLIC_COMMENTS_PER_CASE", "300", "Public comments a case takes per review round (a correction starts a new one).",
            ("review",), int),
    Setting("GOVERNMENT_COMMENTS_PER_CASE", "100", "Government comments a case takes per review round.", ("review",), int),
    Setting("ANONYMOUS_WRITES_PER_CLIENT", "10",
            "Public comments one client address (an IPv6 /64) may send per ANONYMOUS_WRITES_CLIENT_SECONDS, over all "
            "cases: a burst of the whole limit, then one per period/limit (GCRA); beyond, 429 with Retry-After.",
            ("review",), int),
    Setting("ANONYMOUS_WRITES_CLIENT_SECONDS", "3600", "The period of ANONYMOUS_WRITES_PER_CLIENT.", ("review",), int),
    Setting("ANONYMOUS_WRITES_PER_CASE", "60", "Public comments one case takes per ANONYMOUS_WRITES_CASE_SECONDS from everyone.",
            ("review",), int),
    Setting("ANONYMOUS_WRITES_CASE_SECONDS", "3600", "The period of ANONYMOUS_WRITES_PER_CASE.", ("review",), int),
    # --- people's accounts and sessions (every service honours a session) ----------------------
    Setting("SESSION_SECRET", "",
            "The server secret (at least 32 characters) that every service checks a signed-in form's CSRF token with "
            "(HMAC-SHA256 of the session id) and seals the links events carry; wins over the file. Every instance of "
            "every service needs the same one, the pages' too.", NAMEKO_SERVICES + (IRMCTL, MAKE_DEV)),
    Setting("SESSION_SECRET_FILE", "var/session.key",
            "The file holding SESSION_SECRET; created on first start (mode 0600) when missing. Share it between the "
            "services (compose: the session-key volume).", NAMEKO_SERVICES + (IRMCTL, MAKE_DEV)),
    Setting("SESSION_IDLE_SECONDS", "1800", "A session ends this long after its last request (last seen is written "
            "back at most once a minute).", NAMEKO_SERVICES, int),
    Setting("SESSION_ABSOLUTE_SECONDS", "28800", "A session ends this long after sign-in, however active.", NAMEKO_SERVICES, int),
    Setting("PASSWORD_RESETS_PER_CLIENT", "10",
            "Password-reset requests one client address (an IPv6 /64) may send per PASSWORD_RESETS_CLIENT_SECONDS, "
            "whatever the addresses asked for: a burst of the whole limit, then one per period/limit (GCRA); beyond, "
            "429 with Retry-After and no link or mail.", ("accounts",), int),
    Setting("PASSWORD_RESETS_CLIENT_SECONDS", "3600", "The period of PASSWORD_RESETS_PER_CLIENT.", ("accounts",), int),
    Setting("PASSWORD_RESETS_PER_ADDRESS", "3",
            "Password-reset requests one e-mail address takes per PASSWORD_RESETS_ADDRESS_SECONDS from everyone, "
            "counted whether or not an account has it (the answer never tells): each admitted one for an account in "
            "use issues a link and a mail.", ("accounts",), int),
    Setting("PASSWORD_RESETS_ADDRESS_SECONDS", "3600", "The period of PASSWORD_RESETS_PER_ADDRESS.", ("accounts",), int),
    Setting("TOTP_ISSUER", "irm-review",
            "The name an authenticator app shows beside a person's second factor (no colon).", ("accounts",)),
    # --- mail (services/mail) -------------------------------------------------------------------
    Setting("SMTP_URL", "smtp://127.0.0.1:8025",
            "The SMTP server mail is handed to: smtp://host[:port] (plain, a local relay), smtp+starttls://user:password@host:587 "
            "(STARTTLS, then AUTH) or smtps://user:password@host:465. Credentials only over TLS. `make dev` runs a local "
            "server that keeps every mail under var/mail/.", ("mail", MAKE_DEV)),
    Setting("MAIL_FROM", "irm-review <no-reply@irm-review.localhost>",
            "The From of every mail (its domain also names the Message-IDs).", ("mail",)),
    Setting("MAIL_MAX_ATTEMPTS", "10",
            "A mail the SMTP server does not take is tried again (5 s, then twice as long each time, at most 10 min "
            "apart) up to this many attempts in all, then parked: `irmctl mail list --failed`, gauge irm_mail_messages.",
            ("mail",), int),
    Setting("SMTP_TIMEOUT_SECONDS", "30", "Connecting to the SMTP server and each of its answers time out after this.",
            ("mail",), float),
    # --- the transparency log (publication) ----------------------------------------------------
    Setting("LOG_SIGNING_KEY", "", "The log's Ed25519 signing key itself (`irmctl log keygen`); wins over the file.",
            ("publication",)),
    Setting("LOG_SIGNING_KEY_FILE", "var/transparency-log.key",
            "The file holding the signing key; created on first start (mode 0600) when missing. Keep it on a volume.",
            ("publication",)),
    Setting("LOG_ORIGIN", "irm-review.localhost/audit-log",
            "The log's name in a key created on first start (a configured key carries its own).", ("publication",)),
    Setting("LOG_CHECKPOINT_SECONDS", "10",
            "A checkpoint is signed when the log grew and this long passed since the last one.", ("publication",), float),
    Setting("LOG_VERIFIER_KEY", "",
            "The log's verifier key (name+keyid+base64, `irmctl log keygen` prints it) that the public pages show "
            "and check checkpoints with. Empty: the pages say none is configured and the reader pastes one.", (WEB,)),
    Setting("LOG_KEY_PUBLISHED_AT", "",
            "Where the log's owner publishes its verifier key independently of this site (a URL or a sentence), shown "
            "next to the key on the log and finding pages.", (WEB,)),
    Setting("PAGES_FORM_SECRET", "",
            "The key the pages sign their comment forms' anti-forgery tokens (CSRF) and receipts with: at least 32 "
            "random characters, the same for every instance of the web service. Empty: a random key made at start-up, "
            "which is right for one instance (a form is then refused by another instance, or after a restart).", (WEB,)),
    # --- the gateway -----------------------------------------------------------------------------
    Setting("GATEWAY_ADDRESS", "127.0.0.1:8000", "Where the gateway listens.", (GATEWAY,)),
    Setting("GATEWAY_CLIENT_TIMEOUT_SECONDS", "60",
            "A client connection idle this long (a body trickled in, a request never finished) is closed.", (GATEWAY,), float),
    Setting("INTAKE_URL", "http://127.0.0.1:8001", "Where the gateway finds intake, and the government's pages send their drafts and self-assessments: one URL, or several instances comma-separated (taken in turn; one that refuses the connection is skipped).", (GATEWAY, WEB)),
    Setting("REVIEW_URL", "http://127.0.0.1:8002", "Where the gateway, and the pages' public comment form, find review: one URL, or several instances comma-separated (taken in turn; one that refuses the connection is skipped). review must trust the pages' address in TRUSTED_PROXIES, as the gateway's, to count each commenter by their own address.", (GATEWAY, WEB)),
    Setting("PUBLICATION_URL", "http://127.0.0.1:8003", "Where the gateway finds publication: one URL, or several instances comma-separated (taken in turn; one that refuses the connection is skipped).", (GATEWAY,)),
    Setting("ACCOUNTS_URL", "http://127.0.0.1:8005", "Where the gateway finds accounts (invitations, sign-in, sessions, "
            "personal tokens, the security log), and the pages post their sign-in and account forms to: one URL, or "
            "several instances comma-separated.", (GATEWAY, WEB)),
    Setting("WEB_URL", "http://127.0.0.1:8004", "Where the gateway finds the public pages (every path outside /api/): one URL, or several instances comma-separated.",
            (GATEWAY,)),
    # --- make dev ----------------------------------------------------------------------------------
    Setting("GATEWAY_PORT", "8000", "`make dev`'s gateway port; the services take the next six.", (MAKE_DEV,), int),
    Setting("DEV_SMTP_PORT", "8025",
            "`make dev`'s local SMTP server (it keeps every mail under var/mail/, `irmctl mail dev-list`), used when "
            "SMTP_URL is not set.", (MAKE_DEV,), int),
    Setting("DEV_MAIL_PAGE_PORT", "8026",
            "`make dev`'s page of the mails its local SMTP server kept (http://127.0.0.1:PORT/, newest first, each "
            "mail's text with clickable links and its HTML part).", (MAKE_DEV,), int),
    Setting("EMBEDDED_MONGO_PORT", "27027", "`make dev`'s embedded SecantusDB port (without MONGODB_URI).", (MAKE_DEV,), int),
    Setting("IRM_CLUSTER_DIR", "/tmp/irm-rabbitmq-cluster",
            "`make cluster-up` / `cluster-down`: where the local three-node RabbitMQ cluster keeps its nodes' data, "
            "logs and config (`--dir` overrides it).", (MAKE_CLUSTER,)),
    Setting("BASE_URL", "", "The stack `make demo` talks to (default: the one `make dev` wrote to var/dev.env).",
            (MAKE_DEMO,)),
    # --- the public's command (irm) ------------------------------------------------------------
    Setting("IRM_URL", "http://127.0.0.1:8000", "`irm verify` / `irm follow`: the public base URL (--url, --base-url).",
            (IRM,)),
    Setting("IRM_LOG_KEY", "", "`irm verify`: the log's verifier key, when --key is not given.", (IRM,)),
    Setting("IRM_VERIFY_STATE", "~/.irm-verify/checkpoints.json", "`irm verify`: the checkpoints it saw last.", (IRM,)),
    Setting("IRM_PUBLIC_AMQP", "amqp://irm-public:irm-public@127.0.0.1:5672/%2F",
            "`irm follow`: the broker's public account (--amqp).", (IRM,)),
)
SETTINGS = {setting.name: setting for setting in ALL}
BY_KEY = {setting.key: setting for setting in ALL}
# nameko's own keys that are not settings (the same in every deployment).
NAMEKO_FIXED = {"serializer": "json"}
# The operating system's variables a command may read; not ours to declare.
SYSTEM_VARIABLES = frozenset({"USER", "HOME", "PATH"})


def _typed(setting: Setting, raw):
    if raw is None or raw == "":
        raw = setting.default
    if raw == "":
        return None
    return raw if isinstance(raw, setting.kind) else setting.kind(raw)


def default(name: str):
    """A setting's declared default, typed: what code that needs a default names, instead of a copy."""
    return _typed(SETTINGS[name], None)


def value(config, name: str):
    """A service's setting from nameko's config (deploy/nameko.yaml), with its declared default and type."""
    setting = SETTINGS[name]
    return _typed(setting, config.get(setting.key))


def env(name: str, environ=None):
    """A setting of the gateway or a command, from the environment, with its declared default and type."""
    return _typed(SETTINGS[name], (os.environ if environ is None else environ).get(name))


# --- what is generated from the table ------------------------------------------------------------
def nameko_yaml() -> str:
    lines = ["# GENERATED from shared/settings.py by `make settings`: edit that table, not this file.",
             "# One nameko config for all three services; `nameko run --config` expands ${VAR:default}",
             "# (nameko exposes only the keys declared here)."]
    for setting in ALL:
        if not setting.in_nameko_config:
            continue
        lines.append(f"# {setting.meaning}")
        # Text is kept as text (`!raw_env_var`): YAML would make `yes` a boolean and `0123` a number.
        tag = "!raw_env_var " if setting.kind is str else ""
        lines.append(f"{setting.key}: {tag}${{{setting.name}:{setting.default}}}")
    lines += [f"{key}: {fixed}" for key, fixed in NAMEKO_FIXED.items()]
    return "\n".join(lines) + "\n"


TABLE_BEGIN, TABLE_END = "<!-- settings:begin (generated from shared/settings.py: make settings) -->", "<!-- settings:end -->"


def markdown_table() -> str:
    rows = ["| setting | default | read by | meaning |", "|---|---|---|---|"]
    for setting in ALL:
        default = f"`{setting.default}`" if setting.default else "—"
        readers = list(setting.read_by)
        if set(SERVICES) <= set(readers):  # "services" for all of them
            readers = ["services"] + [reader for reader in readers if reader not in SERVICES]
        readers = ", ".join(readers)
        rows.append(f"| `{setting.name}` | {default} | {readers} | {setting.meaning.replace('|', '/')} |")
    return "\n".join([TABLE_BEGIN, *rows, TABLE_END])


def readme_with_table(readme: str) -> str:
    pattern = re.compile(re.escape(TABLE_BEGIN) + ".*?" + re.escape(TABLE_END), re.S)
    if not pattern.search(readme):
        raise ValueError(f"README.md has no {TABLE_BEGIN} ... {TABLE_END} block")
    return pattern.sub(lambda _: markdown_table(), readme)


def main() -> int:
    NAMEKO_CONFIG.write_text(nameko_yaml())
    README.write_text(readme_with_table(README.read_text()))
    print(f"wrote {NAMEKO_CONFIG.relative_to(ROOT)} and README.md's settings table ({len(ALL)} settings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
