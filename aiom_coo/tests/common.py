from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

from odoo.addons.base.models.ir_cron import MAX_BATCH_PER_CRON_JOB


def count_queries(env, run, cold=False):
    """The SQL queries ``run`` costs, flushing and running the precommit hooks (tracking messages)
    as the end of a request would; ``cold`` empties the cache first, as a request of its own starts."""
    env.flush_all()
    env.cr.precommit.run()
    if cold:
        env.invalidate_all()
    before = env.cr.sql_log_count
    run()
    env.flush_all()
    env.cr.precommit.run()
    return env.cr.sql_log_count - before


class AiomCase(TransactionCase):
    """Users for each AI COO group and a customer to act on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_notrack=False))
        cls.user = new_test_user(cls.env, "aiom_user", groups="aiom_coo.group_aiom_user", name="Una User")
        cls.approver = new_test_user(
            cls.env,
            "aiom_approver",
            groups="aiom_coo.group_aiom_approver,base.group_partner_manager",
            name="Alex Approver",
        )
        # An approver without the contact-creation right: what the AI may do is bounded by it.
        cls.limited_approver = new_test_user(
            cls.env, "aiom_limited_approver", groups="aiom_coo.group_aiom_approver", name="Lee Limited"
        )
        cls.manager = new_test_user(
            cls.env, "aiom_manager", groups="aiom_coo.group_aiom_manager,base.group_partner_manager", name="Max Manager"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Azure Test Customer", "email": "azure@example.com"})
        cls.Action = cls.env["aiom.action"]

    def propose(self, user=None, **vals):
        vals.setdefault("name", "Test proposal")
        return self.Action.with_user(user or self.user).propose(vals)

    def propose_create_partner(self, name="Created by AI", **vals):
        return self.propose(
            action_type="odoo_create", parameters={"model": "res.partner", "values": {"name": name}}, **vals
        )

    def flush_tracking(self):
        """Write pending tracking messages, as the end of a request would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def chatter(self, record):
        """The record's messages, read with the test's own rights (tracking values need them)."""
        self.flush_tracking()
        return record.with_env(self.env).message_ids.sorted("id")


class BrainLoopCase(AiomCase):
    """The brain loop as the scheduled action runs it: as the operator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls.env.ref("aiom_coo.user_aiom_operator")

    def run_loop(self):
        return self.Action.with_user(self.operator)._cron_brain_loop(batch_size=200)

    def proposals_for(self, analyzer):
        return self.Action.search([("analyzer_id", "=", analyzer.id)])

    def scheduled_run(self, batch_size=200):
        """One run of the scheduled action as ir.cron makes it: the loop is called again while it
        reports work left, at most MAX_BATCH_PER_CRON_JOB times. Returns how many calls it took."""
        cron = self.env.ref("aiom_coo.ir_cron_brain_loop")
        Action = self.Action.with_user(self.operator)
        for calls in range(1, MAX_BATCH_PER_CRON_JOB + 1):
            progress = self.env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
            Action.with_context(ir_cron_progress_id=progress.id)._cron_brain_loop(batch_size=batch_size)
            if not progress.remaining:
                return calls
        self.fail(f"the brain loop still reports work left after {MAX_BATCH_PER_CRON_JOB} calls: not one run")

    def mark_sent(self, action, when):
        """What a person's approval leaves behind, back-dated: ``action`` executed at ``when``."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE aiom_action SET state = 'executed', executed_date = %s WHERE id = %s", [when, action.id]
        )
        self.env.invalidate_all()
