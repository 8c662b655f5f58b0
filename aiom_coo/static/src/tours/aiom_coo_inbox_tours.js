import { registry } from "@web/core/registry";

// Each tour works on cards its test created, so the demo data around them does not matter.
const card = (name) => `.o_kanban_record:contains('${name}')`;
const inColumn = (column, name) =>
    `.o_kanban_group:has(.o_column_title:contains('${column}')) ${card(name)}`;

registry.category("web_tour.tours").add("aiom_coo_inbox_approve", {
    steps: () => [
        {
            content: "The card is in the Pending column with the approval button",
            trigger: `${inColumn("Pending", "Create contact Tara Tour")} .o_aiom_approve:contains('Approve & Execute'):enabled`,
            run: "click",
        },
        {
            content: "Once executed, the card moves to the Executed column",
            trigger: `${inColumn("Executed", "Create contact Tara Tour")} .o_aiom_done:contains('Executed')`,
        },
        {
            content: "A success notification says so",
            trigger: ".o_notification:contains('was executed')",
        },
        {
            content: "The executed card has no buttons any more",
            trigger: `${inColumn("Executed", "Create contact Tara Tour")}:not(:has(.o_aiom_approve))`,
        },
    ],
});

registry.category("web_tour.tours").add("aiom_coo_inbox_reject", {
    steps: () => [
        {
            content: "Reject the pending card",
            trigger: `${inColumn("Pending", "Call Rita Reject")} .o_aiom_reject`,
            run: "click",
        },
        {
            content: "The dialog refuses to reject without a reason",
            trigger: ".modal .o_aiom_reject_confirm:disabled",
        },
        {
            content: "Give a reason",
            trigger: ".modal textarea.o_aiom_reject_reason",
            run: "edit Already called her this morning",
        },
        {
            content: "Confirm",
            trigger: ".modal .o_aiom_reject_confirm:enabled",
            run: "click",
        },
        {
            content: "The card moves to Rejected and shows the reason",
            trigger: `${inColumn("Rejected", "Call Rita Reject")} .o_aiom_reject_reason:contains('Already called her this morning')`,
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("aiom_coo_inbox_failure", {
    steps: () => [
        {
            content: "Approve an action whose plan cannot run",
            trigger: `${inColumn("Pending", "Thank the parent company of Fay Failure")} .o_aiom_approve:enabled`,
            run: "click",
        },
        {
            content: "The card lands in Failed and shows why",
            trigger: `${inColumn("Failed", "Thank the parent company of Fay Failure")} .o_aiom_error:contains('target.parent_id is empty')`,
        },
        {
            content: "The button is enabled again, to retry",
            trigger: `${inColumn("Failed", "Thank the parent company of Fay Failure")} .o_aiom_approve:enabled:contains('Retry')`,
        },
    ],
});

registry.category("web_tour.tours").add("aiom_coo_inbox_email_problem", {
    steps: () => [
        {
            content: "Before anyone approves, the email card says why its email cannot be sent",
            trigger: `${inColumn("Pending", "Email Wanda Warning")} .o_aiom_problem:contains('No outgoing mail server is configured')`,
        },
        {
            content: "A card whose plan sends nothing carries no warning",
            trigger: `${inColumn("Pending", "Create contact Nora Nowarning")}:not(:has(.o_aiom_problem))`,
        },
        {
            content: "Open the email card",
            trigger: `${inColumn("Pending", "Email Wanda Warning")} .o_aiom_title`,
            run: "click",
        },
        {
            content: "The form shows the same warning above the plan",
            trigger: ".o_form_view .o_aiom_problem:contains('No outgoing mail server is configured')",
        },
    ],
});

registry.category("web_tour.tours").add("aiom_coo_inbox_no_buttons", {
    steps: () => [
        {
            content: "A user who is not an approver sees the pending card",
            trigger: `${inColumn("Pending", "Create contact Vic Viewer")} .o_aiom_rationale:contains('Seen, not approved')`,
        },
        {
            content: "but no button to approve or reject anything",
            trigger: ".o_kanban_renderer:not(:has(.o_aiom_approve, .o_aiom_reject, .o_widget_aiom_action_buttons))",
        },
    ],
});

registry.category("web_tour.tours").add("aiom_coo_dashboard", {
    steps: () => [
        {
            content: "The dashboard counts the pending high-risk action",
            trigger: ".o_aiom_dashboard .o_aiom_risk_high .badge:contains(/^1$/)",
        },
        {
            content: "and shows the agent among the top agents",
            trigger: ".o_aiom_dashboard .o_aiom_top_agents:contains('Dashboard tour agent')",
        },
        {
            content: "Open the pending high-risk actions",
            trigger: ".o_aiom_dashboard .o_aiom_risk_high",
            run: "click",
        },
        {
            content: "The list shows that action",
            trigger: ".o_list_view .o_data_row:contains('Email Dina Dashboard')",
        },
    ],
});
