import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("aiom_coo_open_inbox", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the AI COO app from the apps menu",
            trigger: ".o_app[data-menu-xmlid='aiom_coo.menu_aiom_root']",
            run: "click",
        },
        {
            content: "The Action Inbox shows the pending column",
            trigger: ".o_kanban_renderer .o_kanban_group .o_column_title:contains('Pending')",
        },
        {
            content: "A demo proposal is on a card",
            trigger: ".o_kanban_record:contains('Log a follow-up call with Azure Interior')",
        },
    ],
});
