from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.aiom_step_preview import PlanPreview
from .common import AiomCase


@tagged("post_install", "-at_install")
class TestPreview(AiomCase):
    """What an approver reads before approving: per step type, in words, with their own rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_partner = cls.env["res.partner"].create({"name": "Wood Corner", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Willie Burke", "email": "willie@example.com", "type": "contact"}
        )

    def preview(self, action, user=None):
        return action.with_user(user or self.approver).get_preview()[action.id]

    def test_create_shows_labels_and_names(self):
        """A create shows each value under its field's label, relations by name, selections by label."""
        action = self.propose(
            user=self.approver,
            action_type="odoo_create",
            parameters={
                "model": "res.partner",
                "values": {"name": "Jane Brooks", "parent_id": self.company_partner.id, "type": "invoice"},
            },
        )
        step = self.preview(action)["steps"][0]
        self.assertEqual(step["title"], "Create a Contact")
        shown = {row["label"]: row["new"] for row in step["values"]}
        self.assertEqual(shown["Name"], "Jane Brooks")
        self.assertEqual(shown["Related Company"], "Wood Corner", "the parent by name, not its id")
        self.assertEqual(shown["Address Type"], "Invoice Address", "the selection by its label")

    def test_update_shows_current_and_new(self):
        """An update lists, per record, each field that changes as it is now and as it will be."""
        action = self.propose(
            user=self.approver,
            action_type="odoo_update",
            parameters={
                "model": "res.partner",
                "ids": [self.contact.id],
                "values": {"parent_id": self.company_partner.id, "email": "willie@example.com", "type": "delivery"},
            },
        )
        step = self.preview(action)["steps"][0]
        self.assertEqual(step["title"], "Update 1 Contact record(s)")
        [record] = step["records"]
        self.assertEqual(record["name"], "Willie Burke")
        changes = {change["label"]: (change["old"], change["new"]) for change in record["changes"]}
        self.assertEqual(changes["Related Company"], ("(empty)", "Wood Corner"))
        self.assertEqual(changes["Address Type"], ("Contact", "Delivery Address"))
        self.assertNotIn("Email", changes, "an unchanged field is not listed")
        self.assertFalse(record["warning"])

    def test_update_lists_twenty_records_then_counts(self):
        partners = self.env["res.partner"].create([{"name": f"Bulk {index:02d}"} for index in range(25)])
        action = self.propose(
            user=self.approver,
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": partners.ids, "values": {"comment": "Checked"}},
        )
        step = self.preview(action)["steps"][0]
        self.assertEqual(len(step["records"]), 20)
        self.assertEqual(step["more"], 5)

    def test_update_flags_missing_and_unwritable_records(self):
        """A record deleted since the proposal, and one the approver may not change, are flagged."""
        gone = self.env["res.partner"].create({"name": "Soon Gone"})
        action = self.propose(
            user=self.approver,
            action_type="odoo_update",
            parameters={"model": "res.partner", "ids": [self.contact.id, gone.id], "values": {"function": "Buyer"}},
        )
        gone.unlink()
        step = self.preview(action)["steps"][0]
        warnings = {record["name"]: record["warning"] for record in step["records"]}
        self.assertIn("no longer exists", warnings[f"#{gone.id}"])
        self.assertIn("1 record(s) no longer exist.", step["warnings"])
        # An approver without the contact-management right reads contacts but may not change them.
        limited = self.preview(action, user=self.limited_approver)["steps"][0]
        warnings = {record["name"]: record["warning"] for record in limited["records"]}
        self.assertIn("You may not change this record", warnings["Willie Burke"])

    def test_unreadable_records_stay_unnamed(self):
        """A related record the approver may not read is named by its id only, and said so."""
        hidden_company = self.env["res.company"].create({"name": "Hidden Co"})
        secret = self.env["res.partner"].create({"name": "Secret Partner", "company_id": hidden_company.id})
        action = self.propose(
            user=self.manager,
            action_type="odoo_create",
            parameters={"model": "res.partner", "values": {"name": "Someone", "parent_id": self.company_partner.id}},
        )
        names = self.env["aiom.step.handler"].with_user(self.approver)._preview_names("res.partner", [secret.id])
        self.assertEqual(names, f"#{secret.id} (you may not read it)")
        self.assertNotIn("Secret", names)
        self.assertTrue(self.preview(action)["steps"])

    def test_search_counts_matches_now(self):
        self.env["res.partner"].create([{"name": f"Preview Match {index}"} for index in range(3)])
        action = self.propose(
            user=self.approver,
            action_type="odoo_search",
            parameters={"model": "res.partner", "domain": [["name", "like", "Preview Match"]]},
        )
        step = self.preview(action)["steps"][0]
        self.assertEqual(step["title"], "Search Contact records: 3 match now")

    def test_email_resolves_recipients_and_renders_the_body(self):
        attachment = self.env["ir.attachment"].create(
            {"name": "quote.pdf", "raw": b"%PDF-1.4", "res_model": "res.partner", "res_id": self.contact.id}
        )
        action = self.propose(
            user=self.approver,
            action_type="email_send",
            target={"model": "res.partner", "id": self.contact.id},
            parameters={
                "to": ["{{ target.email }}"],
                "subject": "Your quote, {{ target.name }}",
                "html": "<p>Hello <b>Willie</b></p><script>alert(1)</script>",
                "attachment_ids": [attachment.id],
            },
        )
        step = self.preview(action)["steps"][0]
        shown = {row["label"]: row["new"] for row in step["values"]}
        self.assertEqual(shown["To"], "Willie Burke <willie@example.com>")
        self.assertEqual(shown["Subject"], "Your quote, Willie Burke")
        self.assertEqual(shown["Attachments"], "quote.pdf")
        self.assertIn("<b>Willie</b>", step["body"])
        self.assertNotIn("script", step["body"], "the body is shown as sanitised, as it is sent")

    def test_message_and_activity_name_their_record_assignee_and_date(self):
        action = self.propose(
            user=self.approver,
            name="Note and call",
            steps=[
                {
                    "name": "note",
                    "action_type": "message_post",
                    "parameters": {"model": "res.partner", "res_id": self.contact.id, "body": "Called twice"},
                },
                {
                    "name": "call",
                    "action_type": "activity_schedule",
                    "parameters": {
                        "model": "res.partner",
                        "res_id": self.contact.id,
                        "user_id": self.manager.id,
                        "date_deadline": "2030-01-15",
                        "summary": "Call Willie",
                    },
                },
            ],
        )
        note, call = self.preview(action)["steps"]
        self.assertEqual(note["title"], "Post an internal note on Willie Burke (Contact)")
        self.assertIn("Called twice", note["body"])
        shown = {row["label"]: row["new"] for row in call["values"]}
        self.assertEqual(call["title"], "Schedule an activity on Willie Burke (Contact)")
        self.assertEqual(shown["Assigned to"], "Max Manager")
        self.assertEqual(shown["Due"], "01/15/2030")
        self.assertEqual(shown["Activity"], "To-Do")

    def test_references_to_earlier_steps_are_worded(self):
        action = self.propose(
            user=self.approver,
            name="Contact and note",
            steps=[
                {
                    "name": "contact",
                    "action_type": "odoo_create",
                    "parameters": {"model": "res.partner", "values": {"name": "New Person"}},
                },
                {
                    "name": "child",
                    "action_type": "odoo_create",
                    "parameters": {
                        "model": "res.partner",
                        "values": {"name": "Assistant", "parent_id": "{{ steps.contact.record_id }}"},
                    },
                },
                {
                    "name": "hello",
                    "action_type": "message_post",
                    "parameters": {"model": "res.partner", "res_id": "{{ steps.contact.record_id }}", "body": "Hi"},
                },
                {
                    "name": "promote",
                    "action_type": "odoo_update",
                    "parameters": {
                        "model": "res.partner",
                        "ids": ["{{ steps.contact.record_id }}"],
                        "values": {"function": "Buyer"},
                    },
                },
            ],
        )
        _contact, child, hello, update = self.preview(action)["steps"]
        shown = {row["label"]: row["new"] for row in child["values"]}
        self.assertEqual(shown["Related Company"], "(the Contact created by step 1)")
        self.assertEqual(hello["title"], "Post an internal note on (the Contact created by step 1)")
        [record] = update["records"]
        self.assertEqual(record["name"], "(the Contact created by step 1)")
        self.assertEqual(record["changes"], [{"label": "Job Position", "old": "(as it is then)", "new": "Buyer"}])

    def test_drift_names_what_changed_since_the_proposal(self):
        action = self.propose(
            user=self.approver,
            action_type="odoo_update",
            target={"model": "res.partner", "id": self.company_partner.id},
            parameters={"model": "res.partner", "ids": [self.contact.id], "values": {"function": "Buyer"}},
        )
        self.assertEqual(self.preview(action)["drift"], [], "nothing changed yet")
        # Someone changes the contact after the proposal was filed (a later transaction's time).
        self.contact.write({"email": "burke@example.com"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = write_date + interval '1 minute' WHERE id = %s", [self.contact.id]
        )
        self.contact.invalidate_recordset(["write_date"])
        [drift] = self.preview(action)["drift"]
        self.assertTrue(drift.startswith("Willie Burke changed since the proposal"), drift)

    def test_a_viewer_without_read_access_gets_nothing(self):
        action = self.propose_create_partner(user=self.approver)
        outsider = new_test_user(self.env, "aiom_preview_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.preview(action, user=outsider)

    def test_unknown_hook_gets_a_generic_preview(self):
        action = self.propose_create_partner(user=self.approver, name="Generic")
        step = action.step_ids
        handler = self.env["aiom.step.handler"].with_user(self.approver)
        shown = handler._preview_generic(step, step.parameters, PlanPreview(handler.env, action))
        self.assertEqual(shown["title"], "Create a record")
        self.assertEqual([row["label"] for row in shown["values"]], ["model", "values"])

    def test_every_demo_proposal_reads_in_words(self):
        """Every waiting proposal of the demo data previews without ids nor raw references."""
        admin = self.env.ref("base.user_admin")
        pending = self.Action.with_user(admin).search([("state", "=", "pending")])
        self.assertTrue(pending, "the demo data holds proposals")
        for action_id, preview in pending.get_preview().items():
            for step in preview["steps"]:
                with self.subTest(action=action_id, step=step["name"]):
                    self.assertTrue(step["title"])
                    texts = [step["title"], *(row["new"] for row in step["values"])]
                    texts += [change["new"] for record in step["records"] for change in record["changes"]]
                    self.assertFalse([text for text in texts if "{{" in text], "references are worded")
                    self.assertFalse([text for text in texts if "(no longer exists)" in text or "may not read" in text])
