from datetime import datetime

from odoo.tests import tagged

from ..controllers.serialize import DATES, action_to_dict, iso_utc
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

    def test_datetimes_to_the_second_in_utc(self):
        """Every datetime of an action reads YYYY-MM-DDTHH:MM:SS+00:00, with or without microseconds
        stored (create_date has them, fields.Datetime.now() has not)."""
        self.assertEqual(iso_utc(datetime(2026, 11, 24, 5, 19, 45, 123456)), "2026-11-24T05:19:45+00:00")
        self.assertEqual(iso_utc(datetime(2026, 11, 24, 5, 19, 45)), "2026-11-24T05:19:45+00:00")
        self.assertIsNone(iso_utc(False))
        action = self.propose_create_partner(expires_at="2030-01-02T03:04:05Z")
        action.with_user(self.approver).action_approve()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE aiom_action SET create_date = create_date + interval '0.25 seconds' WHERE id = %s", [action.id]
        )
        action.invalidate_recordset()
        self.assertTrue(action.create_date.microsecond, "the case of a datetime stored with microseconds")
        data = action_to_dict(action.with_user(self.approver))
        for name in DATES:
            self.assertRegex(data[name], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", name)
        self.assertEqual(data["expires_at"], "2030-01-02T03:04:05+00:00")
