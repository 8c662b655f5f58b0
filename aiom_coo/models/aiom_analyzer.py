import logging

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..references import inert

_logger = logging.getLogger(__name__)


class AiomAnalyzer(models.Model):
    """A watcher of the business that turns findings into proposals.

    Each kind (``code``) is an abstract model ``aiom.analyzer.<code>`` inheriting
    ``aiom.analyzer.kind``; the addon that brings it (one per business app: ``aiom_coo_crm``,
    ``aiom_coo_account``) adds the code with ``selection_add`` and deletes its analyzers when it is
    uninstalled. An analyzer runs in its own company and, as the brain loop, as the operator.
    """

    _name = "aiom.analyzer"
    _description = "AI COO analyzer"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection([], required=True, help="The kind of analyzer: each comes with the addon of its app.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    model_name = fields.Char(compute="_compute_model_name", string="Watches")
    level_ids = fields.One2many("aiom.analyzer.level", "analyzer_id", string="Levels", copy=True)
    followup_ids = fields.One2many("aiom.followup", "analyzer_id", string="Follow-ups")

    @api.depends("code")
    def _compute_model_name(self):
        for analyzer in self:
            analyzer.model_name = analyzer.code and analyzer._kind()._watched_model

    @api.model_create_multi
    def create(self, vals_list):
        analyzers = super().create(vals_list)
        analyzers._allow_operator()
        return analyzers

    def write(self, vals):
        result = super().write(vals)
        if "company_id" in vals:
            self._allow_operator()
        return result

    def _allow_operator(self):
        """The brain loop runs each analyzer as the operator, in the analyzer's company: an
        analyzer created for another company lets the operator work there, nobody has to."""
        operator = self.env.ref("aiom_coo.user_aiom_operator", raise_if_not_found=False)
        if not operator:
            return
        # Only the operator's companies, which it needs to run the analyzer: managers may not edit users.
        operator = operator.sudo()
        missing = self.company_id - operator.company_ids
        if missing:
            operator.company_ids = [Command.link(company.id) for company in missing]
            _logger.info("AI COO: the operator may now work in %s (analyzers).", ", ".join(missing.mapped("name")))

    # ------------------------------------------------------------------ running

    def action_run_now(self):
        """Run this analyzer at once (button), as the current user."""
        proposals = self._run(batch_size=500, strict=True)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s new proposal(s) in the inbox.", len(proposals)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _run(self, batch_size, strict=False):
        """Find, deduplicate and propose; return the new actions (see ``_run_batch``)."""
        return self._run_batch(batch_size, strict=strict)[0]

    def _run_batch(self, batch_size, strict=False, id_range=None):
        """One batch of each analyzer: ``(new actions, more)``.

        ``more`` says that some analyzer found a full batch of candidates, so that more may wait:
        it counts candidates, not the proposals filed (grouping and deduplication file fewer).
        Without ``strict`` (the scheduled loop), an analyzer whose records the user may not read
        is skipped with a warning so that the others still run. ``id_range`` keeps each analyzer
        to its candidates in that range (see ``aiom.analyzer.kind._find``).
        """
        # Kinds written before ranges take (analyzer, limit): a range is passed only when given.
        scope = {"id_range": id_range} if id_range else {}
        actions = self.env["aiom.action"]
        more = False
        for analyzer in self:
            # In its own company: the record rules keep it to that company's records.
            analyzer = analyzer.with_company(analyzer.company_id)
            try:
                findings = analyzer._kind()._find(analyzer, batch_size, **scope)
            except AccessError as error:
                message = self.env._(
                    "%(user)s may not read what %(analyzer)s watches: give it the business group. %(error)s",
                    user=self.env.user.name,
                    analyzer=analyzer.name,
                    error=error.args[0],
                )
                if strict:
                    raise UserError(message) from None
                _logger.warning("AI COO brain loop: %s", message)
                continue
            more = more or len(findings) >= batch_size
            actions |= analyzer._propose_findings(findings, strict)
        return actions, more

    def _propose(self, finding):
        """One proposal for ``finding``, unless one already answers it (its idempotency key)."""
        return self._propose_findings([finding], strict=True)

    def _propose_findings(self, findings, strict=False):
        """Proposals for ``findings`` in one batch: the idempotency keys looked up in one query, the
        proposals validated and stored together (``aiom.action._propose_many``, the same checks as
        one by one), their follow-ups created together. Returns the new actions.

        A finding whose key was already filed gets nothing. Without ``strict`` (the scheduled
        loop), a finding the engine refuses as malformed is logged and skipped, so that one bad
        record never stops the round for the others.
        """
        self.ensure_one()
        # Bulk path: no creation log or followers per proposal; state changes are still tracked.
        Action = self.env["aiom.action"].with_context(mail_create_nolog=True, mail_create_nosubscribe=True)._engine()
        keyed = {}
        for finding in findings:
            keyed.setdefault(f"aiom:{self.code}:{finding['key']}", finding)
        if not keyed:
            return Action.browse()
        already_filed = Action.search_fetch(
            [("idempotency_key", "in", list(keyed)), ("company_id", "=", self.company_id.id)], ["idempotency_key"]
        )
        for key in already_filed.mapped("idempotency_key"):
            keyed.pop(key, None)
        recommender = self.env["aiom.recommender"]
        wanted = []  # (finding, the recommender's values)
        for key, finding in keyed.items():
            try:
                # Findings carry record data (names, emails): it is made inert, never read as a reference.
                vals = recommender._recommend(self, {**finding, "steps": inert(finding["steps"])})
            except ValidationError as error:
                if strict:
                    raise
                _logger.warning("AI COO brain loop: %s skipped %r: %s", self.name, finding.get("name"), error.args[0])
                continue
            proposal = {name: value for name, value in vals.items() if not name.startswith("_")}
            proposal.update(
                source="analyzer",
                agent=self.name,
                idempotency_key=key,
                company_id=self.company_id.id,
                analyzer_id=self.id,
            )
            wanted.append((finding, vals, proposal))
        filed = Action._propose_many([proposal for _f, _v, proposal in wanted], skip_invalid=not strict)
        done = [(finding, vals, action) for (finding, vals, _p), action in zip(wanted, filed, strict=True) if action]
        for _finding, vals, action in done:
            recommender._recorded(action, vals)
        self._follow_up(done)
        return Action.browse([action.id for _f, _v, action in done])

    def _follow_up(self, filed):
        """The follow-ups of the ``(finding, vals, action)`` just filed, created together, with
        what each finding said about its records (a balance, the last contact): a change withdraws it."""
        if not filed:
            return
        model = filed[0][0]["targets"]._name
        targets = self.env[model].browse([record.id for finding, _v, _a in filed for record in finding["targets"]])
        fingerprints = self._kind()._fingerprints(self, targets)
        self.env["aiom.followup"].create(
            [
                {
                    "analyzer_id": self.id,
                    "target_model": record._name,
                    "target_res_id": record.id,
                    "level_id": finding.get("level") and finding["level"].id,
                    "action_id": action.id,
                    "fingerprint": fingerprints.get(record.id, False),
                }
                for finding, _vals, action in filed
                for record in finding["targets"]
            ]
        )
        self._replace_pending(
            {record.id: action for finding, _v, action in filed for record in finding["targets"]}, model
        )

    def _replace_pending(self, newest, model):
        """One live follow-up per record: the action in ``newest`` (record id -> action) replaces
        the proposals still pending for that record (e.g. a customer's reminder that now also
        names a newer invoice)."""
        Followup = self.env["aiom.followup"]
        new_ids = list({action.id for action in newest.values()})
        older = Followup.search(
            [
                ("analyzer_id", "=", self.id),
                ("target_model", "=", model),
                ("target_res_id", "in", list(newest)),
                ("state", "=", "live"),
                ("action_id", "not in", new_ids),
                ("action_id.state", "=", "pending"),
            ]
        )
        if not older:
            return
        replaced_by = {followup.action_id: newest[followup.target_res_id] for followup in older}
        for replaced, action in replaced_by.items():
            replaced.action_cancel()
            replaced.message_post(body=self.env._("Replaced by a newer follow-up: %s.", action.name))
        replaced = older.action_id
        Followup.search([("action_id", "in", replaced.ids), ("state", "=", "live")]).state = "stopped"

    @api.model
    def _assignee(self, user):
        """``{"user_id": id}`` for an activity when ``user`` can take one (an active internal user);
        otherwise nothing, and the activity goes to whoever executes the follow-up."""
        return {"user_id": user.id} if user and user.active and not user.share else {}

    def _still_open(self, records):
        """The records whose situation still calls for the follow-up (e.g. invoices not paid)."""
        self.ensure_one()
        return self._kind()._still_open(records)

    def _kind(self):
        return self.env[f"aiom.analyzer.{self.code}"]

    def _followed_up(self, level=None, waiting_states=None):
        """The targets that already have a live follow-up (at ``level``; of a proposal in
        ``waiting_states``), as a subquery for a domain (``("id", "not in", ...)``): never proposed
        twice. A subquery, not a list of ids: the list grew with every proposal filed."""
        domain = [("analyzer_id", "=", self.id), ("state", "=", "live")]
        if level is not None:
            domain.append(("level_id", "=", level.id))
        if waiting_states is not None:
            domain.append(("action_id.state", "in", waiting_states))
        Followup = self.env["aiom.followup"]
        return Followup._search(domain).subselect(SQL.identifier(Followup._table, "target_res_id"))

    def _outdated(self, followups):
        """``(resolved, changed)``: the records of ``followups`` whose situation was resolved
        (deleted, paid, won, lost), and those still open whose situation changed since the
        proposal (another balance, a contact with the customer)."""
        self.ensure_one()
        records = self.env[followups[0].target_model].browse(followups.mapped("target_res_id"))
        present = records.exists()
        still_open = self._still_open(present)
        now = self._kind()._fingerprints(self, still_open)
        open_ids = set(still_open.ids)  # once: a lookup per follow-up in the list grew with its square
        changed = still_open.browse(
            [
                followup.target_res_id
                for followup in followups
                if followup.fingerprint
                and followup.target_res_id in open_ids
                and now.get(followup.target_res_id) != followup.fingerprint
            ]
        )
        return records - still_open, changed

    def _check_still_needed(self, action):
        """At execution: refuse a follow-up whose situation was resolved (paid, won, lost) or
        changed (another balance, a contact) since it was proposed; the loop proposes it again."""
        self.ensure_one()
        followups = self.env["aiom.followup"].search([("action_id", "=", action.id)])
        if not followups:
            return
        resolved, changed = self._outdated(followups)
        present = resolved.exists()
        if resolved:
            raise UserError(
                self.env._(
                    "No longer needed, nothing was done: %s was resolved meanwhile.",
                    ", ".join(present.mapped("display_name") + [str(i) for i in (resolved - present).ids]),
                )
            )
        if changed:
            raise UserError(
                self.env._(
                    "Withdrawn, nothing was done: %s. The brain loop proposes it again as it is now.",
                    self._kind()._changed_message(changed),
                )
            )
