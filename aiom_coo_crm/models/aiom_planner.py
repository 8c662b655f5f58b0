from odoo import api, models

MAX_DEALS = 5
MAX_STAGES = 20


class AiomPlanner(models.AbstractModel):
    _inherit = "aiom.planner"

    @api.model
    def _partner_facts(self, partner, record):
        """The partner's open opportunities (bounded), as the requester may read them."""
        facts = super()._partner_facts(partner, record)
        Lead = record.env["crm.lead"]
        if not Lead.has_access("read"):
            return facts
        deals = Lead.search(
            [
                ("partner_id", "child_of", partner.id),
                ("type", "=", "opportunity"),
                ("probability", "<", 100),
                ("company_id", "in", (self.env.company.id, False)),
            ],
            order="expected_revenue desc, id",
            limit=MAX_DEALS,
        )
        facts["open_opportunities"] = [
            {
                "ref": f"crm.lead,{deal.id}",
                "name": deal.name,
                "stage": deal.stage_id.name,
                "expected_revenue": deal.expected_revenue,
                "probability": deal.probability,
            }
            for deal in deals
        ]
        return facts

    @api.model
    def _record_facts(self, record):
        """An opportunity's possible stages, so that a plan can move it (by the stage's id)."""
        facts = super()._record_facts(record)
        if record._name == "crm.lead":
            stages = record.env["crm.stage"].search(
                ["|", ("team_id", "=", False), ("team_id", "=", record.team_id.id)], limit=MAX_STAGES
            )
            facts["stages"] = [{"id": stage.id, "name": stage.name} for stage in stages]
        return facts
