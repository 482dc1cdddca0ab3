"""What the security log records: one vocabulary for every account event (an admin reads the log;
it is not the public transparency log, and it never holds a password, a code or a token).

The kinds the issue names, and the few that make the record whole: `unlocked` (an admin ended a
lock), `signed_out` (one session), the personal API tokens a person creates and revokes, and
`message_replayed` (an admin sent a rejected message back to its consumer).
"""
INVITED = "invited"
INVITATION_ACCEPTED = "invitation_accepted"
SIGNED_IN = "signed_in"
SIGN_IN_FAILED = "sign_in_failed"
LOCKED = "locked"
UNLOCKED = "unlocked"
SIGNED_OUT = "signed_out"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
ROLE_CHANGED = "role_changed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_CHANGED = "password_changed"
TOTP_ENABLED = "totp_enabled"
API_TOKEN_CREATED = "api_token_created"
API_TOKEN_REVOKED = "api_token_revoked"
MESSAGE_REPLAYED = "message_replayed"

KINDS = (INVITED, INVITATION_ACCEPTED, SIGNED_IN, SIGN_IN_FAILED, LOCKED, UNLOCKED, SIGNED_OUT,
         SIGNED_OUT_EVERYWHERE, ROLE_CHANGED, PASSWORD_RESET_REQUESTED, PASSWORD_CHANGED, TOTP_ENABLED,
         API_TOKEN_CREATED, API_TOKEN_REVOKED, MESSAGE_REPLAYED)

# Why a sign-in failed, on a `sign_in_failed` entry (signin.judge, or a throttle that refused it).
FAILURE_REASONS = ("unknown_account", "wrong_password", "wrong_code", "throttled", "locked")
