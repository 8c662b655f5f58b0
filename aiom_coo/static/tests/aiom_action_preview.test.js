import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { describe, expect, test } from "@odoo/hoot";
import { click } from "@odoo/hoot-dom";
import { animationFrame } from "@odoo/hoot-mock";
import { defineModels, fields, models, mountView, onRpc } from "@web/../tests/web_test_helpers";

describe.current.tags("desktop");

class AiomAction extends models.Model {
    _name = "aiom.action";

    name = fields.Char();
    state = fields.Selection({
        selection: [
            ["pending", "Pending"],
            ["executed", "Executed"],
        ],
    });

    _records = [
        { id: 1, name: "Win the showroom deal", state: "pending" },
        { id: 2, name: "Done already", state: "executed" },
    ];
}

defineMailModels();
defineModels([AiomAction]);

const PREVIEW = {
    drift: ["Showroom seating changed since the proposal (Dec 3, 2026, 10:32 AM, Marc Demo): Stage."],
    steps: [
        {
            name: "win",
            sequence: 1,
            label: "Update records",
            icon: "fa-pencil-square-o",
            title: "Update 1 Lead/Opportunity record(s)",
            values: [],
            records: [
                {
                    name: "Showroom seating",
                    changes: [{ label: "Stage", old: "New", new: "Won" }],
                    warning: false,
                },
            ],
            more: 0,
            body: false,
            notes: [],
            warnings: [],
        },
        {
            name: "thanks",
            sequence: 2,
            label: "Send an email",
            icon: "fa-envelope-o",
            title: "Send an email: Thank you",
            values: [{ label: "To", new: "Gemini Furniture <john.b@tech.info>" }],
            records: [],
            more: 0,
            body: "<p>Thank you for your <b>order</b></p>",
            notes: [],
            warnings: [],
        },
    ],
};

const KANBAN = `
    <kanban>
        <templates>
            <t t-name="card">
                <field name="name"/>
                <widget name="aiom_action_preview" compact="1"/>
            </t>
        </templates>
    </kanban>`;

test("A card reads its preview only when unfolded, in words", async () => {
    const asked = [];
    onRpc("aiom.action", "get_preview", ({ args }) => {
        asked.push(args[0]);
        return { [args[0][0]]: PREVIEW };
    });
    await mountView({ resModel: "aiom.action", type: "kanban", arch: KANBAN });
    expect(".o_aiom_preview_toggle").toHaveCount(1, { message: "pending cards only" });
    expect(asked).toEqual([], { message: "a column of cards costs no preview" });

    await click(".o_aiom_preview_toggle");
    await animationFrame();
    expect(asked).toEqual([[1]]);
    expect(".o_aiom_preview_change").toHaveText("Stage: New → Won");
    expect(".o_aiom_preview_drift").toHaveText(/changed since the proposal/);
    expect(".o_aiom_preview_value").toHaveText("To: Gemini Furniture <john.b@tech.info>");
    expect(".o_aiom_preview_body").toHaveCount(0, { message: "the compact card leaves the body to the form" });

    await click(".o_aiom_preview_toggle");
    await animationFrame();
    expect(".o_aiom_preview_change").toHaveCount(0);
});

test("The form shows the preview on top, the email body as HTML", async () => {
    onRpc("aiom.action", "get_preview", ({ args }) => ({ [args[0][0]]: PREVIEW }));
    await mountView({
        resModel: "aiom.action",
        type: "form",
        resId: 1,
        arch: `<form><sheet><field name="name"/><widget name="aiom_action_preview"/></sheet></form>`,
    });
    expect(".o_aiom_preview h4").toHaveText("What will change");
    expect(".o_aiom_preview_title:first").toHaveText("Update 1 Lead/Opportunity record(s)");
    expect(".o_aiom_preview_body b").toHaveText("order");
});
