import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Win the showroom deal')";
const CHANGE = (label, old, now) =>
    `.o_aiom_preview_change:contains('${label}'):has(.o_aiom_preview_old:contains('${old}')):has(.o_aiom_preview_new:contains('${now}'))`;

registry.category("web_tour.tours").add("aiom_coo_crm_preview_approve", {
    steps: () => [
        {
            content: "Open the card's preview",
            trigger: `${CARD} .o_aiom_preview_toggle`,
            run: "click",
        },
        {
            content: "The card says the stage goes from New to Won",
            trigger: `${CARD} ${CHANGE("Stage", "New", "Won")}`,
        },
        {
            content: "...and names the customer instead of an id",
            trigger: `${CARD} ${CHANGE("Customer", "(empty)", "Gemini Tour Furniture")}`,
        },
        {
            content: "Open the proposal",
            trigger: `${CARD} .o_aiom_title`,
            run: "click",
        },
        {
            content: "The form shows what will change on top",
            trigger: `.o_form_view .o_aiom_preview h4:contains('What will change')`,
        },
        {
            content: "Stage: New → Won, on the deal by its name",
            trigger: `.o_form_view .o_aiom_preview_record:contains('Tour showroom seating') ${CHANGE("Stage", "New", "Won")}`,
        },
        {
            content: "Approve & Execute",
            trigger: ".o_form_view .o_form_statusbar button[name='action_approve']",
            run: "click",
        },
        {
            content: "The action is executed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Executed')",
        },
    ],
});
