import hashlib
import time

from odoo import api, fields, models, tools
from odoo.exceptions import AccessDenied

# How long a verified key is trusted before it is verified again, whatever happens: revoking a key
# or archiving its user clears the verdicts of every worker at once anyway.
VERIFIED_FOR_SECONDS = 60
INDEX_SIZE = 8  # as res.users.apikeys: the first characters of a key, stored in clear to find it


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    @api.model
    def _aiom_check_key(self, key):
        """The user of a valid global API key, as ``_check_credentials(scope='rpc')`` says, or False.

        Verifying a key costs 6,000 PBKDF2 rounds (about 3 ms), more than a whole cheap request, and
        an agent sends the same key with every call. A valid key's verdict is kept per worker for
        at most a minute, under the key's SHA-256 (never the key itself), and never past the key's
        expiry; a wrong key is verified every time (nothing is cached for it).
        """
        digest = hashlib.sha256(key.encode()).hexdigest()
        try:
            uid, expires = self._aiom_verified(digest, int(time.time() // VERIFIED_FOR_SECONDS), key)
        except AccessDenied:
            return False
        if expires and expires < fields.Datetime.now():
            return self._check_credentials(scope="rpc", key=key)  # expired since: Odoo's check refuses
        return uid

    @api.model
    @tools.ormcache("digest", "period")
    def _aiom_verified(self, digest, period, key):
        uid = self._check_credentials(scope="rpc", key=key)
        if not uid:
            raise AccessDenied()  # exceptions are not cached
        self.env.cr.execute(
            "SELECT min(expiration_date) FROM res_users_apikeys WHERE user_id = %s AND index = %s",
            [uid, key[:INDEX_SIZE]],
        )
        return uid, self.env.cr.fetchone()[0]

    def unlink(self):
        # A revoked key stops working on every worker at its next request.
        self.env.registry.clear_cache()
        return super().unlink()
