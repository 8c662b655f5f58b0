import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("aiom_coo_planner_inbox", {
    steps: () => [
        { content: "Ask the AI COO from the inbox", trigger: "button.o_aiom_ask_planner", run: "click" },
        {
            content: "Write the request",
            trigger: ".modal .o_field_widget[name=prompt] textarea",
            run: "edit Chase Harbor Lights and book a call with Azure Falls next week",
        },
        { content: "Draft the plan", trigger: ".modal button[name=action_plan]", run: "click" },
        {
            content: "The proposal opens, drafted by the AI planner",
            trigger: ".o_form_view .o_field_widget[name=source]:contains(AI planner)",
        },
    ],
});

tours.add("aiom_coo_planner_chatter", {
    steps: () => [
        { content: "Ask AI COO from the record's chatter", trigger: "button.o_aiom_chatter_ask", run: "click" },
        { content: "The dialog names the record", trigger: ".modal .o_field_widget[name=target_name]:contains(Harbor)" },
        {
            trigger: ".modal .o_field_widget[name=prompt] textarea",
            run: "edit Book a call with Mia next week",
        },
        { trigger: ".modal button[name=action_plan]", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name=source]:contains(AI planner)" },
    ],
});

tours.add("aiom_coo_planner_not_configured", {
    steps: () => [
        { trigger: "button.o_aiom_ask_planner", run: "click" },
        {
            content: "Without an LLM the dialog says how to configure one, and offers no prompt",
            trigger: ".modal .o_aiom_planner_setup:contains(Settings > AI COO)",
        },
        { trigger: ".modal:not(:has(button[name=action_plan]))" },
        { trigger: ".modal button.btn-secondary", run: "click" },
    ],
});
