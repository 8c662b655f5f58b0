from odoo import Command, api, fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    aiom_digest_opt_out = fields.Boolean(
        string="No AI COO daily digest",
        help="AI COO approvers get one email a day listing the proposals that wait for them; tick to stop it.",
    )
    aiom_digest_date = fields.Date(
        string="AI COO digest sent on", readonly=True, copy=False, groups="base.group_system"
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["aiom_digest_opt_out"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["aiom_digest_opt_out"]

    def write(self, vals):
        """Keep the operator out of the groups an app hands every employee when it installs.

        An app installed after AI COO adds its groups, administrator groups included, to the
        default user template, and Odoo passes them on to every internal user. The operator holds
        business rights only: each app's bridge gives it the user-level group it needs.
        """
        if "active" in vals:
            # Archived users' API keys stop working at once on every worker (their verdicts are cached).
            self.env.registry.clear_cache()
        if "groups_id" not in vals or not self._apply_groups_to_existing_employees():
            return super().write(vals)
        operator = self.env.ref("aiom_coo.user_aiom_operator", raise_if_not_found=False)
        if not operator or operator in self:
            return super().write(vals)
        operator = operator.sudo()
        kept = operator.groups_id
        result = super().write(vals)
        added = operator.groups_id - kept
        if added:
            operator.write({"groups_id": [Command.unlink(group.id) for group in added]})
        return result

    @api.model
    def _aiom_operator_grant(self, grant, revoke=()):
        """Give the operator the user-level groups ``grant`` of an app (xmlids), and take back its
        administrator groups ``revoke`` with what only they implied. Each bridge calls it when it
        installs; the revocation repairs databases where Odoo handed those groups down earlier."""
        operator = self.env.ref("aiom_coo.user_aiom_operator").sudo()
        revoked = self._aiom_groups(revoke) & operator.groups_id
        kept = operator.groups_id - revoked - revoked.trans_implied_ids
        groups = kept | self._aiom_groups(grant)
        operator.groups_id = [Command.set((groups | groups.trans_implied_ids).ids)]

    @api.model
    def _aiom_groups(self, xmlids):
        groups = self.env["res.groups"]
        for xmlid in xmlids:
            groups |= self.env.ref(xmlid, raise_if_not_found=False) or groups
        return groups
