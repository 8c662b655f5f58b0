import { KanbanRecord } from "@web/views/kanban/kanban_record";

// One Font Awesome icon per action type, so that a card says at a glance what it will do.
export const TYPE_ICONS = {
    odoo_create: "fa-plus-square-o",
    odoo_update: "fa-pencil-square-o",
    odoo_search: "fa-search",
    email_send: "fa-envelope-o",
    message_post: "fa-comment-o",
    activity_schedule: "fa-clock-o",
    workflow: "fa-sitemap",
};

export class AiomActionKanbanRecord extends KanbanRecord {
    get renderingContext() {
        const data = this.props.record.data;
        return {
            ...super.renderingContext,
            aiom: {
                typeIcon: TYPE_ICONS[data.action_type] || "fa-bolt",
                // luxon, in the user's language: "3 hours ago"
                age: data.create_date ? data.create_date.toRelative() : "",
                targetUrl: data.target_ref
                    ? `/odoo/${data.target_ref.resModel}/${data.target_ref.resId}`
                    : false,
                targetName: data.target_ref ? data.target_ref.displayName : "",
            },
        };
    }
}
