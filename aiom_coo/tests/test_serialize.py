from odoo.tests import tagged

from ..controllers.serialize import action_to_dict
from .common import AiomCase


@tagged("post_install", "-at_install")
class TestSerialize(AiomCase):
    def test_target_the_user_cannot_read(self):
        """An action about a record the user may not read is served without that record's name."""
        group = self.env["res.partner.category"].create({"name": "Secret tag"})
        action = self.propose_create_partner(target={"model": "res.partner.category", "id": group.id})
        rule_model = self.env["ir.model"]._get("res.partner.category")
        self.env["ir.rule"].create(
            {"name": "hide the tag", "model_id": rule_model.id, "domain_force": f"[('id', '!=', {group.id})]"}
        )
        data = action_to_dict(action.with_user(self.approver))
        self.assertEqual(data["target"], {"model": "res.partner.category", "id": group.id, "display_name": None})
        readable = self.propose_create_partner(target={"model": "res.partner", "id": self.customer.id})
        self.assertEqual(
            action_to_dict(readable.with_user(self.approver))["target"]["display_name"], self.customer.name
        )
