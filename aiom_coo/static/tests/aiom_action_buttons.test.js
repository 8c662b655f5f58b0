import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { describe, expect, test } from "@odoo/hoot";
import { click } from "@odoo/hoot-dom";
import { animationFrame, Deferred } from "@odoo/hoot-mock";
import {
    contains,
    defineModels,
    fields,
    makeServerError,
    models,
    mountView,
    MockServer,
    onRpc,
} from "@web/../tests/web_test_helpers";

describe.current.tags("desktop");

class AiomAction extends models.Model {
    _name = "aiom.action";

    name = fields.Char();
    state = fields.Selection({
        selection: [
            ["pending", "Pending"],
            ["executed", "Executed"],
            ["failed", "Failed"],
            ["rejected", "Rejected"],
        ],
    });
    error_message = fields.Text();

    _records = [{ id: 1, name: "Create contact Jane", state: "pending" }];
}

defineMailModels();
defineModels([AiomAction]);

const ARCH = `
    <kanban js_class="aiom_action_kanban">
        <field name="error_message"/>
        <templates>
            <t t-name="card">
                <field name="name"/>
                <div t-if="record.error_message.raw_value" class="o_aiom_error" t-esc="record.error_message.value"/>
                <widget name="aiom_action_buttons"/>
            </t>
        </templates>
    </kanban>`;

function outcome(values) {
    MockServer.env["aiom.action"].write([1], values);
    return true;
}

test("Approve & Execute shows a spinner while busy, then notifies the execution", async () => {
    const executed = new Deferred();
    onRpc("aiom.action", "action_approve", async () => {
        await executed;
        return outcome({ state: "executed" });
    });
    await mountView({ resModel: "aiom.action", type: "kanban", arch: ARCH });
    expect(".o_aiom_approve").toHaveText("Approve & Execute");

    await click(".o_aiom_approve");
    await animationFrame();
    expect(".o_aiom_approve").toHaveText("Executing...");
    expect(".o_aiom_approve").not.toBeEnabled();
    expect(".o_aiom_approve .fa-spin").toHaveCount(1);
    expect(".o_aiom_reject").not.toBeEnabled();

    executed.resolve();
    await animationFrame();
    expect(".o_notification").toHaveText(/was executed/);
    await animationFrame();
    // Executed: the card is not pending any more, so the buttons are gone after the reload.
    expect(".o_aiom_reject").toHaveCount(0);
    expect(".o_aiom_approve:enabled").toHaveCount(0);
});

test("A failed execution shows the error and offers Retry", async () => {
    onRpc("aiom.action", "action_approve", () =>
        outcome({ state: "failed", error_message: "Step 'x' failed: no such partner" })
    );
    await mountView({ resModel: "aiom.action", type: "kanban", arch: ARCH });
    await click(".o_aiom_approve");
    await animationFrame();
    // The card shows the error the server stored, as the inbox's card does in the Failed column.
    expect(".o_aiom_error").toHaveText("Step 'x' failed: no such partner");
    expect(".o_aiom_approve").toBeEnabled();
    expect(".o_aiom_approve").toHaveText("Retry");
});

test("A server error is shown on the card and the button comes back", async () => {
    onRpc("aiom.action", "action_approve", () => {
        throw makeServerError({ message: "Create contact Jane is being processed by someone else" });
    });
    await mountView({ resModel: "aiom.action", type: "kanban", arch: ARCH });
    await click(".o_aiom_approve");
    await animationFrame();
    expect(".o_aiom_button_error").toHaveText(/being processed by someone else/);
    expect(".o_aiom_approve").toHaveText("Approve & Execute");
    expect(".o_aiom_approve").toBeEnabled();
});

test("Reject needs a reason and sends it", async () => {
    onRpc("aiom.action", "action_reject", ({ kwargs }) => {
        expect.step(`reject: ${kwargs.reason}`);
        return outcome({ state: "rejected" });
    });
    await mountView({ resModel: "aiom.action", type: "kanban", arch: ARCH });
    await click(".o_aiom_reject");
    await animationFrame();
    expect(".modal .o_aiom_reject_confirm").not.toBeEnabled();
    await contains(".modal .o_aiom_reject_reason").edit("Called them already");
    await click(".modal .o_aiom_reject_confirm");
    await animationFrame();
    expect.verifySteps(["reject: Called them already"]);
    expect(".modal").toHaveCount(0);
    expect(".o_aiom_reject").toHaveCount(0);
});
